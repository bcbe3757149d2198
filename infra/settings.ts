// The ready app's knobs, read from CDK context (`cdk.json` or `-c key=value`) and turned into StreambedBackup props.
import type { Node } from 'constructs';
import type { StreambedBackupProps } from './backup-props.ts';
import { StreambedPropsError } from './backup-props.ts';

/** What the app builds besides the construct's props. */
export interface AppSettings {
  /** Import this existing bucket instead of creating one. */
  bucketName?: string;
  /** KMS key ARN: SSE-KMS on a created bucket, or the key an imported bucket uses. */
  kmsKeyArn?: string;
  /** Create an EC2 instance role (+ profile) and an ECS task role scoped to the databases. Default true. */
  hostRoles: boolean;
  props: Omit<StreambedBackupProps, 'bucket' | 'encryptionKey'>;
}

function text(node: Node, key: string): string | undefined {
  const value: unknown = node.tryGetContext(key);
  if (value === undefined || value === null || value === '') return undefined;
  return Array.isArray(value) ? value.join(',') : String(value);
}

function flag(node: Node, key: string): boolean | undefined {
  const value = text(node, key);
  if (value === undefined) return undefined;
  if (value === 'true' || value === 'false') return value === 'true';
  throw new StreambedPropsError(`context ${key}=${JSON.stringify(value)}: use true or false`);
}

function count(node: Node, key: string): number | undefined {
  const value = text(node, key);
  if (value === undefined) return undefined;
  if (!/^\d+$/.test(value)) throw new StreambedPropsError(`context ${key}=${JSON.stringify(value)}: a whole number of days`);
  return Number(value);
}

function list(node: Node, key: string): string[] | undefined {
  const value = text(node, key);
  return value === undefined ? undefined : value.split(',').map((s) => s.trim()).filter(Boolean);
}

/** Unset keys leave the construct's defaults in place; the construct validates every value. */
export function settingsFromContext(node: Node): AppSettings {
  const props: Record<string, unknown> = {
    versioned: flag(node, 'versioned'),
    noncurrentVersionDays: count(node, 'noncurrentDays'),
    levels: list(node, 'levels'),
    snapshotInterval: text(node, 'snapshotInterval'),
    snapshotRetention: text(node, 'snapshotRetention'),
    l0Retention: text(node, 'l0Retention'),
    retentionEnabled: flag(node, 'retentionEnabled'),
    databases: list(node, 'dbPaths'),
    staleAfter: text(node, 'staleAfter'),
    restoresExpireDays: count(node, 'restoresExpireDays'),
    verifyFull: flag(node, 'verifyFull'),
    alarmEmail: text(node, 'alarmEmail'),
    logRetentionDays: count(node, 'logRetentionDays'),
  };
  const schedules = { sweep: text(node, 'sweepSchedule'), retention: text(node, 'retentionSchedule'), verify: text(node, 'verifySchedule') };
  if (Object.values(schedules).some((v) => v !== undefined)) props.schedules = Object.fromEntries(Object.entries(schedules).filter(([, v]) => v !== undefined));
  const lockMode = text(node, 'objectLockMode');
  if (lockMode !== undefined) {
    if (lockMode !== 'GOVERNANCE' && lockMode !== 'COMPLIANCE') throw new StreambedPropsError(`context objectLockMode=${JSON.stringify(lockMode)}: GOVERNANCE or COMPLIANCE`);
    props.objectLock = { mode: lockMode, days: count(node, 'objectLockDays') ?? 7 };
  }
  for (const k of Object.keys(props)) if (props[k] === undefined) delete props[k];
  const bucketName = text(node, 'bucketName');
  const kmsKeyArn = text(node, 'kmsKeyArn');
  return {
    ...(bucketName ? { bucketName } : {}),
    ...(kmsKeyArn ? { kmsKeyArn } : {}),
    hostRoles: flag(node, 'hostRoles') ?? true,
    props: props as AppSettings['props'],
  };
}
