// The replica bucket: created private, TLS-only and encrypted (SSE-S3 or a KMS key), optionally versioned or locked.
import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import type { IKey } from 'aws-cdk-lib/aws-kms';
import { BlockPublicAccess, Bucket, BucketEncryption, ObjectLockRetention, ObjectOwnership, type LifecycleRule } from 'aws-cdk-lib/aws-s3';
import type { Construct } from 'constructs';
import type { ObjectLockProps, ResolvedBackupProps } from './backup-props.ts';

export const RESTORES_PREFIX = 'restores';

export interface ReplicaBucketProps {
  resolved: ResolvedBackupProps;
  encryptionKey?: IKey;
  objectLock?: ObjectLockProps;
}

/**
 * Versioning is off by default: retention deletes files on purpose, and with versioning every deleted file would
 * stay billed as a noncurrent version. When it is on (or Object Lock turns it on), noncurrent versions expire
 * after `noncurrentVersionDays` (never before their lock ends). Restored databases expire after `restoresExpireDays`.
 */
export function createReplicaBucket(scope: Construct, props: ReplicaBucketProps): Bucket {
  const { resolved, encryptionKey, objectLock } = props;
  const rules: LifecycleRule[] = [
    { id: 'abort-incomplete-uploads', abortIncompleteMultipartUploadAfter: Duration.days(1) },
    { id: 'expire-restores', prefix: `${RESTORES_PREFIX}/`, expiration: Duration.days(resolved.restoresExpireDays) },
  ];
  if (resolved.versioned) {
    rules.push({ id: 'expire-noncurrent', noncurrentVersionExpiration: Duration.days(resolved.noncurrentVersionDays), expiredObjectDeleteMarker: true });
  }
  const lock = objectLock
    ? (objectLock.mode === 'COMPLIANCE' ? ObjectLockRetention.compliance : ObjectLockRetention.governance)(Duration.days(objectLock.days))
    : undefined;
  return new Bucket(scope, 'ReplicaBucket', {
    blockPublicAccess: BlockPublicAccess.BLOCK_ALL,
    enforceSSL: true,
    ...(encryptionKey
      ? { encryption: BucketEncryption.KMS, encryptionKey, bucketKeyEnabled: true }
      : { encryption: BucketEncryption.S3_MANAGED }),
    objectOwnership: ObjectOwnership.BUCKET_OWNER_ENFORCED,
    versioned: resolved.versioned,
    ...(lock ? { objectLockEnabled: true, objectLockDefaultRetention: lock } : {}),
    removalPolicy: RemovalPolicy.RETAIN,
    lifecycleRules: rules,
  });
}
