// Which replicas `compact` and `retention` act on: the one named on the command line, or every database in the config.
import type { ReplicaConfig } from '../core/config/types.ts';
import { UsageError } from '../core/errors.ts';
import { DEFAULT_MAINTENANCE_SETTINGS, maintenanceSettingsFromConfig } from '../core/compact/settings.ts';
import type { MaintenanceSettings } from '../core/compact/settings.ts';
import { loadConfigFromFlags, resolveCommandTarget, type ConfigFlags } from './config-flags.ts';

export interface MaintenanceTarget {
  /** The database path or replica URL, for messages. */
  name: string;
  replica: ReplicaConfig;
  settings: MaintenanceSettings;
}

export async function resolveMaintenanceTargets(target: string | undefined, flags: ConfigFlags): Promise<MaintenanceTarget[]> {
  if (target !== undefined) {
    const resolved = await resolveCommandTarget(target, flags);
    const settings = resolved.config ? maintenanceSettingsFromConfig(resolved.config) : { ...DEFAULT_MAINTENANCE_SETTINGS };
    return [{ name: resolved.db?.path ?? target, replica: resolved.replica, settings }];
  }
  const config = await loadConfigFromFlags(flags, 'no database given and no config file found: pass DB_PATH or REPLICA_URL, or -config PATH (or set STREAMBED_CONFIG)');
  if (config.dbs.length === 0) throw new UsageError(`config file ${config.source} lists no databases (dbs:)`);
  const settings = maintenanceSettingsFromConfig(config);
  return config.dbs.map((db) => ({ name: db.path, replica: db.replica, settings }));
}
