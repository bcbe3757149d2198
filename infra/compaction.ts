// New L0 file → S3 notification → SQS (with a dead-letter queue) → compaction function, plus a scheduled sweep.
import { Duration, Size } from 'aws-cdk-lib';
import { Rule, Schedule } from 'aws-cdk-lib/aws-events';
import { LambdaFunction } from 'aws-cdk-lib/aws-events-targets';
import { SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import type { IKey } from 'aws-cdk-lib/aws-kms';
import type { IDestination } from 'aws-cdk-lib/aws-lambda';
import type { RetentionDays } from 'aws-cdk-lib/aws-logs';
import { EventType, type IBucket } from 'aws-cdk-lib/aws-s3';
import { SqsDestination } from 'aws-cdk-lib/aws-s3-notifications';
import { Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { parseDuration } from '../core/util/duration.ts';
import { StreambedFunction, type StreambedFunctionProps } from './function.ts';
import { allow } from './nag.ts';
import { PER_DB_KEYS, compactedObjectArns, deleteStatement, kmsStatement, leaseStatement, listStatement, readStatement, writeStatement } from './iam.ts';

export const COMPACT_TIMEOUT = Duration.minutes(5);
/** SQS hides a message for 6× the function timeout, as AWS advises for Lambda event sources. */
export const VISIBILITY_TIMEOUT = Duration.minutes(30);
export const MAX_RECEIVE_COUNT = 5;

export interface CompactionProps {
  bucket: IBucket;
  environment: Record<string, string>;
  /** First compaction interval ("30s"): messages wait that long, so the file that sent one is in a finished window. */
  firstLevel: string;
  sweepSchedule: string;
  logRetention: RetentionDays;
  /** Where a failed sweep invocation goes (shared with the other scheduled functions). */
  onFailure: IDestination;
  encryptionKey?: IKey;
  /** STALE_AFTER for the sweep, which reports databases whose newest L0 file is older. */
  staleAfter: string;
}

export class Compaction extends Construct {
  readonly queue: Queue;
  readonly deadLetterQueue: Queue;
  readonly compact: StreambedFunction;
  readonly sweep: StreambedFunction;

  constructor(scope: Construct, id: string, props: CompactionProps) {
    super(scope, id);
    const { bucket } = props;
    this.deadLetterQueue = new Queue(this, 'DeadLetterQueue', {
      encryption: QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
    });
    const delaySeconds = Math.min(900, Math.ceil(parseDuration(props.firstLevel) / 1000));
    this.queue = new Queue(this, 'Queue', {
      encryption: QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      visibilityTimeout: VISIBILITY_TIMEOUT,
      deliveryDelay: Duration.seconds(delaySeconds),
      deadLetterQueue: { queue: this.deadLetterQueue, maxReceiveCount: MAX_RECEIVE_COUNT },
    });
    bucket.addEventNotification(EventType.OBJECT_CREATED, new SqsDestination(this.queue), { suffix: '.ltx' });

    const maintenance = (fid: string, entry: string, description: string, extra: Partial<StreambedFunctionProps>): StreambedFunction => {
      const f = new StreambedFunction(this, fid, {
        entry,
        description,
        timeout: COMPACT_TIMEOUT,
        memorySize: 1024,
        ephemeralStorage: Size.gibibytes(2),
        environment: props.environment,
        logRetention: props.logRetention,
        ...extra,
      });
      // Reads every level, writes only L1..L9 (never an agent's L0 file), deletes what retention drops.
      allow(f.role, listStatement(bucket), PER_DB_KEYS);
      allow(f.role, readStatement(bucket), `${PER_DB_KEYS} Compaction reads every level to merge it.`);
      allow(f.role, writeStatement(bucket, compactedObjectArns(bucket)), `${PER_DB_KEYS} Writes are limited to level directories 0001-0009.`);
      allow(f.role, deleteStatement(bucket), `${PER_DB_KEYS} The pass ends with retention, which deletes files of any level.`);
      allow(f.role, leaseStatement(bucket), `${PER_DB_KEYS} One lease object per database, so two passes never work on one database at once.`);
      if (props.encryptionKey) allow(f.role, kmsStatement(props.encryptionKey), 'The replica bucket key.');
      return f;
    };
    this.compact = maintenance('Compact', 'compact/handler.ts', 'Compact databases named by new L0 files', {});
    this.compact.fn.addEventSource(
      new SqsEventSource(this.queue, { batchSize: 100, maxBatchingWindow: Duration.seconds(20), reportBatchItemFailures: true, maxConcurrency: 10 }),
    );
    // One sweep at a time; a failed one is not retried (the next is minutes away) but lands in the failure queue.
    this.sweep = maintenance('Sweep', 'maintain/handler.ts', 'Maintenance pass over every database', {
      environment: { ...props.environment, STALE_AFTER: props.staleAfter },
      reservedConcurrency: 1,
      retryAttempts: 0,
      onFailure: props.onFailure,
    });
    new Rule(this, 'SweepSchedule', { schedule: Schedule.expression(props.sweepSchedule), targets: [new LambdaFunction(this.sweep.fn, { retryAttempts: 0 })] });
  }
}
