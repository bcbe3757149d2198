// An idle database's tick is a few stats, no sync; a write, a due checkpoint or a prune ends the quiet at once.
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { Database } from '../../agent/database.ts';
import { FileReplicaClient } from '../../core/replica/file.ts';
import { useTempDirs } from '../harness/tmp.ts';
import { createDb, dbIn, dbSettings, l0Txids, makeReplicator, rowsOf, waitFor } from './replicator-helpers.ts';

const tempDir = useTempDirs();
/** Longer than wal/quiet.ts's racy window: files older than this are trusted by signature. */
const PAST_RACY_MS = 2_200;

/** A commit by another process (the sqlite3 CLI), as an application's would be. */
function appInsert(path: string, value: string): void {
  execFileSync('sqlite3', [path, `PRAGMA busy_timeout = 5000; INSERT INTO t (v) VALUES ('${value}');`]);
}

describe('idle databases', () => {
  it('Database.isIdle holds only while the files are as a no-op sync saw them and no checkpoint is due', async () => {
    const dir = await tempDir('idle');
    const path = dbIn(dir);
    createDb(path);
    const db = new Database({ ...dbSettings(path), checkpointInterval: 60_000 });
    await db.open();
    try {
      expect((await db.sync()).files).toHaveLength(1);
      expect(db.isIdle()).toBe(false);
      await sleep(PAST_RACY_MS);
      // The first no-op sync after the racy window proves the files quiet.
      expect((await db.sync()).files).toHaveLength(0);
      expect(db.isIdle()).toBe(true);
      expect((await db.sync()).files).toHaveLength(0);

      appInsert(path, 'after a quiet spell');
      expect(db.isIdle()).toBe(false);
      const after = await db.sync();
      expect(after.files).toHaveLength(1);
      expect(after.txid).toBe(2);
    } finally {
      await db.close();
    }
  });

  it('is not idle once the interval checkpoint is due for synced data', async () => {
    const dir = await tempDir('idle-ckpt');
    const path = dbIn(dir);
    createDb(path);
    const db = new Database({ ...dbSettings(path), checkpointInterval: 3_000 });
    await db.open();
    try {
      await db.sync();
      appInsert(path, 'x');
      await db.sync();
      await sleep(PAST_RACY_MS);
      await db.sync({ deferCheckpoint: true });
      expect(db.isIdle()).toBe(true);
      await waitFor(() => !db.isIdle(), 5_000, 'the checkpoint to come due');
      expect(db.stats().checkpoints).toBe(0);
      await db.sync();
      expect(db.stats().checkpoints).toBe(1);
    } finally {
      await db.close();
    }
  });

  it('the replicator skips syncs of an idle database and still ships a write within a tick or two', async () => {
    const dir = await tempDir('idle-repl');
    const path = dbIn(dir);
    createDb(path);
    const client = new FileReplicaClient({ type: 'file', path: join(dir, 'replica') });
    const { replicator } = makeReplicator(path, client, { syncInterval: 100, l0RetentionCheckInterval: 60_000 });
    const db = replicator.db as Database;
    let syncs = 0;
    const sync = db.sync.bind(db);
    db.sync = (options) => {
      syncs += 1;
      return sync(options);
    };
    await replicator.start();
    try {
      await waitFor(() => replicator.isCaughtUp(), 5_000, 'the first upload');
      await sleep(PAST_RACY_MS + 300);
      const before = syncs;
      await sleep(1_000);
      // Ten ticks of 100 ms went by: at most the odd one synced.
      expect(syncs - before).toBeLessThanOrEqual(1);

      appInsert(path, 'wakes it up');
      await waitFor(async () => (await l0Txids(client)).includes(2), 5_000, 'the write after the quiet spell to reach the replica');
      expect(syncs - before).toBeGreaterThanOrEqual(1);
      expect(rowsOf(path).map((r) => r.v)).toContain('wakes it up');
    } finally {
      await replicator.close();
    }
  });
});
