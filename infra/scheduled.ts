// Scheduled retention and verification functions, each with only the S3 actions it uses.
import { Duration, Size } from 'aws-cdk-lib';
import { Rule, Schedule } from 'aws-cdk-lib/aws-events';
import { LambdaFunction } from 'aws-cdk-lib/aws-events-targets';
import type { IKey } from 'aws-cdk-lib/aws-kms';
import type { IDestination } from 'aws-cdk-lib/aws-lambda';
import type { RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { IBucket } from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { StreambedFunction } from './function.ts';
import { allow } from './nag.ts';
import { PER_DB_KEYS, deleteStatement, kmsStatement, listStatement, readStatement } from './iam.ts';

export interface ScheduledChecksProps {
  bucket: IBucket;
  environment: Record<string, string>;
  retentionSchedule: string;
  verifySchedule: string;
  logRetention: RetentionDays;
  onFailure: IDestination;
  encryptionKey?: IKey;
  /** VERIFY_FULL: restore every database into /tmp and run SQLite's integrity check. */
  verifyFull: boolean;
}

/** /tmp and memory of a verify that restores (VERIFY_FULL): the largest database it can check is about this /tmp. */
export const FULL_VERIFY_TMP = Size.gibibytes(10);

export class ScheduledChecks extends Construct {
  readonly retention: StreambedFunction;
  readonly verify: StreambedFunction;

  constructor(scope: Construct, id: string, props: ScheduledChecksProps) {
    super(scope, id);
    const { bucket } = props;
    // A failed scheduled run is not retried: the next is on its way, and the failure queue keeps the event.
    const asyncFailure = { retryAttempts: 0, onFailure: props.onFailure };
    this.retention = new StreambedFunction(this, 'Retention', {
      entry: 'retention/handler.ts',
      description: 'Retention: delete LTX files the policy no longer needs',
      timeout: Duration.minutes(5),
      memorySize: 512,
      environment: props.environment,
      logRetention: props.logRetention,
      ...asyncFailure,
    });
    // Retention plans from the listing alone: it never reads a file.
    allow(this.retention.role, listStatement(bucket), PER_DB_KEYS);
    allow(this.retention.role, deleteStatement(bucket), `${PER_DB_KEYS} Retention deletes files of any level and database.`);
    new Rule(this, 'RetentionSchedule', { schedule: Schedule.expression(props.retentionSchedule), targets: [new LambdaFunction(this.retention.fn, { retryAttempts: 0 })] });

    this.verify = new StreambedFunction(this, 'Verify', {
      entry: 'verify/handler.ts',
      description: 'Verify: check every LTX checksum and the chain of every database',
      timeout: Duration.minutes(15),
      memorySize: props.verifyFull ? 3008 : 1024,
      ...(props.verifyFull ? { ephemeralStorage: FULL_VERIFY_TMP } : {}),
      environment: { ...props.environment, VERIFY_FULL: String(props.verifyFull) },
      logRetention: props.logRetention,
      ...asyncFailure,
    });
    allow(this.verify.role, listStatement(bucket), PER_DB_KEYS);
    allow(this.verify.role, readStatement(bucket), `${PER_DB_KEYS} Verification reads every file; it has no write or delete.`);
    if (props.encryptionKey) allow(this.verify.role, kmsStatement(props.encryptionKey), 'The replica bucket key.');
    new Rule(this, 'VerifySchedule', { schedule: Schedule.expression(props.verifySchedule), targets: [new LambdaFunction(this.verify.fn, { retryAttempts: 0 })] });
  }
}
