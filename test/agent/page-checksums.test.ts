// The rolling page checksums always equal the LTX database checksum of the state the local L0 chain restores to.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { Database } from '../../agent/database.ts';
import { PageChecksums } from '../../agent/page-checksums.ts';
import { bufferSource } from '../../agent/wal/reader.ts';
import { checksumDatabaseFile } from '../../core/ltx/database.ts';
import { lockPgno } from '../../core/ltx/types.ts';
import { useTempDirs } from '../harness/tmp.ts';
import { syncUntilIdle } from './workload/chain.ts';
import { restoreLocalChain } from './workload/local-chain.ts';
import { WRITER, startScript, waitForExit } from './workload/spawn.ts';

const tempDir = useTempDirs();

describe('PageChecksums', () => {
  it('of a database file equals the LTX database checksum; survives its binary form; ignores the lock page', async () => {
    const dir = await tempDir('sums');
    const path = join(dir, 'a.db');
    const db = new BetterSqlite3(path);
    db.exec('CREATE TABLE t (v BLOB)');
    db.prepare('INSERT INTO t SELECT randomblob(700) FROM (WITH RECURSIVE k(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM k WHERE i < 300) SELECT i FROM k)').run();
    db.close();
    const bytes = new Uint8Array(readFileSync(path));
    const pageSize = 4096;
    const sums = await PageChecksums.ofFile(bufferSource(bytes), pageSize, bytes.length / pageSize);
    expect(sums.checksum()).toBe(await checksumDatabaseFile(path));
    const copy = PageChecksums.fromBytes(pageSize, sums.toBytes());
    expect(copy?.checksum()).toBe(sums.checksum());
    expect(copy?.pageCount).toBe(sums.pageCount);
    const before = sums.checksum();
    sums.resize(lockPgno(pageSize) + 1);
    sums.set(lockPgno(pageSize), new Uint8Array(pageSize).fill(7));
    sums.resize(bytes.length / pageSize);
    expect(sums.checksum()).toBe(before);
  });

  it('follow a random workload with VACUUMs, shrinking, application and agent checkpoints', async () => {
    const dir = await tempDir('sums-workload');
    const path = join(dir, 'app.db');
    const app = new BetterSqlite3(path);
    app.pragma('journal_mode = wal');
    app.close();
    const db = new Database({
      path, metaPath: join(dir, 'meta'), busyTimeout: 5000, minCheckpointPageCount: 200, truncatePageN: 2000,
      checkpointInterval: 0, maxSyncWalBytes: 256 * 1024,
    });
    await db.open();
    let checksum: bigint | null;
    try {
      await db.sync();
      const writer = waitForExit(startScript(WRITER, [path, '7', '400', '100', '2']));
      let done = false;
      void writer.finally(() => (done = true));
      let incrementals = 0;
      while (!done) {
        const r = await db.sync({ deferWrite: true });
        incrementals = r.snapshot ? 0 : incrementals + (r.files.length > 0 ? 1 : 0);
        await new Promise((r) => setTimeout(r, 5));
      }
      await writer;
      await syncUntilIdle(db);
      expect(db.stats().checkpoints).toBeGreaterThan(0);
      // The checksums were carried through many incremental files, not just taken from a recent snapshot.
      expect(incrementals).toBeGreaterThan(20);
      checksum = db.stateChecksum();
    } finally {
      await db.close();
    }
    expect(checksum).not.toBeNull();
    const restored = await restoreLocalChain(join(dir, 'meta'), dir);
    expect(checksum).toBe(await checksumDatabaseFile(restored));
  });
});
