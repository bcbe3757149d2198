// StreambedBackup: the reusable L3 construct (bucket, compaction, retention, verify, restore, alarms, host roles).
import { Duration, Stack } from 'aws-cdk-lib';
import type { IRole } from 'aws-cdk-lib/aws-iam';
import type { IKey } from 'aws-cdk-lib/aws-kms';
import { SqsDestination } from 'aws-cdk-lib/aws-lambda-destinations';
import { RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { IBucket } from 'aws-cdk-lib/aws-s3';
import { Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { formatDuration } from '../core/util/duration.ts';
import { BackupAlarms } from './alarms.ts';
import { maintenanceEnvironment, resolveBackupProps, type ResolvedBackupProps, type StreambedBackupProps } from './backup-props.ts';
import { createReplicaBucket } from './bucket.ts';
import { Compaction } from './compaction.ts';
import { HostAccess, type HostDatabases } from './host-access.ts';
import { acknowledge } from './nag.ts';
import { RestoreFunction } from './restore.ts';
import { ScheduledChecks } from './scheduled.ts';

export interface AddHostOptions {
  /** Replica paths of the databases this host replicates; `'any'` grants level directories under every path. */
  readonly databases: HostDatabases;
  /** `ec2` (role + instance profile) or `ecs` (task role); or pass `role` to attach the host policy to your own. */
  readonly kind?: 'ec2' | 'ecs';
  readonly role?: IRole;
}

/** CloudWatch Logs accepts only certain day counts; round up to the next one. */
export function logRetentionOf(days: number): RetentionDays {
  const allowed = Object.values(RetentionDays).filter((v): v is RetentionDays => typeof v === 'number' && v > 0).sort((a, b) => a - b);
  return allowed.find((d) => d >= days) ?? RetentionDays.TEN_YEARS;
}

/** `rate(5 minutes)` → 300000; undefined for cron expressions. */
export function rateMs(expression: string): number | undefined {
  const m = /^rate\(\s*(\d+)\s+(minute|hour|day)s?\s*\)$/.exec(expression.trim());
  if (!m) return undefined;
  return Number(m[1]) * { minute: 60_000, hour: 3_600_000, day: 86_400_000 }[m[2] as 'minute' | 'hour' | 'day'];
}

/**
 * Everything the serverless side of streambed needs around one replica bucket. Hosts replicate into it with
 * `compaction: remote` and a role from `addHost`; `streambed restore -remote <restoreFunction>` restores through it.
 */
export class StreambedBackup extends Construct {
  readonly bucket: IBucket;
  readonly encryptionKey?: IKey;
  readonly settings: ResolvedBackupProps;
  readonly compaction: Compaction;
  readonly checks: ScheduledChecks;
  readonly restore: RestoreFunction;
  /** Where failed asynchronous (scheduled) invocations land. */
  readonly asyncFailureQueue: Queue;
  readonly alarms: BackupAlarms;

  constructor(scope: Construct, id: string, props: StreambedBackupProps = {}) {
    super(scope, id);
    this.settings = resolveBackupProps(props);
    const s = this.settings;
    this.encryptionKey = props.encryptionKey;
    this.bucket = props.bucket ?? createReplicaBucket(this, { resolved: s, encryptionKey: props.encryptionKey, objectLock: props.objectLock });
    const logRetention = logRetentionOf(s.logRetentionDays);
    const environment = maintenanceEnvironment(s, this.bucket.bucketName);
    const key = props.encryptionKey;

    this.asyncFailureQueue = new Queue(this, 'AsyncFailureQueue', { encryption: QueueEncryption.SQS_MANAGED, enforceSSL: true, retentionPeriod: Duration.days(14) });
    const onFailure = new SqsDestination(this.asyncFailureQueue);
    this.compaction = new Compaction(this, 'Compaction', {
      bucket: this.bucket, environment, firstLevel: s.levels[0] ?? '30s', sweepSchedule: s.schedules.sweep, logRetention, onFailure,
      staleAfter: formatDuration(s.staleAfterMs), ...(key ? { encryptionKey: key } : {}),
    });
    this.checks = new ScheduledChecks(this, 'Checks', {
      bucket: this.bucket, environment, retentionSchedule: s.schedules.retention, verifySchedule: s.schedules.verify, logRetention, onFailure,
      verifyFull: s.verifyFull, ...(key ? { encryptionKey: key } : {}),
    });
    this.restore = new RestoreFunction(this, 'Restore', { bucket: this.bucket, logRetention, ...(key ? { encryptionKey: key } : {}) });
    this.alarms = new BackupAlarms(this, 'Alarms', {
      functions: {
        Compact: this.compaction.compact, Sweep: this.compaction.sweep, Retention: this.checks.retention, Verify: this.checks.verify, Restore: this.restore.restore,
      },
      deadLetterQueues: { CompactionDLQ: this.compaction.deadLetterQueue, AsyncFailures: this.asyncFailureQueue },
      compactionQueue: this.compaction.queue,
      databases: s.databases,
      staleAfterMs: s.staleAfterMs,
      sweepIntervalMs: rateMs(s.schedules.sweep),
      ...(props.alarmEmail ? { alarmEmail: props.alarmEmail } : {}),
    });
    this.acknowledgeOwnFindings(props.bucket === undefined);
  }

  /** A host role scoped to `databases`: EC2 (with instance profile), ECS task role, or your own role. */
  addHost(id: string, options: AddHostOptions): HostAccess {
    return new HostAccess(this, id, {
      bucket: this.bucket, databases: options.databases,
      ...(options.kind ? { kind: options.kind } : {}), ...(options.role ? { role: options.role } : {}),
      ...(this.encryptionKey ? { encryptionKey: this.encryptionKey } : {}),
    });
  }

  private acknowledgeOwnFindings(createdBucket: boolean): void {
    if (createdBucket) {
      acknowledge(
        this.bucket,
        'AwsSolutions-S1',
        'Every object write is an LTX file named by its TXID range and stamped with litestream-timestamp metadata; enable CloudTrail S3 data events for an access audit instead of one log object per upload.',
      );
    }
    acknowledge(this.asyncFailureQueue, 'AwsSolutions-SQS3', 'This queue is itself the on-failure destination of the scheduled functions (a dead-letter queue by role); its depth has an alarm.');
    acknowledge(this.alarms.topic, 'AwsSolutions-SNS2', 'Alarm notifications carry alarm names only; CloudWatch cannot publish to a topic under the AWS-managed SNS key, and a customer key would cost $1/month.');
    // Created by bucket.addEventNotification: CDK's own handler that writes the bucket's notification configuration.
    const notifications = Stack.of(this).node.tryFindChild('BucketNotificationsHandler050a0587b7544547bf325f094a3db834');
    if (notifications) {
      acknowledge(
        notifications,
        'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]',
        'CDK-provided custom resource that configures bucket notifications once per deployment; it only writes its own logs.',
      );
    }
  }
}

