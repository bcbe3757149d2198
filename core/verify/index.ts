// Public entry of verify: the whole-replica check and its report types.
export { verifyReplica, type VerifyOptions } from './verify.ts';
export { verifyFile } from './files.ts';
export { structureProblems, levelProblems, restorability } from './structure.ts';
export {
  keyOf,
  verifyReportJson,
  verifyProblemJson,
  type VerifyReport,
  type VerifyReportJson,
  type VerifyProblem,
  type VerifyProblemJson,
  type ProblemKind,
  type LevelSummary,
} from './report.ts';
