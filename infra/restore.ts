// The restore function: invoked directly, reads every level, writes only under the restores/ prefix.
import { Duration, Size } from 'aws-cdk-lib';
import type { IKey } from 'aws-cdk-lib/aws-kms';
import type { RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { IBucket } from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { RESTORES_PREFIX } from './bucket.ts';
import { StreambedFunction } from './function.ts';
import { allow } from './nag.ts';
import { PER_DB_KEYS, kmsStatement, listStatement, readStatement, writeStatement } from './iam.ts';

export { RESTORES_PREFIX };

/** The function's timeout; `streambed restore -remote` waits longer than this before giving up on a response. */
export const RESTORE_TIMEOUT = Duration.minutes(15);

export interface RestoreProps {
  bucket: IBucket;
  logRetention: RetentionDays;
  encryptionKey?: IKey;
  /** Memory in MB (default 2048); above 2048 the function has more than two vCPUs and decodes in a worker thread. */
  memorySize?: number;
}

export class RestoreFunction extends Construct {
  readonly restore: StreambedFunction;

  constructor(scope: Construct, id: string, props: RestoreProps) {
    super(scope, id);
    const { bucket } = props;
    this.restore = new StreambedFunction(this, 'Restore', {
      entry: 'restore/handler.ts',
      description: 'Restore a database to a TXID or time and upload it under restores/',
      timeout: RESTORE_TIMEOUT,
      memorySize: props.memorySize ?? 2048,
      // The restored database is built in /tmp before it is uploaded.
      ephemeralStorage: Size.gibibytes(10),
      environment: { BUCKET_NAME: bucket.bucketName, RESTORES_PREFIX, INTEGRITY_CHECK: 'quick' },
      logRetention: props.logRetention,
      // Invoked synchronously by people and scripts: a failure is their answer, not a retry.
      retryAttempts: 0,
    });
    allow(this.restore.role, listStatement(bucket), PER_DB_KEYS);
    allow(this.restore.role, readStatement(bucket), `${PER_DB_KEYS} A restore reads snapshots and every level of the requested database; the presigned URL it returns reads under restores/.`);
    allow(this.restore.role, writeStatement(bucket, [bucket.arnForObjects(`${RESTORES_PREFIX}/*`)]), 'Restored databases are written under restores/ with names chosen per request.');
    if (props.encryptionKey) allow(this.restore.role, kmsStatement(props.encryptionKey), 'The replica bucket key.');
  }
}
