// /proc/locks: the agent keeps SQLite's lock on the database file while a one-shot sqlite3 writer commits, and loses nothing.
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Database } from '../../agent/database.ts';
import type { DatabaseSettings } from '../../agent/database-api.ts';
import { useTempDirs } from '../harness/tmp.ts';
import { syncUntilIdle } from './workload/chain.ts';
import { captureLogger } from './workload/capture-log.ts';
import { restoreLocalChain, queryAll } from './workload/local-chain.ts';
import { HAVE_PROC_LOCKS, holdsSqliteSharedLock, locksHeldOn } from './workload/proc-locks.ts';
import { HAVE_SQLITE3_CLI, createCliDatabase, insertRows } from './workload/sqlite-cli.ts';

const tempDir = useTempDirs();
const runnable = HAVE_PROC_LOCKS && HAVE_SQLITE3_CLI;
if (!runnable) console.log('locks.test.ts skipped: needs Linux /proc/locks and the sqlite3 command-line tool');

function expectLocked(path: string, when: string): void {
  const held = locksHeldOn(path);
  expect(holdsSqliteSharedLock(path), `agent holds no SQLite SHARED lock on ${path} ${when}; its locks: ${JSON.stringify(held.map((l) => l.line))}`).toBe(true);
}

describe.skipIf(!runnable)('the agent keeps its SQLite lock on the database file', () => {
  it('after start, syncs, a snapshot and its own PASSIVE and TRUNCATE checkpoints, with a sqlite3 process per transaction', async () => {
    const dir = await tempDir('locks');
    const path = join(dir, 'app.db');
    await createCliDatabase(path);
    const settings: DatabaseSettings = {
      path,
      metaPath: join(dir, '.app.db-streambed'),
      busyTimeout: 5000,
      minCheckpointPageCount: 60,
      truncatePageN: 400,
      checkpointInterval: 0,
      maxSyncWalBytes: 64 * 1024 * 1024,
    };
    const log = captureLogger();
    const db = new Database(settings, log.logger);
    let committed = 0;
    const commit = async (n: number, rows = 1, size = 200): Promise<void> => {
      await insertRows(path, n, rows, size);
      committed += rows;
    };
    await db.open();
    try {
      expectLocked(path, 'after open');
      expect((await db.sync()).snapshot).toBe(true);
      expectLocked(path, 'after the first snapshot');

      // The user's case: the application is a sqlite3 process per transaction while the agent syncs.
      let n = 0;
      const writer = (async () => {
        for (; n < 40; n++) await commit(n);
      })();
      let syncs = 0;
      while (n < 40) {
        await db.sync();
        syncs++;
        expectLocked(path, `after sync ${syncs} (${n} transactions committed)`);
        await new Promise((r) => setTimeout(r, 10));
      }
      await writer;
      await syncUntilIdle(db);
      expectLocked(path, 'after the writer stopped');

      expect((await db.sync({ forceSnapshot: true })).snapshot).toBe(true);
      expectLocked(path, 'after a forced snapshot');

      const modes = new Set<string>();
      const checkpointed = async (when: string): Promise<void> => {
        const before = db.stats().checkpoints;
        const seen = log.find('checkpoint').length;
        await db.sync();
        if (db.stats().checkpoints > before) {
          for (const line of log.find('checkpoint').slice(seen)) if (typeof line.mode === 'string') modes.add(line.mode);
          expectLocked(path, `after its own checkpoint ${when}`);
        }
      };
      // Past min-checkpoint-page-count: PASSIVE.
      for (let i = 0; i < 12 && !modes.has('PASSIVE'); i++) {
        await commit(100 + i, 10, 3000);
        await checkpointed(`(PASSIVE, round ${i})`);
        expectLocked(path, `after sync with a bigger transaction ${i}`);
      }
      // Past truncate-page-n in one transaction: TRUNCATE.
      await commit(200, 450, 3000);
      await checkpointed('(TRUNCATE)');
      await syncUntilIdle(db);
      expectLocked(path, 'after the last syncs');
      expect([...modes].sort()).toEqual(['PASSIVE', 'TRUNCATE']);
    } finally {
      await db.close();
    }

    // Nothing lost: the local L0 chain holds every committed row.
    const restored = await restoreLocalChain(settings.metaPath, dir);
    const [{ rows }] = queryAll<{ rows: number }>(restored, 'SELECT COUNT(*) AS rows FROM t');
    const [{ rows: source }] = queryAll<{ rows: number }>(path, 'SELECT COUNT(*) AS rows FROM t');
    expect({ restored: rows, source }).toEqual({ restored: committed, source: committed });
    expect(queryAll<{ integrity_check: string }>(restored, 'PRAGMA integrity_check')).toEqual([{ integrity_check: 'ok' }]);
    expect(log.find('malformed')).toEqual([]);
  });
});
