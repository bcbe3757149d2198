// The stack's knobs, read from CDK context (`cdk.json` or `-c key=value`) with the agent's defaults.
import type { Node } from 'constructs';

export interface MaintenanceEnv {
  /** Go durations, e.g. "30s,5m,1h" (L1..Ln); the same settings the agent's config file has. */
  levels: string;
  snapshotInterval: string;
  snapshotRetention: string;
  l0Retention: string;
  retentionEnabled: boolean;
}

export interface StreambedSettings {
  /** Use this existing bucket instead of creating one. */
  bucketName?: string;
  /** Versioning on a created bucket (noncurrent versions then expire after `noncurrentDays`). */
  versioned: boolean;
  noncurrentDays: number;
  maintenance: MaintenanceEnv;
  /** Database paths the scheduled functions handle; empty: discover them by listing the bucket. */
  dbPaths: string[];
  /** EventBridge rate expressions. */
  retentionSchedule: string;
  verifySchedule: string;
  sweepSchedule: string;
  logRetentionDays: number;
}

export const DEFAULT_SETTINGS: StreambedSettings = {
  versioned: false,
  noncurrentDays: 7,
  maintenance: { levels: '30s,5m,1h', snapshotInterval: '24h', snapshotRetention: '24h', l0Retention: '5m', retentionEnabled: true },
  dbPaths: [],
  retentionSchedule: 'rate(15 minutes)',
  verifySchedule: 'rate(1 day)',
  sweepSchedule: 'rate(5 minutes)',
  logRetentionDays: 30,
};

function text(node: Node, key: string): string | undefined {
  const value: unknown = node.tryGetContext(key);
  return value === undefined || value === null || value === '' ? undefined : String(value);
}

function flag(node: Node, key: string, fallback: boolean): boolean {
  const value = text(node, key);
  return value === undefined ? fallback : value === 'true';
}

/** Context keys: bucketName, versioned, levels, snapshotInterval, snapshotRetention, l0Retention, retentionEnabled, dbPaths, retentionSchedule, verifySchedule, sweepSchedule, logRetentionDays. */
export function settingsFromContext(node: Node): StreambedSettings {
  const d = DEFAULT_SETTINGS;
  const m = d.maintenance;
  const bucketName = text(node, 'bucketName');
  return {
    ...(bucketName ? { bucketName } : {}),
    versioned: flag(node, 'versioned', d.versioned),
    noncurrentDays: Number(text(node, 'noncurrentDays') ?? d.noncurrentDays),
    maintenance: {
      levels: text(node, 'levels') ?? m.levels,
      snapshotInterval: text(node, 'snapshotInterval') ?? m.snapshotInterval,
      snapshotRetention: text(node, 'snapshotRetention') ?? m.snapshotRetention,
      l0Retention: text(node, 'l0Retention') ?? m.l0Retention,
      retentionEnabled: flag(node, 'retentionEnabled', m.retentionEnabled),
    },
    dbPaths: (text(node, 'dbPaths') ?? '').split(',').map((s) => s.trim()).filter(Boolean),
    retentionSchedule: text(node, 'retentionSchedule') ?? d.retentionSchedule,
    verifySchedule: text(node, 'verifySchedule') ?? d.verifySchedule,
    sweepSchedule: text(node, 'sweepSchedule') ?? d.sweepSchedule,
    logRetentionDays: Number(text(node, 'logRetentionDays') ?? d.logRetentionDays),
  };
}

/** The environment every maintenance function gets (read back by functions/shared/settings.ts). */
export function maintenanceEnvironment(s: StreambedSettings, bucketName: string): Record<string, string> {
  return {
    BUCKET_NAME: bucketName,
    LEVELS: s.maintenance.levels,
    SNAPSHOT_INTERVAL: s.maintenance.snapshotInterval,
    SNAPSHOT_RETENTION: s.maintenance.snapshotRetention,
    L0_RETENTION: s.maintenance.l0Retention,
    RETENTION_ENABLED: String(s.maintenance.retentionEnabled),
    ...(s.dbPaths.length > 0 ? { DB_PATHS: s.dbPaths.join(',') } : {}),
  };
}
