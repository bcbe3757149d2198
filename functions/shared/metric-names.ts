// The custom metrics the functions publish (namespace, service dimension, names): shared with the alarms in infra/.

export const METRICS_NAMESPACE = 'Streambed';

/** Powertools adds `service` as a dimension of every metric, so alarms must name it too. */
export const SERVICES = {
  compact: 'streambed-compact',
  maintain: 'streambed-maintain',
  retention: 'streambed-retention',
  verify: 'streambed-verify',
  restore: 'streambed-restore',
} as const;

/**
 * The whole set; every name is one CloudWatch custom metric, except the two with a Database dimension, which exist
 * only for databases that are late or have verify problems (see docs/cost.md).
 */
export const METRIC_NAMES = {
  filesWritten: 'FilesWritten',
  filesDeleted: 'FilesDeleted',
  maintenanceErrors: 'MaintenanceErrors',
  passesSkipped: 'PassesSkipped',
  maintenanceFailedDatabases: 'MaintenanceFailedDatabases',
  staleDatabases: 'StaleDatabases',
  /** Dimension Database; sent only while that database is stale. */
  backupAge: 'BackupAgeSeconds',
  retentionDeletedFiles: 'RetentionDeletedFiles',
  retentionFailedDatabases: 'RetentionFailedDatabases',
  /** Without dimension: the total; with Database: only databases that have problems. */
  verifyProblems: 'VerifyProblems',
  verifyFailedDatabases: 'VerifyFailedDatabases',
} as const;
