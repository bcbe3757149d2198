// The database paths a scheduled function works on: DB_PATHS, or every prefix holding LTX level directories.
import { listEnv, optionalEnv, type Env } from './env.ts';

/** What discovery needs of a replica client opened at the bucket root (S3ReplicaClient). */
export interface FolderLister {
  listFolders(prefix: string): AsyncIterable<string>;
}

const LEVEL_DIR = /^[0-9a-f]{4}\/$/;
/** Deep enough for `tenant/app/db.sqlite`; each level costs one listing per prefix. */
const DEFAULT_DISCOVERY_DEPTH = 4;

async function childPrefixes(root: FolderLister, prefix: string): Promise<string[]> {
  const out: string[] = [];
  for await (const folder of root.listFolders(prefix)) out.push(folder);
  return out;
}

/**
 * Walks the bucket with Delimiter '/': a prefix whose children include a level directory (`0000/`…`0009/`) is a
 * database path. RESTORES_PREFIX (default `restores/`) is skipped: restored copies are not replicas. `root` is a
 * client opened at the bucket root, so the paths it names are the databases' paths in the bucket.
 */
export async function discoverDbPaths(root: FolderLister, options: { maxDepth?: number; skip?: string[] } = {}): Promise<string[]> {
  const found: string[] = [];
  const skip = new Set(options.skip ?? []);
  const walk = async (prefix: string, depth: number): Promise<void> => {
    const children = await childPrefixes(root, prefix);
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
export async function dbPathsFromEnv(env: Env, root: FolderLister): Promise<string[]> {
  const listed = listEnv(env, 'DB_PATHS');
  if (listed) return listed.map((p) => p.replace(/^\/+|\/+$/g, ''));
  return discoverDbPaths(root, { skip: [restoresPrefix(env)] });
}

/** Where the restore function writes restored databases. */
export function restoresPrefix(env: Env): string {
  return `${(optionalEnv(env, 'RESTORES_PREFIX') ?? 'restores').replace(/^\/+|\/+$/g, '')}/`;
}
