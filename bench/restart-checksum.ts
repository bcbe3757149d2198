// Cost of proving continuity by checksum at start: an agent restart after the application deleted the WAL.
// Usage: node bench/restart-checksum.ts [MiB=100]
// Prints the time of the restart's first sync (the database file read and hashed through the agent's descriptor)
// against a same-run baseline: a restart with the WAL intact (no check) and a full snapshot of the same database.
import { spawnSync } from 'node:child_process';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { Database } from '../agent/database.ts';
import type { DatabaseSettings } from '../agent/database-api.ts';
import { sidecarPath } from '../agent/checksum-sidecar.ts';
import { captureLogger } from '../test/agent/workload/capture-log.ts';

const mib = Number(process.argv[2] ?? 100);

function build(path: string): void {
  const db = new BetterSqlite3(path);
  db.pragma('journal_mode = wal');
  db.exec('CREATE TABLE t (id INTEGER PRIMARY KEY, v BLOB)');
  const insert = db.prepare('INSERT INTO t (v) VALUES (randomblob(?))');
  const rows = Math.ceil((mib * 1024 * 1024) / 1000);
  db.transaction(() => {
    for (let i = 0; i < rows; i++) insert.run(900);
  })();
  db.pragma('wal_checkpoint(TRUNCATE)');
  db.close();
}

async function timed<T>(fn: () => Promise<T>): Promise<[T, number]> {
  const start = performance.now();
  const value = await fn();
  return [value, performance.now() - start];
}

async function main(): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'restart-checksum-'));
  try {
    const path = join(dir, 'app.db');
    build(path);
    const settings: DatabaseSettings = {
      path, metaPath: join(dir, 'meta'), busyTimeout: 5000, minCheckpointPageCount: 1_000_000, truncatePageN: 0,
      checkpointInterval: 0, maxSyncWalBytes: 64 * 1024 * 1024,
    };
    const log = captureLogger();
    const restart = async (): Promise<{ openMs: number; syncMs: number; snapshot: boolean }> => {
      const db = new Database(settings, log.logger);
      const [, openMs] = await timed(() => db.open());
      const [result, syncMs] = await timed(() => db.sync());
      const [, closeMs] = await timed(() => db.close());
      void closeMs;
      return { openMs, syncMs, snapshot: result.snapshot };
    };
    const first = await restart(); // the first snapshot
    const sidecar = (await stat(sidecarPath(settings.metaPath))).size;
    const intact = await restart(); // WAL intact: no check
    spawnSync('sqlite3', [path, 'SELECT COUNT(*) FROM t;']); // the application's last close deletes the WAL
    const lost = await restart(); // WAL gone: the database file is hashed
    const checkMs = log.find('without a snapshot').map((l) => Number(l.ms))[0];
    console.log(JSON.stringify({
      dbMiB: Math.round((await stat(path)).size / 1048576),
      snapshotSyncMs: Math.round(first.syncMs),
      intactRestart: { openMs: Math.round(intact.openMs), syncMs: Math.round(intact.syncMs), snapshot: intact.snapshot },
      walLostRestart: { openMs: Math.round(lost.openMs), syncMs: Math.round(lost.syncMs), snapshot: lost.snapshot, checksumMs: checkMs },
      checkVsSnapshot: Number((lost.syncMs / first.syncMs).toFixed(2)),
      sidecarBytes: sidecar,
    }));
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

await main();
