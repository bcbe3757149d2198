// Public entry of the restore module: plan, list and restore a replica.
export { planRestore, type RestorePlan, type RestoreTarget, type PlanOptions } from './plan.ts';
export { listReplicaFiles } from './list.ts';
export { withWrittenTimestamps } from './timestamps.ts';
export {
  restoreDatabase,
  restoreTempPath,
  planReplicaRestore,
  DEFAULT_PARALLELISM,
  type RestoreOptions,
  type RestoreResult,
} from './restore.ts';
export type { IntegrityCheck } from './integrity.ts';
export {
  NoBackupsError,
  TxNotAvailableError,
  NonContiguousError,
  OutputExistsError,
  UnusableFilesError,
  OutputWriteError,
  RestoreInterruptedError,
  IntegrityCheckError,
  type UnusableFile,
} from './errors.ts';
export { refKey, formatTXID, ltxName, fileLocation } from './refs.ts';
