// The restore function: invoked directly, reads every level, writes only under the restores/ prefix.
import { Duration, Size } from 'aws-cdk-lib';
import type { RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { IBucket } from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { StreambedFunction } from './function.ts';
import { allow } from './nag.ts';
import { PER_DB_KEYS, listStatement, readStatement, writeStatement } from './iam.ts';

export const RESTORES_PREFIX = 'restores';

export interface RestoreProps {
  bucket: IBucket;
  logRetention: RetentionDays;
}

export class RestoreFunction extends Construct {
  readonly restore: StreambedFunction;

  constructor(scope: Construct, id: string, props: RestoreProps) {
    super(scope, id);
    const { bucket } = props;
    this.restore = new StreambedFunction(this, 'Restore', {
      entry: 'restore/handler.ts',
      description: 'Restore a database to a TXID or time and upload it under restores/',
      timeout: Duration.minutes(15),
      memorySize: 2048,
      // The restored database is built in /tmp before it is uploaded.
      ephemeralStorage: Size.gibibytes(10),
      environment: { BUCKET_NAME: bucket.bucketName, RESTORES_PREFIX, INTEGRITY_CHECK: 'quick' },
      logRetention: props.logRetention,
    });
    allow(this.restore.role, listStatement(bucket), PER_DB_KEYS);
    allow(this.restore.role, readStatement(bucket), `${PER_DB_KEYS} A restore reads snapshots and every level of the requested database.`);
    allow(this.restore.role, writeStatement(bucket, [bucket.arnForObjects(`${RESTORES_PREFIX}/*`)]), 'Restored databases are written under restores/ with names chosen per request.');
  }
}
