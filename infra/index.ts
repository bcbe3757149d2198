// Public entry of the CDK side: the StreambedBackup construct, its props, host access, and the cdk-nag helpers.
export { StreambedBackup, type AddHostOptions } from './streambed-backup.ts';
export {
  DEFAULT_BACKUP_PROPS, StreambedPropsError, resolveBackupProps,
  type ObjectLockProps, type ResolvedBackupProps, type ScheduleProps, type StreambedBackupProps,
} from './backup-props.ts';
export { HostAccess, hostStatements, HOST_DENIED_ACTIONS, type HostDatabases } from './host-access.ts';
export { BackupAlarms } from './alarms.ts';
export { addNagChecks } from './nag.ts';
export { RESTORES_PREFIX } from './bucket.ts';
