// MaintenanceSettings from Lambda environment variables (LEVELS, SNAPSHOT_INTERVAL, …), defaults as in the agent.
import { DEFAULT_MAINTENANCE_SETTINGS, type MaintenanceLogger, type MaintenanceSettings } from '../../core/compact/index.ts';
import { parseDuration } from '../../core/config/duration.ts';
import { ConfigError } from '../../core/errors.ts';
import { booleanEnv, listEnv, optionalEnv, type Env } from './env.ts';

function duration(env: Env, name: string, text: string): number {
  let ms: number;
  try {
    ms = parseDuration(text);
  } catch (err) {
    throw new ConfigError(`environment variable ${name}="${text}": ${(err as Error).message}`, { key: name });
  }
  if (!(ms > 0)) throw new ConfigError(`environment variable ${name}="${text}" must be a positive duration such as 30s or 1h`, { key: name });
  return ms;
}

function durationEnv(env: Env, name: string, fallback: number): number {
  const text = optionalEnv(env, name);
  return text === undefined ? fallback : duration(env, name, text);
}

/**
 * LEVELS="30s,5m,1h" (L1..Ln), SNAPSHOT_INTERVAL, SNAPSHOT_RETENTION, L0_RETENTION (Go durations) and
 * RETENTION_ENABLED (true/false). Unset variables take the agent's defaults, so both run the same policy.
 */
export function maintenanceSettingsFromEnv(env: Env, extra: { tmpDir?: string; logger?: MaintenanceLogger } = {}): MaintenanceSettings {
  const levels = listEnv(env, 'LEVELS')?.map((text) => duration(env, 'LEVELS', text)) ?? [...DEFAULT_MAINTENANCE_SETTINGS.levels];
  for (let i = 1; i < levels.length; i++) {
    if (levels[i] < levels[i - 1]) {
      throw new ConfigError(`environment variable LEVELS="${env.LEVELS}": intervals must not decrease from L1 to L${levels.length}`, { key: 'LEVELS' });
    }
  }
  return {
    levels,
    snapshotInterval: durationEnv(env, 'SNAPSHOT_INTERVAL', DEFAULT_MAINTENANCE_SETTINGS.snapshotInterval),
    snapshotRetention: durationEnv(env, 'SNAPSHOT_RETENTION', DEFAULT_MAINTENANCE_SETTINGS.snapshotRetention),
    l0Retention: durationEnv(env, 'L0_RETENTION', DEFAULT_MAINTENANCE_SETTINGS.l0Retention),
    retentionEnabled: booleanEnv(env, 'RETENTION_ENABLED', DEFAULT_MAINTENANCE_SETTINGS.retentionEnabled),
    ...(extra.tmpDir ? { tmpDir: extra.tmpDir } : {}),
    ...(extra.logger ? { logger: extra.logger } : {}),
  };
}
