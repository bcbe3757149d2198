// Which replicas a maintenance command acts on: the one named on the command line, or every database in the config.
import { loadConfigFile } from '../config/load.ts';
import { resolveConfigPath, resolveTarget } from '../config/resolve.ts';
import type { ReplicaConfig } from '../config/types.ts';
import { UsageError } from '../errors.ts';
import { DEFAULT_MAINTENANCE_SETTINGS, maintenanceSettingsFromConfig } from './settings.ts';
import type { MaintenanceSettings } from './settings.ts';

export interface MaintenanceTarget {
  /** The database path or replica URL, for messages. */
  name: string;
  replica: ReplicaConfig;
  settings: MaintenanceSettings;
}

export interface TargetOptions {
  configPath?: string;
  expandEnv?: boolean;
  env?: NodeJS.ProcessEnv;
}

export async function resolveMaintenanceTargets(target: string | undefined, options: TargetOptions = {}): Promise<MaintenanceTarget[]> {
  if (target !== undefined) {
    const resolved = await resolveTarget(target, options);
    const settings = resolved.config ? maintenanceSettingsFromConfig(resolved.config) : { ...DEFAULT_MAINTENANCE_SETTINGS };
    return [{ name: resolved.db?.path ?? target, replica: resolved.replica, settings }];
  }
  const path = resolveConfigPath(options.configPath, options.env ?? process.env);
  if (!path) throw new UsageError('no database given and no config file found: pass DB_PATH or REPLICA_URL, or -config PATH (or set STREAMBED_CONFIG)');
  const config = await loadConfigFile(path, { expandEnv: options.expandEnv, env: options.env });
  if (config.dbs.length === 0) throw new UsageError(`config file ${path} lists no databases (dbs:)`);
  const settings = maintenanceSettingsFromConfig(config);
  return config.dbs.map((db) => ({ name: db.path, replica: db.replica, settings }));
}
