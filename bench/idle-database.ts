// Idle-database cost: RSS and heap per opened and synced `Database`, and CPU per sync of an idle one.
// Usage: node --expose-gc bench/idle-database.ts [--count 1000] [--rounds 20]
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { defaultMetaPath } from '../core/layout/names.ts';
import { Database } from '../agent/database.ts';

function option(name: string, fallback: number): number {
  const i = process.argv.indexOf(name);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
}

const count = option('--count', 1000);
const rounds = option('--rounds', 20);
const gc = (globalThis as { gc?: () => void }).gc ?? ((): void => undefined);
const mib = (bytes: number): string => (bytes / 1024 / 1024).toFixed(1);

function settle(): NodeJS.MemoryUsage {
  gc();
  gc();
  return process.memoryUsage();
}

const dir = await mkdtemp(join(tmpdir(), 'streambed-idle-db-'));
try {
  const paths = Array.from({ length: count }, (_, i) => join(dir, `db-${i}.db`));
  for (const path of paths) {
    const db = new BetterSqlite3(path);
    db.pragma('journal_mode = WAL');
    db.exec('CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT NOT NULL); INSERT INTO t (v) VALUES (\'x\')');
    db.close();
  }
  const before = settle();
  const dbs = paths.map(
    (path) =>
      new Database({ path, metaPath: defaultMetaPath(path), busyTimeout: 1000, minCheckpointPageCount: 1000, truncatePageN: 121_359, checkpointInterval: 60_000, maxSyncWalBytes: 64 << 20 }),
  );
  for (const db of dbs) {
    await db.open();
    await db.sync();
  }
  // Two more syncs each: the first no-op sync proves the files quiet (wal/quiet.ts), after the racy window.
  await new Promise((r) => setTimeout(r, 2100));
  for (const db of dbs) await db.sync();
  const opened = settle();
  const perDb = (a: number, b: number): string => ((b - a) / count / 1024).toFixed(1);
  console.log(`${count} databases opened and synced (first file written), each holding its reader:`);
  console.log(`  RSS +${mib(opened.rss - before.rss)} MiB (${perDb(before.rss, opened.rss)} KiB each); heap +${perDb(before.heapUsed, opened.heapUsed)} KiB each; external +${perDb(before.external, opened.external)} KiB each`);

  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  for (let r = 0; r < rounds; r++) for (const db of dbs) await db.sync();
  const cpu = process.cpuUsage(cpu0);
  const ms = performance.now() - t0;
  const syncs = rounds * count;
  console.log(`  idle sync: ${((cpu.user + cpu.system) / syncs).toFixed(1)} µs CPU each (${syncs} syncs in ${ms.toFixed(0)} ms; user ${(cpu.user / syncs).toFixed(1)}, system ${(cpu.system / syncs).toFixed(1)})`);
  for (const db of dbs) await db.close();
  const closed = settle();
  console.log(`  after close: RSS ${mib(closed.rss - before.rss)} MiB above the start (freed SQLite memory mostly stays resident)`);
} finally {
  await rm(dir, { recursive: true, force: true });
}
