// What maintenance (compaction, snapshots, retention) needs to know: its defaults and its one validator, used by the
// agent's YAML, the Lambda environment and the CDK construct alike.
import type { Logger } from '../log/logger.ts';
import { formatDuration } from '../util/duration.ts';

/** Compaction intervals of L1..Ln: 30s, 5m, 1h (Litestream v0.5). */
export const DEFAULT_LEVEL_INTERVALS: readonly number[] = [30_000, 5 * 60_000, 60 * 60_000];
export const DEFAULT_SNAPSHOT_INTERVAL = 24 * 60 * 60_000;
export const DEFAULT_SNAPSHOT_RETENTION = 24 * 60 * 60_000;
export const DEFAULT_L0_RETENTION = 5 * 60_000;

/** All durations in milliseconds. */
export interface MaintenanceSettings {
  /** Compaction intervals of L1..Ln. */
  levels: number[];
  snapshotInterval: number;
  snapshotRetention: number;
  l0Retention: number;
  /** false: never delete remote files (the bucket uses lifecycle rules instead). */
  retentionEnabled: boolean;
  /**
   * Copy the first L0 snapshot into L9 (server-side) before compacting, so levels start after it and never upload
   * the first image again. The agent and the Lambdas' leased passes set it.
   */
  promoteFirstSnapshot?: boolean;
  /** Leave retention out of this pass (the agent paces it; see core/compact/due.ts). */
  skipRetention?: boolean;
  /** Where inputs are spooled while merging; default os.tmpdir(). */
  tmpDir?: string;
  logger?: Logger;
}

export const DEFAULT_MAINTENANCE_SETTINGS: MaintenanceSettings = {
  levels: [...DEFAULT_LEVEL_INTERVALS],
  snapshotInterval: DEFAULT_SNAPSHOT_INTERVAL,
  snapshotRetention: DEFAULT_SNAPSHOT_RETENTION,
  l0Retention: DEFAULT_L0_RETENTION,
  retentionEnabled: true,
};

/** What maintenance reads from a loaded configuration (core/config's StreambedConfig has it). */
export interface MaintenanceConfig {
  levels: readonly number[];
  snapshot: { interval: number; retention: number };
  l0Retention: number;
  retention: { enabled: boolean };
}

export function maintenanceSettingsFromConfig(config: MaintenanceConfig): MaintenanceSettings {
  return {
    levels: [...config.levels],
    snapshotInterval: config.snapshot.interval,
    snapshotRetention: config.snapshot.retention,
    l0Retention: config.l0Retention,
    retentionEnabled: config.retention.enabled,
  };
}

/** L1..L8: level 9 holds snapshots (Litestream's SnapshotLevel). */
export const MAX_COMPACTION_LEVELS = 8;

/** The maintenance durations a configuration sets, in milliseconds; `levels` are L1..Ln. */
export type MaintenanceDurations = Pick<MaintenanceSettings, 'levels' | 'snapshotInterval' | 'snapshotRetention' | 'l0Retention'>;

export interface SettingProblem {
  setting: keyof MaintenanceDurations;
  message: string;
}

function shown(ms: number): string {
  return Number.isFinite(ms) ? formatDuration(ms) : String(ms);
}

/**
 * Why these compaction intervals cannot be used, or undefined when they can. The one rule the agent's YAML
 * (`levels:`), the Lambda environment (LEVELS) and the CDK construct (`levels` prop) all apply, so a setting one
 * of them accepts is never refused by another.
 */
export function levelsProblem(levels: readonly number[]): string | undefined {
  if (levels.length > MAX_COMPACTION_LEVELS) {
    return `${levels.length} levels given; at most ${MAX_COMPACTION_LEVELS} (L1..L${MAX_COMPACTION_LEVELS}; level 9 holds snapshots)`;
  }
  for (let i = 0; i < levels.length; i++) {
    if (!Number.isFinite(levels[i]) || !(levels[i] > 0)) return `L${i + 1} interval ${shown(levels[i])} must be a positive duration such as 30s`;
  }
  for (let i = 1; i < levels.length; i++) {
    if (levels[i] <= levels[i - 1]) {
      return `L${i + 1} interval ${shown(levels[i])} must be longer than L${i}'s ${shown(levels[i - 1])}: intervals increase from L1 to L${levels.length}`;
    }
  }
  return undefined;
}

/** Why one of the single maintenance durations cannot be used, or undefined when it can. */
export function durationProblem(setting: Exclude<keyof MaintenanceDurations, 'levels'>, ms: number): string | undefined {
  if (setting === 'l0Retention') return ms >= 0 ? undefined : `${shown(ms)} must be zero or a positive duration such as 5m`;
  return ms > 0 ? undefined : `${shown(ms)} must be a positive duration such as 24h`;
}

/** Every problem of a set of maintenance durations (levels, snapshot interval and retention, L0 retention). */
export function maintenanceDurationProblems(s: MaintenanceDurations): SettingProblem[] {
  const out: SettingProblem[] = [];
  const levels = levelsProblem(s.levels);
  if (levels) out.push({ setting: 'levels', message: levels });
  for (const setting of ['snapshotInterval', 'snapshotRetention', 'l0Retention'] as const) {
    const message = durationProblem(setting, s[setting]);
    if (message) out.push({ setting, message });
  }
  return out;
}
