// The configuration flags every command shares (-config, -no-expand-env, -ignore-unknown) and the one way commands load what they name.
import type { Command } from 'commander';
import { loadConfigFile } from '../core/config/load.ts';
import { configFromUrl, DEFAULT_CONFIG_PATHS, resolveConfigPath, resolveTarget, type ResolvedTarget } from '../core/config/resolve.ts';
import type { StreambedConfig } from '../core/config/types.ts';
import { UsageError } from '../core/errors.ts';

/** What commander fills in from the two flags: `expandEnv` is false only with -no-expand-env. */
export interface ConfigFlags {
  config?: string;
  expandEnv?: boolean;
  /** Unknown config keys become notes instead of errors (also STREAMBED_IGNORE_UNKNOWN=1). */
  ignoreUnknown?: boolean;
}

/** Adds -config and -no-expand-env, as Litestream's registerConfigFlag does for its commands. */
export function withConfigFlags(command: Command): Command {
  return command
    .option('--config <path>', `configuration file (default $STREAMBED_CONFIG, $LITESTREAM_CONFIG, ${DEFAULT_CONFIG_PATHS.join(' or ')})`)
    .option('--no-expand-env', 'do not expand $VAR / ${VAR} in the configuration file')
    .option('--ignore-unknown', 'accept config keys streambed does not use (a note per key); also STREAMBED_IGNORE_UNKNOWN=1');
}

/** A `DB_PATH|REPLICA_URL` argument resolved against the configuration the flags name (if any). */
export async function resolveCommandTarget(target: string, flags: ConfigFlags): Promise<ResolvedTarget> {
  return await resolveTarget(target, { configPath: flags.config, expandEnv: flags.expandEnv !== false, ignoreUnknown: flags.ignoreUnknown });
}

/** The configuration file from -config / $STREAMBED_CONFIG / $LITESTREAM_CONFIG / the default paths. */
export async function loadConfigFromFlags(flags: ConfigFlags, whenMissing?: string): Promise<StreambedConfig> {
  const path = resolveConfigPath(flags.config, process.env);
  if (!path) {
    throw new UsageError(whenMissing ?? `no config file: pass -config PATH or set STREAMBED_CONFIG (looked for ${DEFAULT_CONFIG_PATHS.join(', ')})`);
  }
  return await loadConfigFile(path, { expandEnv: flags.expandEnv !== false, env: process.env, ignoreUnknown: flags.ignoreUnknown });
}

/** For `replicate` and `databases`: DB_PATH + REPLICA_URL without a file, or else the configuration file. */
export async function loadCommandConfig(flags: ConfigFlags, dbPath?: string, replicaUrl?: string): Promise<StreambedConfig> {
  if (dbPath !== undefined) {
    if (replicaUrl === undefined) throw new UsageError('a replica URL is required after DB_PATH (or use -config)');
    if (flags.config !== undefined) throw new UsageError('cannot combine -config with DB_PATH REPLICA_URL');
    return configFromUrl(dbPath, replicaUrl);
  }
  return await loadConfigFromFlags(flags, 'no configuration file: pass -config PATH, set STREAMBED_CONFIG, or give DB_PATH REPLICA_URL');
}
