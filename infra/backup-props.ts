// The StreambedBackup construct's props, their defaults, and their validation (maintenance through core's validator).
import type { IBucket } from 'aws-cdk-lib/aws-s3';
import type { IKey } from 'aws-cdk-lib/aws-kms';
import { DEFAULT_MAINTENANCE_SETTINGS, maintenanceDurationProblems, type MaintenanceDurations } from '../core/compact/settings.ts';
import { formatDuration, parseDuration } from '../core/config/duration.ts';

export interface ObjectLockProps {
  /** GOVERNANCE: principals with s3:BypassGovernanceRetention may still delete; COMPLIANCE: nobody can, for `days`. */
  readonly mode: 'GOVERNANCE' | 'COMPLIANCE';
  /** Default retention of every object version, in days. */
  readonly days: number;
}

export interface ScheduleProps {
  /** Maintenance sweep over every database (default `rate(5 minutes)`). */
  readonly sweep?: string;
  /** Retention (default `rate(15 minutes)`). */
  readonly retention?: string;
  /** Verification (default `rate(1 day)`). */
  readonly verify?: string;
}

export interface StreambedBackupProps {
  /** An existing bucket to use; omitted: a private, TLS-only, encrypted bucket is created (and retained on delete). */
  readonly bucket?: IBucket;
  /**
   * SSE-KMS with this key on a created bucket. With an imported bucket: the key its objects are encrypted with, so
   * the functions and host roles get `kms:Decrypt`/`kms:GenerateDataKey` on it. Default: SSE-S3.
   */
  readonly encryptionKey?: IKey;
  /** Versioning on a created bucket (default false: retention's deletes would otherwise stay billed). */
  readonly versioned?: boolean;
  /** Noncurrent versions expire after this many days (default 7; versioned or Object Lock buckets). */
  readonly noncurrentVersionDays?: number;
  /** Object Lock on a created bucket (turns versioning on). */
  readonly objectLock?: ObjectLockProps;
  /** Compaction intervals of L1..Ln as Go durations (default `['30s', '5m', '1h']`), validated like the agent's `levels:`. */
  readonly levels?: readonly string[];
  /** Go durations; defaults as in the agent: 24h, 24h, 5m. */
  readonly snapshotInterval?: string;
  readonly snapshotRetention?: string;
  readonly l0Retention?: string;
  /** false: the functions never delete (the bucket's lifecycle rules do). Default true. */
  readonly retentionEnabled?: boolean;
  /**
   * Database paths inside the bucket. Each gets its own stale-backup alarm, and the scheduled functions handle
   * exactly these; omitted: they discover databases by listing the bucket (and only the aggregate alarm exists).
   */
  readonly databases?: readonly string[];
  readonly schedules?: ScheduleProps;
  /** A database whose newest L0 file is older than this is stale (Go duration, default 15m; at least the sweep interval). */
  readonly staleAfter?: string;
  /** Objects under `restores/` expire after this many days (default 7; created bucket only). */
  readonly restoresExpireDays?: number;
  /** Verification also restores each database and runs SQLite's integrity check (10 GiB /tmp, 3 GiB memory). */
  readonly verifyFull?: boolean;
  /** Subscribe this address to the alarm topic (it must confirm the subscription). */
  readonly alarmEmail?: string;
  /** Days the functions' logs are kept (default 30; rounded up to a value CloudWatch Logs accepts). */
  readonly logRetentionDays?: number;
}

/** Props with every default filled in and every value checked. */
export interface ResolvedBackupProps {
  levels: string[];
  snapshotInterval: string;
  snapshotRetention: string;
  l0Retention: string;
  retentionEnabled: boolean;
  databases: string[];
  schedules: Required<ScheduleProps>;
  staleAfterMs: number;
  versioned: boolean;
  noncurrentVersionDays: number;
  restoresExpireDays: number;
  verifyFull: boolean;
  logRetentionDays: number;
}

const core = DEFAULT_MAINTENANCE_SETTINGS;

/** Maintenance defaults come from core (the agent's and the Lambdas' defaults), written as Go durations. */
export const DEFAULT_BACKUP_PROPS = {
  levels: core.levels.map(formatDuration),
  snapshotInterval: formatDuration(core.snapshotInterval),
  snapshotRetention: formatDuration(core.snapshotRetention),
  l0Retention: formatDuration(core.l0Retention),
  retentionEnabled: core.retentionEnabled,
  schedules: { sweep: 'rate(5 minutes)', retention: 'rate(15 minutes)', verify: 'rate(1 day)' },
  staleAfter: '15m',
  noncurrentVersionDays: 7,
  restoresExpireDays: 7,
  logRetentionDays: 30,
} as const;

/** Thrown for a prop the construct cannot use; the message names the prop. */
export class StreambedPropsError extends Error {
  override name = 'StreambedPropsError';
}

function durationProp(prop: string, text: string): number {
  try {
    return parseDuration(text);
  } catch (err) {
    throw new StreambedPropsError(`StreambedBackup ${prop} ${JSON.stringify(text)}: ${(err as Error).message}`);
  }
}

const SCHEDULE = /^(rate\(\s*\d+\s+(minute|minutes|hour|hours|day|days)\s*\)|cron\(.+\))$/;
/** Characters that would act as IAM wildcards or break a key prefix. */
const BAD_PATH = /[*?$]|^\/|\/$|\/\//;

function positiveInteger(prop: string, value: number): number {
  if (!Number.isInteger(value) || value < 1) throw new StreambedPropsError(`StreambedBackup ${prop} must be a whole number of days ≥ 1, got ${value}`);
  return value;
}

/** A database path as the hosts write it: non-empty, no leading/trailing or double slash, no IAM wildcard characters. */
export function checkDatabasePath(prop: string, path: string): string {
  if (path === '' || BAD_PATH.test(path)) {
    throw new StreambedPropsError(`StreambedBackup ${prop} ${JSON.stringify(path)}: a database path like "app.db" or "tenant/app.db" (no leading, trailing or double "/", no * ? $)`);
  }
  return path;
}

/**
 * Maintenance settings go through `maintenanceDurationProblems`, the validator the agent's YAML and the Lambda
 * environment use, so a deploy never ships settings the functions would refuse at run time.
 */
export function resolveBackupProps(props: StreambedBackupProps): ResolvedBackupProps {
  const d = DEFAULT_BACKUP_PROPS;
  const levels = [...(props.levels ?? d.levels)].map((l) => l.trim());
  const texts = {
    snapshotInterval: props.snapshotInterval ?? d.snapshotInterval,
    snapshotRetention: props.snapshotRetention ?? d.snapshotRetention,
    l0Retention: props.l0Retention ?? d.l0Retention,
  };
  const durations: MaintenanceDurations = {
    levels: levels.map((l, i) => durationProp(`levels[${i}]`, l)),
    snapshotInterval: durationProp('snapshotInterval', texts.snapshotInterval),
    snapshotRetention: durationProp('snapshotRetention', texts.snapshotRetention),
    l0Retention: durationProp('l0Retention', texts.l0Retention),
  };
  const problem = maintenanceDurationProblems(durations)[0];
  if (problem) {
    const value = problem.setting === 'levels' ? JSON.stringify(levels) : JSON.stringify(texts[problem.setting]);
    throw new StreambedPropsError(`StreambedBackup ${problem.setting} ${value}: ${problem.message}`);
  }
  if (props.bucket && (props.versioned !== undefined || props.objectLock)) {
    throw new StreambedPropsError('StreambedBackup versioned/objectLock apply to a bucket the construct creates; set them on your own bucket instead of passing `bucket`');
  }
  if (props.objectLock) positiveInteger('objectLock.days', props.objectLock.days);
  const schedules = { ...d.schedules, ...props.schedules };
  for (const [name, expr] of Object.entries(schedules)) {
    if (!SCHEDULE.test(expr.trim())) throw new StreambedPropsError(`StreambedBackup schedules.${name} ${JSON.stringify(expr)}: an EventBridge expression like rate(5 minutes) or cron(0 3 * * ? *)`);
  }
  const databases = (props.databases ?? []).map((p, i) => checkDatabasePath(`databases[${i}]`, p));
  if (new Set(databases).size !== databases.length) throw new StreambedPropsError(`StreambedBackup databases lists a path twice: ${JSON.stringify(databases)}`);
  const staleAfterMs = durationProp('staleAfter', props.staleAfter ?? d.staleAfter);
  if (!(staleAfterMs >= 60_000)) throw new StreambedPropsError(`StreambedBackup staleAfter ${JSON.stringify(props.staleAfter)}: at least 1m`);
  return {
    levels,
    ...texts,
    retentionEnabled: props.retentionEnabled ?? d.retentionEnabled,
    databases,
    schedules,
    staleAfterMs,
    versioned: props.versioned === true || props.objectLock !== undefined,
    noncurrentVersionDays: positiveInteger('noncurrentVersionDays', props.noncurrentVersionDays ?? d.noncurrentVersionDays),
    restoresExpireDays: positiveInteger('restoresExpireDays', props.restoresExpireDays ?? d.restoresExpireDays),
    verifyFull: props.verifyFull ?? false,
    logRetentionDays: positiveInteger('logRetentionDays', props.logRetentionDays ?? d.logRetentionDays),
  };
}

/** The environment every maintenance function gets (read back by functions/shared/settings.ts). */
export function maintenanceEnvironment(r: ResolvedBackupProps, bucketName: string): Record<string, string> {
  return {
    BUCKET_NAME: bucketName,
    LEVELS: r.levels.join(','),
    SNAPSHOT_INTERVAL: r.snapshotInterval,
    SNAPSHOT_RETENTION: r.snapshotRetention,
    L0_RETENTION: r.l0Retention,
    RETENTION_ENABLED: String(r.retentionEnabled),
    ...(r.databases.length > 0 ? { DB_PATHS: r.databases.join(',') } : {}),
  };
}
