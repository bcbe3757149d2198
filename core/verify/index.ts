// Public entry of verify: the whole-replica check and its report types.
export { verifyReplica } from './verify.ts';
export { verifyReportJson, type VerifyReport, type VerifyReportJson, type VerifyProblem } from './report.ts';
