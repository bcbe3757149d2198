// Public entry of compaction: level compaction, snapshots by merge, and the whole maintenance pass.
export { runMaintenance } from './maintenance.ts';
export { compactLevel, selectLevelInputs } from './level.ts';
export { buildSnapshot, selectSnapshotInputs } from './snapshot.ts';
export { maintenanceDue, retentionDue } from './due.ts';
export { selectPromotion } from './promote.ts';
export {
  maintenanceSettingsFromConfig,
  DEFAULT_MAINTENANCE_SETTINGS,
  maintenanceDurationProblems,
  type MaintenanceDurations,
  type MaintenanceSettings,
} from './settings.ts';
export type { MaintenanceReport, RetentionOutcome } from './report.ts';
