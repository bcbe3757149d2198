// The database paths a scheduled function works on: DB_PATHS, or every prefix holding LTX level directories.
import { ListObjectsV2Command, type S3Client } from '@aws-sdk/client-s3';
import { listEnv, optionalEnv, type Env } from './env.ts';

const LEVEL_DIR = /^[0-9a-f]{4}\/$/;
/** Deep enough for `tenant/app/db.sqlite`; each level costs one listing per prefix. */
const DEFAULT_DISCOVERY_DEPTH = 4;

async function childPrefixes(s3: S3Client, bucket: string, prefix: string): Promise<string[]> {
  const out: string[] = [];
  let token: string | undefined;
  do {
    const page = await s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, Delimiter: '/', ContinuationToken: token }));
    for (const p of page.CommonPrefixes ?? []) if (p.Prefix) out.push(p.Prefix);
    token = page.IsTruncated ? page.NextContinuationToken : undefined;
  } while (token);
  return out;
}

/**
 * Walks the bucket with Delimiter '/': a prefix whose children include a level directory (`0000/`…`0009/`) is a
 * database path. RESTORES_PREFIX (default `restores/`) is skipped: restored copies are not replicas.
 */
export async function discoverDbPaths(s3: S3Client, bucket: string, options: { maxDepth?: number; skip?: string[] } = {}): Promise<string[]> {
  const found: string[] = [];
  const skip = new Set(options.skip ?? []);
  const walk = async (prefix: string, depth: number): Promise<void> => {
    const children = await childPrefixes(s3, bucket, prefix);
    if (children.some((c) => LEVEL_DIR.test(c.slice(prefix.length)))) found.push(prefix.replace(/\/$/, ''));
    if (depth >= (options.maxDepth ?? DEFAULT_DISCOVERY_DEPTH)) return;
    for (const child of children) {
      if (LEVEL_DIR.test(child.slice(prefix.length)) || skip.has(child)) continue;
      await walk(child, depth + 1);
    }
  };
  await walk('', 0);
  return [...new Set(found)].sort();
}

/** DB_PATHS="a.db,tenant/b.db" when set (no listing), else discovery. */
export async function dbPathsFromEnv(env: Env, s3: S3Client, bucket: string): Promise<string[]> {
  const listed = listEnv(env, 'DB_PATHS');
  if (listed) return listed.map((p) => p.replace(/^\/+|\/+$/g, ''));
  return discoverDbPaths(s3, bucket, { skip: [restoresPrefix(env)] });
}

/** Where the restore function writes restored databases. */
export function restoresPrefix(env: Env): string {
  return `${(optionalEnv(env, 'RESTORES_PREFIX') ?? 'restores').replace(/^\/+|\/+$/g, '')}/`;
}
