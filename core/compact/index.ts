// Public entry of compaction: level compaction, snapshots by merge, and the whole maintenance pass.
export { runMaintenance } from './maintenance.ts';
export { compactLevel, selectLevelInputs, type LevelSelection } from './level.ts';
export { buildSnapshot, selectSnapshotInputs, type SnapshotSelection } from './snapshot.ts';
export { mergeFilesToReplica, DEFAULT_FAN_IN, type MergeOptions, type MergeOutcome } from './merge.ts';
export { selectChain, chainEnd } from '../listing/chain.ts';
export { windowStart, isDue } from './schedule.ts';
export { maintenanceDue, retentionDue, retentionGrain } from './due.ts';
export { promoteFirstSnapshot, selectPromotion } from './promote.ts';
export { listLevel, listReplica, type ReplicaListing } from '../listing/listing.ts';
export {
  maintenanceSettingsFromConfig,
  DEFAULT_MAINTENANCE_SETTINGS,
  MAX_COMPACTION_LEVELS,
  levelsProblem,
  maintenanceDurationProblems,
  type MaintenanceDurations,
  type SettingProblem,
  type MaintenanceSettings,
  type MaintenanceLogger,
} from './settings.ts';
export type { MaintenanceReport, StepOutcome, StepStatus, RetentionOutcome } from './report.ts';
