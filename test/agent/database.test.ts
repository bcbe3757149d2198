// WAL syncer: L0 chain equals the source after real workloads, checkpoints (ours and the application's), restarts.
import { existsSync, readFileSync, statSync, writeFileSync, readdirSync, utimesSync } from 'node:fs';
import { join } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { Database } from '../../agent/database.ts';
import type { DatabaseSettings } from '../../agent/database-api.ts';
import { appDatabase, type AppDatabase } from './app-database.ts';
import { readWalHeader } from '../../agent/wal/reader.ts';
import { decodeLtxBuffer } from '../../core/ltx/decoder.ts';
import { HEADER_FLAG_NO_CHECKSUM } from '../../core/ltx/types.ts';
import type { LtxHeader } from '../../core/ltx/types.ts';
import { useTempDirs } from '../harness/tmp.ts';
import { checkChain, syncUntilIdle } from './workload/chain.ts';
import { ManualClock } from './workload/manual-clock.ts';
import { READER, runWriter, startScript, WRITER, waitForExit } from './workload/spawn.ts';

const tempDir = useTempDirs();
/** A sync result's `files` when the sync wrote at least one L0 file. */
const WROTE = expect.arrayContaining([expect.anything()]);

type Setup = AppDatabase;

function setup(overrides: Partial<DatabaseSettings> = {}): Promise<Setup> {
  return appDatabase(tempDir, 'db', overrides);
}

function insert(app: BetterSqlite3.Database, rows: number, size = 300): void {
  const stmt = app.prepare('INSERT INTO t (v) VALUES (randomblob(?))');
  app.transaction(() => {
    for (let i = 0; i < rows; i++) stmt.run(size);
  })();
}

async function l0Header(db: Database, txid: number): Promise<LtxHeader> {
  return (await decodeLtxBuffer(new Uint8Array(readFileSync(db.l0.path(txid))), `L0 ${txid}`)).header;
}

async function expectChainMatches(s: Setup): Promise<number> {
  const result = await checkChain(s.settings.metaPath, s.path, s.dir);
  expect(result.integrity).toBe('ok');
  expect(result.restoredChecksum).toBe(result.sourceChecksum);
  expect(result.equal).toBe(true);
  return result.files;
}

describe('Database sync basics', () => {
  it('first sync is a snapshot at TXID 1, then one incremental L0 file per sync with contiguous WAL ranges', async () => {
    const s = await setup();
    const db = new Database(s.settings);
    await db.open();
    try {
      const first = await db.sync();
      expect(first).toMatchObject({ txid: 1, files: WROTE, snapshot: true });
      const h1 = await l0Header(db, 1);
      const wal = readWalHeader(new Uint8Array(readFileSync(s.path + '-wal')));
      expect(h1).toMatchObject({ flags: HEADER_FLAG_NO_CHECKSUM, minTXID: 1, maxTXID: 1, walOffset: 32, walSalt1: wal?.salt1, walSalt2: wal?.salt2 });
      expect((await db.sync()).files).toEqual([]);
      insert(s.app, 50);
      insert(s.app, 50, 5000);
      const second = await db.sync();
      expect(second).toMatchObject({ txid: 2, files: WROTE, snapshot: false });
      expect(second.observedAt).toBeGreaterThan(0);
      const h2 = await l0Header(db, 2);
      expect(h2.walOffset).toBe(h1.walOffset + h1.walSize);
      expect(h2.walOffset + h2.walSize).toBe(statSync(s.path + '-wal').size);
      expect(h2.commit).toBe(Number(s.app.pragma('page_count', { simple: true })));
      expect(Math.abs(h2.timestamp - Date.now())).toBeLessThan(10_000);
      expect(db.txid()).toBe(2);
      expect(db.stats()).toMatchObject({ txid: 2, checkpoints: 0 });
      await expectChainMatches(s);
    } finally {
      await db.close();
      s.app.close();
    }
  });

  it('max-sync-wal-bytes splits a large backlog at commit boundaries', async () => {
    const s = await setup({ maxSyncWalBytes: 64 * 1024 });
    const db = new Database(s.settings);
    await db.open();
    try {
      await db.sync();
      for (let i = 0; i < 20; i++) insert(s.app, 10, 2000);
      const before = db.txid();
      await syncUntilIdle(db);
      expect(db.txid() - before).toBeGreaterThanOrEqual(4);
      for (let txid = before + 1; txid <= db.txid(); txid++) {
        const h = await l0Header(db, txid);
        expect(h.walSize).toBeLessThan(64 * 1024 + 20 * 4120);
      }
      await expectChainMatches(s);
    } finally {
      await db.close();
      s.app.close();
    }
  });

  it('forceSnapshot, continueAfter and pruneLocalL0', async () => {
    const s = await setup();
    const db = new Database(s.settings);
    await db.open();
    try {
      await db.sync();
      insert(s.app, 10);
      await db.sync();
      const forced = await db.sync({ forceSnapshot: true });
      expect(forced).toMatchObject({ txid: 3, snapshot: true, files: WROTE });
      expect((await l0Header(db, 3)).commit).toBe(Number(s.app.pragma('page_count', { simple: true })));
      await db.continueAfter(10);
      insert(s.app, 5);
      const next = await db.sync();
      expect(next).toMatchObject({ txid: 11, snapshot: true });
      expect(existsSync(db.l0.path(3))).toBe(false);
      insert(s.app, 5);
      expect((await db.sync()).txid).toBe(12);
      // Prune: only files uploaded and old enough go, never the newest.
      const old = new Date(Date.now() - 60_000);
      for (const f of await db.l0.list()) utimesSync(f.path, old, old);
      expect(await db.pruneLocalL0(11, 30_000)).toBe(1);
      expect(await db.pruneLocalL0(12, 30_000)).toBe(0);
      expect((await db.l0.list()).map((f) => f.txid)).toEqual([12]);
    } finally {
      await db.close();
      s.app.close();
    }
  });
});

describe('Database checkpoints', () => {
  it('our PASSIVE checkpoints restart the WAL without losing continuity (one snapshot only)', async () => {
    const s = await setup({ minCheckpointPageCount: 20 });
    const db = new Database(s.settings);
    await db.open();
    try {
      await db.sync();
      const salts = new Set<number>();
      for (let i = 0; i < 15; i++) {
        insert(s.app, 20, 800);
        s.app.prepare('DELETE FROM t WHERE id % 5 = ?').run(i % 5);
        expect((await db.sync()).snapshot).toBe(false);
        salts.add(readWalHeader(new Uint8Array(readFileSync(s.path + '-wal')))?.salt1 ?? -1);
      }
      await syncUntilIdle(db);
      expect(db.stats().checkpoints).toBeGreaterThanOrEqual(3);
      expect(salts.size).toBeGreaterThanOrEqual(3);
      await expectChainMatches(s);
    } finally {
      await db.close();
      s.app.close();
    }
  });

  it('TRUNCATE threshold shrinks the WAL file', async () => {
    const s = await setup({ minCheckpointPageCount: 1000, truncatePageN: 30 });
    const db = new Database(s.settings);
    await db.open();
    try {
      await db.sync();
      insert(s.app, 60, 3000);
      const big = statSync(s.path + '-wal').size;
      await db.sync();
      await syncUntilIdle(db);
      expect(db.stats().checkpoints).toBeGreaterThanOrEqual(1);
      expect(statSync(s.path + '-wal').size).toBeLessThan(big / 4);
      insert(s.app, 5);
      await syncUntilIdle(db);
      await expectChainMatches(s);
    } finally {
      await db.close();
      s.app.close();
    }
  });

  it('TRUNCATE when another reader pins the WAL: waits for it, then the next L0 file is a boundary snapshot', async () => {
    const s = await setup({ truncatePageN: 30, busyTimeout: 5000 });
    const db = new Database(s.settings);
    await db.open();
    try {
      await db.sync();
      const reader = startScript(READER, [s.path, '2500']);
      const locked = new Promise<void>((resolve) => reader.stdout?.on('data', (d: Buffer) => d.toString().includes('locked') && resolve()));
      const readerDone = waitForExit(reader);
      await locked;
      insert(s.app, 60, 3000);
      const first = await db.sync(); // syncs, PASSIVE stops at the reader's mark, TRUNCATE waits for it
      expect(first.snapshot).toBe(false);
      await readerDone;
      expect(db.stats().checkpoints).toBeGreaterThanOrEqual(1);
      expect(await db.sync()).toMatchObject({ files: WROTE, snapshot: true });
      expect(statSync(s.path + '-wal').size).toBeLessThan(20 * 4120);
      await syncUntilIdle(db);
      await expectChainMatches(s);
    } finally {
      await db.close();
      s.app.close();
    }
  });

  it('interval checkpoints run once data was synced, and not again for our own bump', async () => {
    const s = await setup({ checkpointInterval: 150 });
    // An hour ahead of the files' mtimes, so only this clock decides when the interval has passed.
    const clock = new ManualClock(Date.now() + 3_600_000);
    const db = new Database(s.settings, undefined, clock);
    await db.open();
    try {
      await db.sync();
      insert(s.app, 10);
      await db.sync();
      expect(db.stats().checkpoints).toBe(0); // the interval has not passed yet
      clock.advance(200);
      await db.sync();
      const after = db.stats().checkpoints;
      expect(after).toBeGreaterThanOrEqual(1);
      // The bump committed by that checkpoint is synced, but it is not new data: no further checkpoints.
      for (let i = 0; i < 4; i++) {
        clock.advance(200);
        await db.sync();
      }
      expect(db.stats().checkpoints).toBe(after);
      // New data, long after the last checkpoint: the sync that ships it checkpoints.
      insert(s.app, 10);
      await db.sync();
      expect(db.stats().checkpoints).toBe(after + 1);
      await db.sync(); // ships that checkpoint's bump
      // New data again: the next checkpoint waits for the interval since the last one.
      insert(s.app, 10);
      await db.sync();
      clock.advance(100);
      await db.sync();
      expect(db.stats().checkpoints).toBe(after + 1);
      clock.advance(100);
      await db.sync();
      expect(db.stats().checkpoints).toBe(after + 2);
      await db.sync(); // ships the bump
      expect(db.stats().checkpoints).toBe(after + 2);
      await expectChainMatches(s);
    } finally {
      await db.close();
      s.app.close();
    }
  });

  it("the application's TRUNCATE while we run cannot break the chain", async () => {
    const s = await setup();
    const db = new Database(s.settings);
    await db.open();
    try {
      await db.sync();
      insert(s.app, 30);
      s.app.pragma('busy_timeout = 50');
      const [res] = s.app.pragma('wal_checkpoint(TRUNCATE)') as Array<{ busy: number }>;
      expect(res.busy).toBe(1); // our read transaction holds it off
      insert(s.app, 30);
      await syncUntilIdle(db);
      await expectChainMatches(s);
    } finally {
      await db.close();
      s.app.close();
    }
  });
});

describe('Database restarts', () => {
  it('closing keeps the WAL file; reopening continues incrementally', async () => {
    const s = await setup();
    s.app.close();
    let db = new Database(s.settings);
    await db.open();
    await db.sync();
    await db.close();
    expect(existsSync(s.path + '-wal')).toBe(true);
    const app = new BetterSqlite3(s.path);
    app.pragma('wal_autocheckpoint = 0');
    insert(app, 20);
    db = new Database(s.settings);
    await db.open();
    try {
      expect(db.txid()).toBe(1);
      expect(await db.sync()).toMatchObject({ txid: 2, snapshot: false });
      await expectChainMatches({ ...s, app });
    } finally {
      await db.close();
      app.close();
    }
  });

  it('a full checkpoint and one restart by the application while we are down: continues without a snapshot', async () => {
    const s = await setup();
    let db = new Database(s.settings);
    await db.open();
    insert(s.app, 40, 1000);
    await syncUntilIdle(db);
    await db.close();
    const [res] = s.app.pragma('wal_checkpoint(PASSIVE)') as Array<{ log: number; checkpointed: number }>;
    expect(res.log).toBe(res.checkpointed);
    insert(s.app, 3);
    db = new Database(s.settings);
    await db.open();
    try {
      const r = await db.sync();
      expect(r).toMatchObject({ files: WROTE, snapshot: false });
      await expectChainMatches(s);
    } finally {
      await db.close();
      s.app.close();
    }
  });

  it('frames committed and checkpointed while we were down force a snapshot', async () => {
    const s = await setup();
    let db = new Database(s.settings);
    await db.open();
    await syncUntilIdle(db);
    await db.close();
    insert(s.app, 40, 1000); // never seen by the agent
    s.app.pragma('wal_checkpoint(PASSIVE)');
    insert(s.app, 3); // restarts the WAL
    db = new Database(s.settings);
    await db.open();
    try {
      expect(await db.sync()).toMatchObject({ files: WROTE, snapshot: true });
      await expectChainMatches(s);
    } finally {
      await db.close();
      s.app.close();
    }
  });

  it('autocheckpoints, a manual TRUNCATE and a closed last connection while we are down', async () => {
    const s = await setup();
    let db = new Database(s.settings);
    await db.open();
    await syncUntilIdle(db);
    await db.close();
    s.app.close();
    await runWriter(s.path, 7, 60, 20); // autocheckpoint every 20 pages; its close deletes the WAL
    expect(existsSync(s.path + '-wal')).toBe(false);
    db = new Database(s.settings);
    await db.open();
    try {
      expect(await db.sync()).toMatchObject({ files: WROTE, snapshot: true });
      const app = new BetterSqlite3(s.path);
      insert(app, 20);
      app.pragma('wal_checkpoint(TRUNCATE)');
      await syncUntilIdle(db);
      await expectChainMatches({ ...s, app });
      app.close();
    } finally {
      await db.close();
    }
  });

  it('two WAL restarts by the application while we are down force a snapshot', async () => {
    const s = await setup();
    let db = new Database(s.settings);
    await db.open();
    insert(s.app, 40, 1000);
    await syncUntilIdle(db);
    await db.close();
    for (let i = 0; i < 2; i++) {
      s.app.pragma('wal_checkpoint(PASSIVE)');
      insert(s.app, 2);
    }
    db = new Database(s.settings);
    await db.open();
    try {
      expect(await db.sync()).toMatchObject({ files: WROTE, snapshot: true });
      await expectChainMatches(s);
    } finally {
      await db.close();
      s.app.close();
    }
  });

  it('a corrupt newest L0 file is quarantined and the next file is a snapshot with the next TXID', async () => {
    const s = await setup();
    let db = new Database(s.settings);
    await db.open();
    await db.sync();
    insert(s.app, 10);
    await db.sync();
    await db.close();
    const path2 = db.l0.path(2);
    const bytes = readFileSync(path2);
    bytes[200] ^= 0xff;
    writeFileSync(path2, bytes);
    db = new Database(s.settings);
    await db.open();
    try {
      expect(db.txid()).toBe(2);
      expect(await db.sync()).toMatchObject({ txid: 3, snapshot: true });
      expect(readdirSync(join(s.settings.metaPath, 'ltx', '0')).some((n) => n.endsWith('.corrupt'))).toBe(true);
    } finally {
      await db.close();
      s.app.close();
    }
  });
});

describe('Database with a separate writer process', () => {
  it('random workload with application autocheckpoints while syncs and our checkpoints run', async () => {
    const s = await setup({ minCheckpointPageCount: 40, checkpointInterval: 50, maxSyncWalBytes: 256 * 1024 });
    const db = new Database(s.settings);
    await db.open();
    try {
      await db.sync();
      const writer = waitForExit(startScript(WRITER, [s.path, '42', '250', '30', '2']));
      let done = false;
      void writer.finally(() => (done = true)).catch(() => undefined);
      let snapshots = 0;
      while (!done) {
        if ((await db.sync()).snapshot) snapshots++;
        await new Promise((r) => setTimeout(r, 5));
      }
      await writer;
      await syncUntilIdle(db);
      const files = await expectChainMatches(s);
      expect(files).toBeGreaterThan(10);
      expect(db.stats().checkpoints).toBeGreaterThan(0);
      expect(db.maxBarrierMs).toBeLessThan(1000);
      console.log(`random workload: ${files} L0 files, ${db.stats().checkpoints} checkpoints, write lock held at most ${db.maxBarrierMs.toFixed(1)} ms`);
      expect(snapshots).toBe(0); // the only snapshot was the first sync, before the loop
    } finally {
      await db.close();
      s.app.close();
    }
  });
});
