// Public entry of verify: the whole-replica check and its report types.
export { verifyReplica, type VerifyOptions } from './verify.ts';
export { verifyFile } from './files.ts';
export { structureProblems, levelProblems } from './structure.ts';
export { keyOf, type VerifyReport, type VerifyProblem, type ProblemKind, type LevelSummary } from './report.ts';
