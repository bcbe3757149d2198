// The replica bucket: created private, TLS-only and encrypted, or an existing one imported by name.
import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import { BlockPublicAccess, Bucket, BucketEncryption, ObjectOwnership, type IBucket } from 'aws-cdk-lib/aws-s3';
import type { Construct } from 'constructs';
import type { StreambedSettings } from './settings.ts';

/**
 * Versioning is off by default: retention deletes files on purpose, and with versioning every deleted file would
 * stay billed as a noncurrent version. When it is on, noncurrent versions expire after `noncurrentDays`.
 */
export function replicaBucket(scope: Construct, settings: StreambedSettings): IBucket {
  if (settings.bucketName) return Bucket.fromBucketName(scope, 'ReplicaBucket', settings.bucketName);
  return new Bucket(scope, 'ReplicaBucket', {
    blockPublicAccess: BlockPublicAccess.BLOCK_ALL,
    enforceSSL: true,
    encryption: BucketEncryption.S3_MANAGED,
    objectOwnership: ObjectOwnership.BUCKET_OWNER_ENFORCED,
    versioned: settings.versioned,
    removalPolicy: RemovalPolicy.RETAIN,
    lifecycleRules: [
      { id: 'abort-incomplete-uploads', abortIncompleteMultipartUploadAfter: Duration.days(1) },
      ...(settings.versioned
        ? [{ id: 'expire-noncurrent', noncurrentVersionExpiration: Duration.days(settings.noncurrentDays), expiredObjectDeleteMarker: true }]
        : []),
    ],
  });
}
