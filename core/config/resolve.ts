// Finding the config file, building a config from a replica URL, and resolving a `DB_PATH|REPLICA_URL` argument.
import { existsSync } from 'node:fs';
import { ConfigError, UsageError } from '../errors.ts';
import { buildConfig } from './build-config.ts';
import { dbConfigForDirEntry, dirEntryFor } from './dir-entry.ts';
import { loadConfigFile } from './load.ts';
import { expandPath } from './paths.ts';
import { isUrl, redactUrl } from './replica-url.ts';
import type { DbConfig, ReplicaConfig, StreambedConfig } from './types.ts';
import type { ConfigNode, MapNode } from './yaml-tree.ts';

export const DEFAULT_CONFIG_PATHS = ['/etc/streambed.yml', '/etc/litestream.yml'] as const;

/**
 * The config file to use: the `-config` flag, else $STREAMBED_CONFIG, else $LITESTREAM_CONFIG (so existing
 * Litestream deployments work unchanged), else /etc/streambed.yml, else /etc/litestream.yml if they exist.
 */
export function resolveConfigPath(flag?: string, env: NodeJS.ProcessEnv = process.env, exists: (p: string) => boolean = existsSync): string | undefined {
  if (flag) return flag;
  if (env.STREAMBED_CONFIG) return env.STREAMBED_CONFIG;
  if (env.LITESTREAM_CONFIG) return env.LITESTREAM_CONFIG;
  return DEFAULT_CONFIG_PATHS.find((p) => exists(p));
}

function scalar(value: string): ConfigNode {
  return { kind: 'scalar', line: 0, value, quoted: true };
}

function mapNode(entries: Record<string, ConfigNode>): MapNode {
  return { kind: 'map', line: 0, entries: new Map(Object.entries(entries).map(([key, value]) => [key, { key, line: 0, value }])) };
}

/** The config of `replicate DB_PATH REPLICA_URL` (no file): defaults plus one database and its replica. */
export function configFromUrl(dbPath: string, replicaUrl: string, env: NodeJS.ProcessEnv = process.env): StreambedConfig {
  const replica = isUrl(replicaUrl) ? mapNode({ url: scalar(replicaUrl) }) : mapNode({ type: scalar('file'), path: scalar(replicaUrl) });
  const tree = mapNode({ dbs: { kind: 'seq', line: 0, items: [mapNode({ path: scalar(dbPath), replica })] } });
  try {
    return buildConfig(tree, { env, notes: [], endpointFallback: env.LITESTREAM_S3_ENDPOINT || undefined });
  } catch (err) {
    // There is no file here: name the command-line argument instead of the synthetic key path.
    if (!(err instanceof ConfigError)) throw err;
    throw new UsageError(err.message.replace(/^key "dbs\[0\]\.replica\.[a-z-]+": /, `replica ${redactUrl(replicaUrl)}: `).replace(/^key "dbs\[0\](\.path)?": /, `database ${dbPath}: `));
  }
}

export interface ResolveTargetOptions {
  configPath?: string;
  expandEnv?: boolean;
  env?: NodeJS.ProcessEnv;
  ignoreUnknown?: boolean;
}

export interface ResolvedTarget {
  config?: StreambedConfig;
  db?: DbConfig;
  replica: ReplicaConfig;
}

/**
 * For `ltx`, `restore`, `verify`: `arg` is a replica URL (contains `://`) or the path of a database in the config.
 * A URL that is also some database's replica `url` in an explicitly given config returns that database too.
 */
export async function resolveTarget(arg: string, options: ResolveTargetOptions = {}): Promise<ResolvedTarget> {
  const env = options.env ?? process.env;
  if (isUrl(arg) && !/^sqlite3?:\/\//.test(arg)) {
    if (options.configPath) {
      const config = await loadConfigFile(options.configPath, { expandEnv: options.expandEnv, env, ignoreUnknown: options.ignoreUnknown });
      const db = config.dbs.find((d) => d.replica.url === arg);
      if (db) return { config, db, replica: db.replica };
    }
    const fromUrl = configFromUrl('/dev/null', arg, env);
    return { replica: fromUrl.dbs[0].replica };
  }
  const configPath = resolveConfigPath(options.configPath, env);
  if (!configPath) {
    throw new UsageError(`${arg} is not a replica URL and no config file was found to look it up in; pass -config PATH (or set STREAMBED_CONFIG), or give a replica URL such as s3://bucket/path`);
  }
  const config = await loadConfigFile(configPath, { expandEnv: options.expandEnv, env, ignoreUnknown: options.ignoreUnknown });
  const path = expandPath(arg);
  const entry = dirEntryFor(config.dirs ?? [], path);
  const db = config.dbs.find((d) => d.path === path) ?? (entry && dbConfigForDirEntry(entry, path));
  if (!db) {
    const known = [...config.dbs.map((d) => d.path), ...(config.dirs ?? []).map((d) => `${d.dir}/${d.recursive ? '**/' : ''}${d.pattern}`)].join(', ') || 'none';
    throw new UsageError(`database ${path} is not in config file ${config.source ?? configPath} (databases: ${known}); check the path or pass a replica URL`);
  }
  return { config, db, replica: db.replica };
}

export { isUrl, redactUrl };
