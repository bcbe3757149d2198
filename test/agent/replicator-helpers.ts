// Shared set-up for the agent tests: sample databases, writers, replicators and replica checks.
import BetterSqlite3 from 'better-sqlite3';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Database } from '../../agent/database.ts';
import type { Clock } from '../../agent/clock.ts';
import type { DatabaseSettings } from '../../agent/database-api.ts';
import { Replicator, type ReplicatorSettings, type UploadEvent } from '../../agent/replicator.ts';
import { defaultMetaPath } from '../../core/layout/names.ts';
import { listLevel } from '../../core/listing/listing.ts';
import type { ReplicaClient } from '../../core/replica/client.ts';
import type { ReplicaOptions } from '../../core/replica/options.ts';
import { DEFAULT_LEVEL_INTERVALS, DEFAULT_SNAPSHOT_INTERVAL, DEFAULT_SNAPSHOT_RETENTION } from '../../core/config/defaults.ts';
import type { StreambedConfig } from '../../core/config/types.ts';

export function createDb(path: string): void {
  const db = new BetterSqlite3(path);
  db.pragma('journal_mode = WAL');
  db.exec('CREATE TABLE IF NOT EXISTS t (id INTEGER PRIMARY KEY, v TEXT NOT NULL)');
  db.close();
}

/** Commits `n` single-row transactions, `gapMs` apart. */
export async function writeRows(path: string, n: number, gapMs = 0, payload = 64): Promise<void> {
  const db = new BetterSqlite3(path);
  db.pragma('busy_timeout = 5000');
  const insert = db.prepare('INSERT INTO t (v) VALUES (?)');
  try {
    for (let i = 0; i < n; i++) {
      insert.run('x'.repeat(payload) + String(i));
      if (gapMs > 0) await sleep(gapMs);
    }
  } finally {
    db.close();
  }
}

export function rowsOf(path: string): Array<{ id: number; v: string }> {
  const db = new BetterSqlite3(path, { readonly: true });
  try {
    return db.prepare('SELECT id, v FROM t ORDER BY id').all() as Array<{ id: number; v: string }>;
  } finally {
    db.close();
  }
}

export function dbSettings(path: string): DatabaseSettings {
  return {
    path,
    metaPath: defaultMetaPath(path),
    busyTimeout: 1000,
    minCheckpointPageCount: 1000,
    truncatePageN: 121_359,
    checkpointInterval: 60_000,
    maxSyncWalBytes: 64 * 1024 * 1024,
  };
}

export const FAST: ReplicatorSettings = {
  syncInterval: 100,
  monitorInterval: 1000,
  maxSyncLtxFiles: 256,
  l0Retention: 60_000,
  l0RetentionCheckInterval: 15_000,
  minBackoff: 50,
  maxBackoff: 400,
};

export function makeReplicator(
  path: string,
  client: ReplicaClient,
  settings: Partial<ReplicatorSettings> = {},
  clock?: Clock,
): { replicator: Replicator; uploads: UploadEvent[] } {
  const uploads: UploadEvent[] = [];
  const replicator = new Replicator({
    db: new Database(dbSettings(path), undefined, clock),
    client,
    settings: { ...FAST, ...settings },
    onUpload: (e) => uploads.push(e),
    clock,
  });
  return { replicator, uploads };
}

export { listLevel };

/** Asserts L0 holds exactly TXIDs from..to, one file each; returns the max. */
export async function l0Txids(client: ReplicaClient): Promise<number[]> {
  return (await listLevel(client, 0)).map((f) => f.maxTXID);
}

export function range(from: number, to: number): number[] {
  return Array.from({ length: Math.max(0, to - from + 1) }, (_, i) => from + i);
}

export async function waitFor(cond: () => boolean | Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await cond())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(20);
  }
}

export const dbIn = (dir: string, name = 'app.db'): string => join(dir, name);

/** A full agent configuration for tests, one replica per database. */
export function agentConfig(dbs: Array<{ path: string; replica: ReplicaOptions }>, overrides: Partial<StreambedConfig> = {}): StreambedConfig {
  return {
    logging: { level: 'info', type: 'text', stderr: false },
    dbs: dbs.map(({ path, replica }) => ({
      path,
      monitorInterval: 1000,
      checkpointInterval: 60_000,
      busyTimeout: 1000,
      minCheckpointPageCount: 1000,
      truncatePageN: 121_359,
      maxSyncWalBytes: 64 * 1024 * 1024,
      restoreIfDbNotExists: false,
      replica: { options: replica, syncInterval: 100, maxSyncLtxFiles: 256, autoRecover: false },
    })),
    levels: [...DEFAULT_LEVEL_INTERVALS],
    snapshot: { interval: DEFAULT_SNAPSHOT_INTERVAL, retention: DEFAULT_SNAPSHOT_RETENTION },
    l0Retention: 0,
    l0RetentionCheckInterval: 15_000,
    retention: { enabled: true },
    compaction: 'local',
    verifyCompaction: false,
    shutdownSyncTimeout: 10_000,
    shutdownSyncInterval: 100,
    ...overrides,
  };
}
