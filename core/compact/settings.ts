// What maintenance (compaction, snapshots, retention) needs to know, and how to derive it from a configuration.
import type { StreambedConfig } from '../config/types.ts';
import {
  DEFAULT_L0_RETENTION,
  DEFAULT_LEVEL_INTERVALS,
  DEFAULT_SNAPSHOT_INTERVAL,
  DEFAULT_SNAPSHOT_RETENTION,
} from '../config/types.ts';

/** The subset of a pino logger maintenance uses; pino's Logger satisfies it. */
export interface MaintenanceLogger {
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  debug(obj: object, msg?: string): void;
}

/** All durations in milliseconds. */
export interface MaintenanceSettings {
  /** Compaction intervals of L1..Ln. */
  levels: number[];
  snapshotInterval: number;
  snapshotRetention: number;
  l0Retention: number;
  /** false: never delete remote files (the bucket uses lifecycle rules instead). */
  retentionEnabled: boolean;
  /** Where inputs are spooled while merging; default os.tmpdir(). */
  tmpDir?: string;
  logger?: MaintenanceLogger;
}

export const DEFAULT_MAINTENANCE_SETTINGS: MaintenanceSettings = {
  levels: DEFAULT_LEVEL_INTERVALS,
  snapshotInterval: DEFAULT_SNAPSHOT_INTERVAL,
  snapshotRetention: DEFAULT_SNAPSHOT_RETENTION,
  l0Retention: DEFAULT_L0_RETENTION,
  retentionEnabled: true,
};

export function maintenanceSettingsFromConfig(config: StreambedConfig): MaintenanceSettings {
  return {
    levels: [...config.levels],
    snapshotInterval: config.snapshot.interval,
    snapshotRetention: config.snapshot.retention,
    l0Retention: config.l0Retention,
    retentionEnabled: config.retention.enabled,
  };
}

/** The highest compaction level (Ln); files from L1 to Ln feed the snapshot level. */
export function topLevel(settings: Pick<MaintenanceSettings, 'levels'>): number {
  return settings.levels.length;
}
