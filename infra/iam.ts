// Explicit S3 policy statements, so each role gets exactly the actions its function uses (no grant* extras).
import { Effect, PolicyStatement } from 'aws-cdk-lib/aws-iam';
import type { IKey } from 'aws-cdk-lib/aws-kms';
import type { IBucket } from 'aws-cdk-lib/aws-s3';
import { LEASE_OBJECT_NAME } from '../functions/shared/lease-key.ts';

/** Why object ARNs end in wildcards (cdk-nag IAM5 acknowledgements). */
export const PER_DB_KEYS = 'Database paths are chosen by the host agents at run time, so object ARNs are per-level patterns under any path.';

/** Keys of compacted levels 1..9 (`0001/`…`0009/`): what compaction writes, never an agent's L0 file. */
export function compactedObjectArns(bucket: IBucket): string[] {
  const out: string[] = [];
  for (let level = 1; level <= 9; level++) {
    const dir = level.toString(16).padStart(4, '0');
    out.push(bucket.arnForObjects(`*/${dir}/*`), bucket.arnForObjects(`${dir}/*`));
  }
  return out;
}

export function listStatement(bucket: IBucket): PolicyStatement {
  return new PolicyStatement({ sid: 'ListReplicaBucket', effect: Effect.ALLOW, actions: ['s3:ListBucket'], resources: [bucket.bucketArn] });
}

export function readStatement(bucket: IBucket, objectArns: string[] = [bucket.arnForObjects('*')]): PolicyStatement {
  return new PolicyStatement({ sid: 'ReadReplicaObjects', effect: Effect.ALLOW, actions: ['s3:GetObject'], resources: objectArns });
}

/** Multipart uploads (files over 5 MiB) need AbortMultipartUpload to clean up after a failed part. */
export function writeStatement(bucket: IBucket, objectArns: string[] = [bucket.arnForObjects('*')]): PolicyStatement {
  return new PolicyStatement({ sid: 'WriteReplicaObjects', effect: Effect.ALLOW, actions: ['s3:PutObject', 's3:AbortMultipartUpload'], resources: objectArns });
}

export function deleteStatement(bucket: IBucket): PolicyStatement {
  return new PolicyStatement({ sid: 'DeleteReplicaObjects', effect: Effect.ALLOW, actions: ['s3:DeleteObject'], resources: [bucket.arnForObjects('*')] });
}

/** The maintenance lease of every database (functions/shared/lease.ts): read and conditionally written; the delete that releases it is in deleteStatement. */
export function leaseStatement(bucket: IBucket): PolicyStatement {
  return new PolicyStatement({
    sid: 'MaintenanceLease',
    effect: Effect.ALLOW,
    actions: ['s3:GetObject', 's3:PutObject'],
    resources: [bucket.arnForObjects(`*/${LEASE_OBJECT_NAME}`), bucket.arnForObjects(LEASE_OBJECT_NAME)],
  });
}

/** SSE-KMS: writing needs a data key, reading (and multipart uploads) decrypts it. */
export function kmsStatement(key: IKey): PolicyStatement {
  return new PolicyStatement({ sid: 'ReplicaBucketKey', effect: Effect.ALLOW, actions: ['kms:Decrypt', 'kms:GenerateDataKey'], resources: [key.keyArn] });
}
