// MaintenanceSettings from Lambda environment variables (LEVELS, SNAPSHOT_INTERVAL, …), defaults as in the agent.
import {
  DEFAULT_MAINTENANCE_SETTINGS,
  maintenanceDurationProblems,
  type MaintenanceDurations,
  type MaintenanceSettings,
} from '../../core/compact/index.ts';
import type { Logger } from '../../core/log/logger.ts';
import { parseDuration } from '../../core/util/duration.ts';
import { ConfigError } from '../../core/errors.ts';
import { booleanEnv, listEnv, optionalEnv, type Env } from './env.ts';

/** The environment variable of each maintenance duration. */
export const DURATION_ENV: Readonly<Record<keyof MaintenanceDurations, string>> = {
  levels: 'LEVELS',
  snapshotInterval: 'SNAPSHOT_INTERVAL',
  snapshotRetention: 'SNAPSHOT_RETENTION',
  l0Retention: 'L0_RETENTION',
};

function duration(name: string, text: string): number {
  try {
    return parseDuration(text);
  } catch (err) {
    throw new ConfigError(`environment variable ${name}="${text}": ${(err as Error).message}`, { key: name });
  }
}

function durationEnv(env: Env, name: string, fallback: number): number {
  const text = optionalEnv(env, name);
  return text === undefined ? fallback : duration(name, text);
}

/**
 * LEVELS="30s,5m,1h" (L1..Ln), SNAPSHOT_INTERVAL, SNAPSHOT_RETENTION, L0_RETENTION (Go durations) and
 * RETENTION_ENABLED (true/false). Unset variables take the agent's defaults, and the values go through the same
 * validator as the agent's YAML file, so both run (and refuse) the same policy.
 */
export function maintenanceSettingsFromEnv(env: Env, extra: { tmpDir?: string; logger?: Logger } = {}): MaintenanceSettings {
  const durations: MaintenanceDurations = {
    levels: listEnv(env, 'LEVELS')?.map((text) => duration('LEVELS', text)) ?? [...DEFAULT_MAINTENANCE_SETTINGS.levels],
    snapshotInterval: durationEnv(env, 'SNAPSHOT_INTERVAL', DEFAULT_MAINTENANCE_SETTINGS.snapshotInterval),
    snapshotRetention: durationEnv(env, 'SNAPSHOT_RETENTION', DEFAULT_MAINTENANCE_SETTINGS.snapshotRetention),
    l0Retention: durationEnv(env, 'L0_RETENTION', DEFAULT_MAINTENANCE_SETTINGS.l0Retention),
  };
  const problem = maintenanceDurationProblems(durations)[0];
  if (problem) {
    const name = DURATION_ENV[problem.setting];
    throw new ConfigError(`environment variable ${name}="${env[name] ?? ''}": ${problem.message}`, { key: name });
  }
  return {
    ...durations,
    retentionEnabled: booleanEnv(env, 'RETENTION_ENABLED', DEFAULT_MAINTENANCE_SETTINGS.retentionEnabled),
    ...(extra.tmpDir ? { tmpDir: extra.tmpDir } : {}),
    ...(extra.logger ? { logger: extra.logger } : {}),
  };
}
