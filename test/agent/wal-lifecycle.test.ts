// A WAL that is absent, deleted or replaced, and a database file deleted and re-created, are normal states.
import { copyFileSync, existsSync, renameSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Database } from '../../agent/database.ts';
import type { DatabaseSettings } from '../../agent/database-api.ts';
import { sidecarPath } from '../../agent/checksum-sidecar.ts';
import { checksumDatabaseFile } from '../../core/ltx/database.ts';
import { useTempDirs } from '../harness/tmp.ts';
import { checkChain, syncUntilIdle } from './workload/chain.ts';
import { captureLogger } from './workload/capture-log.ts';
import type { CapturedLog } from './workload/capture-log.ts';
import { holdConnection } from './workload/held-connection.ts';
import { queryAll, restoreLocalChain } from './workload/local-chain.ts';
import { HAVE_PROC_LOCKS, holdsSqliteSharedLock, openDeletedFiles } from './workload/proc-locks.ts';
import { HAVE_SQLITE3_CLI, createCliDatabase, insertRows, sqliteCli } from './workload/sqlite-cli.ts';

const tempDir = useTempDirs();
/** A sync result's `files` when the sync wrote at least one L0 file. */
const WROTE = expect.arrayContaining([expect.anything()]);
const CONTINUED = 'continuing from the current WAL without a snapshot';

interface Setup {
  dir: string;
  path: string;
  settings: DatabaseSettings;
  log: CapturedLog;
  /** Rows the application committed. */
  rows: number;
}

async function setup(overrides: Partial<DatabaseSettings> = {}): Promise<Setup> {
  const dir = await tempDir('wal-life');
  const path = join(dir, 'app.db');
  await createCliDatabase(path);
  const settings: DatabaseSettings = {
    path, metaPath: join(dir, 'meta'), busyTimeout: 5000, minCheckpointPageCount: 1000, truncatePageN: 0,
    checkpointInterval: 0, maxSyncWalBytes: 64 * 1024 * 1024, ...overrides,
  };
  return { dir, path, settings, log: captureLogger(), rows: 0 };
}

/** One sqlite3 process per transaction, as a shell loop would run them. */
async function cliWrites(s: Setup, count: number, tag: number): Promise<void> {
  for (let i = 0; i < count; i++) {
    await insertRows(s.path, tag + i, 2, 300);
    s.rows += 2;
  }
}

async function opened(s: Setup): Promise<Database> {
  const db = new Database(s.settings, s.log.logger);
  await db.open();
  return db;
}

function snapshotReasons(s: Setup): string[] {
  return s.log.find('wrote snapshot L0 file').map((l) => String(l.reason));
}

/** The chain restores to exactly the application's database, holding every committed row; the known checksum agrees. */
async function expectChainComplete(s: Setup, checksum: bigint | null): Promise<void> {
  const result = await checkChain(s.settings.metaPath, s.path, s.dir);
  expect(result.integrity).toBe('ok');
  expect(result.equal).toBe(true);
  const restored = await restoreLocalChain(s.settings.metaPath, s.dir);
  expect(queryAll<{ n: number }>(restored, 'SELECT COUNT(*) AS n FROM t')[0].n).toBe(s.rows);
  if (checksum !== null) expect(checksum).toBe(await checksumDatabaseFile(restored));
  expect(s.log.find('malformed')).toEqual([]);
}

function expectNoDeletedFilesOpen(s: Setup): void {
  if (process.platform === 'linux') expect(openDeletedFiles(s.path)).toEqual([]);
}

describe.skipIf(!HAVE_SQLITE3_CLI)('WAL absent before the agent starts', () => {
  it('no -wal file (every application connection closed): one snapshot, then incremental files', async () => {
    const s = await setup();
    await cliWrites(s, 5, 0);
    expect(existsSync(`${s.path}-wal`)).toBe(false);
    const db = await opened(s);
    let checksum: bigint | null;
    try {
      expect(await db.sync()).toMatchObject({ txid: 1, snapshot: true });
      await cliWrites(s, 5, 10);
      expect(await db.sync()).toMatchObject({ txid: 2, snapshot: false, files: WROTE });
      await syncUntilIdle(db);
      checksum = db.stateChecksum();
    } finally {
      await db.close();
    }
    expect(snapshotReasons(s)).toEqual(['no local L0 files (first start)']);
    await expectChainComplete(s, checksum);
  });

  it('a 0-byte -wal (the application truncated it and keeps its connection): same', async () => {
    const s = await setup();
    const app = await holdConnection(s.path);
    try {
      await app.run('INSERT INTO t (n, v) VALUES (1, randomblob(300))');
      await app.run('PRAGMA wal_checkpoint(TRUNCATE)');
      s.rows = 1;
      expect(statSync(`${s.path}-wal`).size).toBe(0);
      const db = await opened(s);
      try {
        expect(await db.sync()).toMatchObject({ txid: 1, snapshot: true });
        await app.run('INSERT INTO t (n, v) VALUES (2, randomblob(300))');
        s.rows++;
        expect(await db.sync()).toMatchObject({ txid: 2, snapshot: false });
        await syncUntilIdle(db);
      } finally {
        await db.close();
      }
    } finally {
      await app.close();
    }
    await expectChainComplete(s, null);
  });
});

describe.skipIf(!HAVE_SQLITE3_CLI)('a long first transaction', () => {
  it('the WAL holds only uncommitted frames: the first snapshot is still written (from the database file)', async () => {
    const s = await setup();
    await cliWrites(s, 2, 0);
    // A first run creates the agent's tables; its local state is then lost, so the next start needs a snapshot.
    const first = await opened(s);
    await first.sync();
    await first.close();
    rmSync(s.settings.metaPath, { recursive: true, force: true });
    const app = await holdConnection(s.path);
    try {
      await app.run('PRAGMA wal_checkpoint(TRUNCATE)');
      await app.run('PRAGMA cache_size = 10');
      await app.run('BEGIN IMMEDIATE');
      // Spills pages into the WAL before COMMIT: a header and frames, none of them committed.
      for (let i = 0; i < 20; i++) await app.run(`INSERT INTO t (n, v) VALUES (${1000 + i}, randomblob(4000))`);
      expect(statSync(`${s.path}-wal`).size).toBeGreaterThan(32);
      const db = await opened(s);
      try {
        expect(await db.sync()).toMatchObject({ txid: 1, snapshot: true, files: WROTE });
        await app.run('COMMIT');
        s.rows += 20;
        expect(await db.sync()).toMatchObject({ txid: 2, snapshot: false, files: WROTE });
        await syncUntilIdle(db);
      } finally {
        await db.close();
      }
    } finally {
      await app.close();
    }
    await expectChainComplete(s, null);
  });
});

describe.skipIf(!HAVE_SQLITE3_CLI)('agent restarted after the application checkpointed and deleted the WAL', () => {
  it('nothing committed meanwhile: the database file equals the newest L0 file, so no snapshot', async () => {
    const s = await setup();
    let db = await opened(s);
    try {
      await db.sync();
      await cliWrites(s, 8, 0);
      await syncUntilIdle(db);
    } finally {
      await db.close();
    }
    expect(existsSync(sidecarPath(s.settings.metaPath))).toBe(true);
    // The application's last connection closes with the agent gone: it checkpoints and deletes the WAL.
    await sqliteCli(s.path, 'SELECT COUNT(*) FROM t;');
    expect(existsSync(`${s.path}-wal`)).toBe(false);
    db = await opened(s);
    let checksum: bigint | null;
    try {
      const first = await db.sync();
      expect(first).toMatchObject({ snapshot: false });
      await cliWrites(s, 4, 100);
      expect(await db.sync()).toMatchObject({ snapshot: false, files: WROTE });
      await syncUntilIdle(db);
      checksum = db.stateChecksum();
    } finally {
      await db.close();
    }
    expect(s.log.find(CONTINUED)).toHaveLength(1);
    expect(snapshotReasons(s)).toEqual(['no local L0 files (first start)']);
    await expectChainComplete(s, checksum);
  });

  it('commits made while the agent was down: the checksums differ, one snapshot with the reason', async () => {
    const s = await setup();
    let db = await opened(s);
    try {
      await db.sync();
      await cliWrites(s, 4, 0);
      await syncUntilIdle(db);
    } finally {
      await db.close();
    }
    await cliWrites(s, 3, 50);
    expect(existsSync(`${s.path}-wal`)).toBe(false);
    db = await opened(s);
    try {
      expect(await db.sync()).toMatchObject({ snapshot: true });
      await cliWrites(s, 2, 80);
      expect(await db.sync()).toMatchObject({ snapshot: false });
      await syncUntilIdle(db);
    } finally {
      await db.close();
    }
    const reasons = snapshotReasons(s);
    expect(reasons).toHaveLength(2);
    expect(reasons[1]).toMatch(/WAL .*; the database file (\(checksum [0-9a-f]+\) differs from the state after TXID [0-9a-f]{16}|has \d+ pages, the newest L0 file \d+)/);
    await expectChainComplete(s, null);
  });

  it('an update made while the agent was down (same page count): the checksum tells, one snapshot', async () => {
    const s = await setup();
    let db = await opened(s);
    try {
      await db.sync();
      await cliWrites(s, 4, 0);
      await syncUntilIdle(db);
    } finally {
      await db.close();
    }
    await sqliteCli(s.path, "UPDATE t SET v = x'00' WHERE id = 1;");
    expect(existsSync(`${s.path}-wal`)).toBe(false);
    db = await opened(s);
    try {
      expect(await db.sync()).toMatchObject({ snapshot: true });
      await syncUntilIdle(db);
    } finally {
      await db.close();
    }
    expect(snapshotReasons(s)[1]).toMatch(/; the database file \(checksum [0-9a-f]+\) differs from the state after TXID [0-9a-f]{16} \([0-9a-f]+\)$/);
    await expectChainComplete(s, null);
  });

  it('a 0-byte WAL left by the application\'s TRUNCATE checkpoint while the agent was down: no snapshot', async () => {
    const s = await setup();
    const app = await holdConnection(s.path);
    try {
      let db = await opened(s);
      try {
        await db.sync();
        for (let i = 0; i < 5; i++) await app.run(`INSERT INTO t (n, v) VALUES (${i}, randomblob(300))`);
        s.rows += 5;
        await syncUntilIdle(db);
      } finally {
        await db.close();
      }
      await app.run('PRAGMA wal_checkpoint(TRUNCATE)');
      expect(statSync(`${s.path}-wal`).size).toBe(0);
      db = await opened(s);
      try {
        expect(await db.sync()).toMatchObject({ snapshot: false });
        await app.run('INSERT INTO t (n, v) VALUES (9, randomblob(300))');
        s.rows++;
        await syncUntilIdle(db);
      } finally {
        await db.close();
      }
    } finally {
      await app.close();
    }
    expect(s.log.find(CONTINUED)).toHaveLength(1);
    expect(snapshotReasons(s)).toHaveLength(1);
    await expectChainComplete(s, null);
  });

  it('after an unclean shutdown (no saved checksums) it snapshots, and learns the checksums at its next complete checkpoint', async () => {
    const s = await setup({ minCheckpointPageCount: 30 });
    let db = await opened(s);
    try {
      await db.sync();
      await cliWrites(s, 3, 0);
      await syncUntilIdle(db);
    } finally {
      await db.close();
    }
    rmSync(sidecarPath(s.settings.metaPath));
    await sqliteCli(s.path, 'SELECT COUNT(*) FROM t;');
    expect(existsSync(`${s.path}-wal`)).toBe(false);
    db = await opened(s);
    let checksum: bigint | null;
    try {
      expect(await db.sync()).toMatchObject({ snapshot: true });
      expect(snapshotReasons(s)[1]).toMatch(/is not known/);
      // Known again right after the snapshot; an unclean start with an intact WAL learns them at a checkpoint.
      expect(db.stateChecksum()).not.toBeNull();
    } finally {
      await db.close();
    }
    rmSync(sidecarPath(s.settings.metaPath));
    db = await opened(s);
    try {
      expect(db.stateChecksum()).toBeNull();
      for (let i = 0; i < 10 && db.stats().checkpoints === 0; i++) {
        await insertRows(s.path, 200 + i, 10, 3000);
        s.rows += 10;
        await syncUntilIdle(db);
      }
      expect(db.stats().checkpoints).toBeGreaterThan(0);
      checksum = db.stateChecksum();
      expect(checksum).not.toBeNull();
    } finally {
      await db.close();
    }
    await expectChainComplete(s, checksum);
  });
});

describe.skipIf(!HAVE_SQLITE3_CLI)('WAL deleted or replaced while the agent runs', () => {
  it('deleted (with its -shm) by an outside process, then the application writes: connections reopened, snapshot', async () => {
    const s = await setup();
    const db = await opened(s);
    try {
      await db.sync();
      await cliWrites(s, 4, 0);
      await syncUntilIdle(db);
      rmSync(`${s.path}-wal`);
      rmSync(`${s.path}-shm`);
      // The application's view is now the database file alone: its WAL frames are gone (its loss, not ours).
      s.rows = Number(await sqliteCli(s.path, 'SELECT COUNT(*) FROM t;'));
      await cliWrites(s, 2, 30);
      expect(await db.sync()).toMatchObject({ snapshot: true });
      expectNoDeletedFilesOpen(s);
      if (HAVE_PROC_LOCKS) expect(holdsSqliteSharedLock(s.path)).toBe(true);
      await cliWrites(s, 2, 40);
      expect(await db.sync()).toMatchObject({ snapshot: false });
      await syncUntilIdle(db);
    } finally {
      await db.close();
    }
    expect(s.log.find("files changed under the agent's connections")).toHaveLength(1);
    expect(snapshotReasons(s)[1]).toMatch(/; the database file (\(checksum [0-9a-f]+\) differs|has \d+ pages)/);
    await expectChainComplete(s, null);
  });

  it('replaced by a copy of itself (new inode, same frames): connections reopened, the chain continues', async () => {
    const s = await setup();
    const db = await opened(s);
    try {
      await db.sync();
      await cliWrites(s, 4, 0);
      await syncUntilIdle(db);
      const before = statSync(`${s.path}-wal`).ino;
      copyFileSync(`${s.path}-wal`, `${s.path}-wal.copy`);
      renameSync(`${s.path}-wal.copy`, `${s.path}-wal`);
      expect(statSync(`${s.path}-wal`).ino).not.toBe(before);
      await cliWrites(s, 2, 30);
      expect(await db.sync()).toMatchObject({ snapshot: false, files: WROTE });
      expectNoDeletedFilesOpen(s);
      await syncUntilIdle(db);
    } finally {
      await db.close();
    }
    expect(s.log.find("files changed under the agent's connections")).toHaveLength(1);
    expect(snapshotReasons(s)).toHaveLength(1);
    await expectChainComplete(s, null);
  });
});

describe.skipIf(!HAVE_SQLITE3_CLI)('database file deleted and re-created while the agent runs', () => {
  it('while it is missing, syncs write nothing and fail nothing; once re-created, a snapshot of the new file', async () => {
    const s = await setup();
    const db = await opened(s);
    try {
      await db.sync();
      await cliWrites(s, 3, 0);
      await syncUntilIdle(db);
      for (const f of [s.path, `${s.path}-wal`, `${s.path}-shm`]) rmSync(f);
      expect(await db.sync()).toMatchObject({ files: [] });
      expect(await db.sync()).toMatchObject({ files: [] });
      expectNoDeletedFilesOpen(s);
      expect(s.log.find('waiting for the database to be re-created')).toHaveLength(1);
      await createCliDatabase(s.path);
      s.rows = 0;
      await cliWrites(s, 3, 10);
      expect(await db.sync()).toMatchObject({ snapshot: true });
      if (HAVE_PROC_LOCKS) expect(holdsSqliteSharedLock(s.path)).toBe(true);
      await cliWrites(s, 2, 20);
      expect(await db.sync()).toMatchObject({ snapshot: false });
      await syncUntilIdle(db);
    } finally {
      await db.close();
    }
    expect(snapshotReasons(s)[1]).toMatch(/was deleted/);
    await expectChainComplete(s, null);
  });

  it('replaced by rename (a new file moved over it): snapshot of the new file, nothing read from the old one', async () => {
    const s = await setup();
    const db = await opened(s);
    try {
      await db.sync();
      await cliWrites(s, 3, 0);
      await syncUntilIdle(db);
      const fresh = join(s.dir, 'fresh.db');
      await createCliDatabase(fresh);
      await sqliteCli(fresh, "INSERT INTO t (n, v) VALUES (7, randomblob(5000)); INSERT INTO t (n, v) VALUES (8, 'x');");
      rmSync(`${s.path}-wal`);
      rmSync(`${s.path}-shm`);
      renameSync(fresh, s.path);
      s.rows = 2;
      expect(await db.sync()).toMatchObject({ snapshot: true });
      expectNoDeletedFilesOpen(s);
      await cliWrites(s, 2, 20);
      await syncUntilIdle(db);
    } finally {
      await db.close();
    }
    expect(snapshotReasons(s)[1]).toMatch(/was replaced \(inode \d+ -> \d+\)/);
    await expectChainComplete(s, null);
  });
});
