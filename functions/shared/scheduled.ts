// Runs one step for every database of the bucket (scheduled functions), a few at a time, collecting failures.
import { mapLimit } from '../../core/util/map-limit.ts';
import type { S3ReplicaClient } from '../../core/replica/s3.ts';
import { cachedReplicaClient } from './client-cache.ts';
import { dbPathsFromEnv } from './db-paths.ts';
import { optionalEnv, type Env } from './env.ts';
import { errorMessage } from './powertools.ts';
import { bucketFromEnv } from './replica.ts';

export interface DbResult<T> {
  db: string;
  path: string;
  result?: T;
  error?: string;
}

/** Databases handled at once (DB_CONCURRENCY, default 4). */
function concurrency(env: Env): number {
  const n = Number(optionalEnv(env, 'DB_CONCURRENCY') ?? 4);
  return Number.isInteger(n) && n > 0 ? n : 4;
}

/** One failing database does not stop the others; the caller decides what a failure means. */
export async function forEachDb<T>(env: Env, step: (client: S3ReplicaClient, path: string) => Promise<T>): Promise<Array<DbResult<T>>> {
  const bucket = bucketFromEnv(env);
  const paths = await dbPathsFromEnv(env, cachedReplicaClient(env, bucket, ''));
  return mapLimit(paths, concurrency(env), async (path) => {
    const db = `s3://${bucket}/${path}`;
    try {
      return { db, path, result: await step(cachedReplicaClient(env, bucket, path), path) };
    } catch (err) {
      return { db, path, error: errorMessage(err) };
    }
  });
}

/** Throws one error naming every failed database, so the invocation counts as failed in CloudWatch. */
export function throwIfFailed<T>(results: ReadonlyArray<DbResult<T>>, what: string): void {
  const failed = results.filter((r) => r.error !== undefined);
  if (failed.length === 0) return;
  throw new Error(`${what} failed for ${failed.length} of ${results.length} database(s): ${failed.map((r) => `${r.db}: ${r.error}`).join('; ')}`);
}
