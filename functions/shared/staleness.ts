// How long ago a database's agent last sent an L0 file: what the stale-backup alarm watches.
import { lastWrittenAt, listLevel } from '../../core/listing/listing.ts';
import { parseDuration } from '../../core/util/duration.ts';
import { ConfigError } from '../../core/errors.ts';
import type { ReplicaClient } from '../../core/replica/client.ts';
import { optionalEnv, type Env } from './env.ts';

export const DEFAULT_STALE_AFTER_MS = 15 * 60_000;

/** STALE_AFTER (Go duration, default 15m). */
export function staleAfterFromEnv(env: Env): number {
  const text = optionalEnv(env, 'STALE_AFTER');
  if (text === undefined) return DEFAULT_STALE_AFTER_MS;
  let ms: number;
  try {
    ms = parseDuration(text);
  } catch (err) {
    throw new ConfigError(`environment variable STALE_AFTER="${text}": ${(err as Error).message}`, { key: 'STALE_AFTER' });
  }
  if (!(ms > 0)) throw new ConfigError(`environment variable STALE_AFTER="${text}" must be a positive duration such as 15m`, { key: 'STALE_AFTER' });
  return ms;
}

/**
 * Upload time of the newest L0 file, or undefined when there is none. Retention always keeps the newest L0 file,
 * so a database that has ever replicated has one; one LIST of the 0000/ prefix per database and sweep.
 */
export async function newestL0Time(client: ReplicaClient): Promise<Date | undefined> {
  return lastWrittenAt(await listLevel(client, 0));
}

export interface Staleness {
  /** ms since the newest L0 file; null when the database has none. */
  backupAgeMs: number | null;
  stale: boolean;
}

export async function stalenessOf(client: ReplicaClient, now: Date, staleAfterMs: number): Promise<Staleness> {
  const newest = await newestL0Time(client);
  const backupAgeMs = newest ? Math.max(0, now.getTime() - newest.getTime()) : null;
  return { backupAgeMs, stale: backupAgeMs === null || backupAgeMs >= staleAfterMs };
}
