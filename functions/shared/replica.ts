// The S3 replica client of one database, built from the Lambda environment: role credentials, no keys.
import { S3ReplicaClient } from '../../core/replica/s3.ts';
import type { S3ReplicaOptions } from '../../core/replica/options.ts';
import { booleanEnv, optionalEnv, requiredEnv, type Env } from './env.ts';

/**
 * Region from AWS_REGION (set by the Lambda runtime); credentials from the SDK default chain, which in Lambda reads
 * the execution role's session from the environment. S3_ENDPOINT (+ S3_FORCE_PATH_STYLE, default true with an
 * endpoint) points the functions at an S3-compatible store, which is how the tests run them.
 */
export function replicaOptionsFor(env: Env, bucket: string, path: string): S3ReplicaOptions {
  const endpoint = optionalEnv(env, 'S3_ENDPOINT');
  const region = optionalEnv(env, 'AWS_REGION') ?? optionalEnv(env, 'AWS_DEFAULT_REGION');
  return {
    type: 's3',
    bucket,
    path,
    ...(region ? { region } : {}),
    ...(endpoint ? { endpoint, forcePathStyle: booleanEnv(env, 'S3_FORCE_PATH_STYLE', true) } : {}),
  };
}

export function replicaClientFor(env: Env, bucket: string, path: string): S3ReplicaClient {
  return new S3ReplicaClient(replicaOptionsFor(env, bucket, path));
}

/** BUCKET_NAME: the replica bucket the scheduled and restore functions work on. */
export function bucketFromEnv(env: Env): string {
  return requiredEnv(env, 'BUCKET_NAME');
}
