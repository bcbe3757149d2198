// The upload loop against a file replica and fauxqs: every local L0 file reaches the replica, in order, restorably.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { readFile } from 'node:fs/promises';
import { openReplicaClient } from '../../core/replica/open.ts';
import { restoreDatabase } from '../../core/restore/index.ts';
import { decodeHeader } from '../../core/ltx/header.ts';
import { startLocalS3, type LocalS3 } from '../harness/local-s3.ts';
import { useTempDirs } from '../harness/tmp.ts';
import { AgentMetrics } from '../../agent/metrics.ts';
import { Replicator } from '../../agent/replicator.ts';
import { Database } from '../../agent/database.ts';
import { ManualClock } from './workload/manual-clock.ts';
import { createDb, dbIn, dbSettings, FAST, l0Txids, makeReplicator, range, rowsOf, waitFor, writeRows } from './replicator-helpers.ts';

const tempDir = useTempDirs();
let s3: LocalS3;
beforeAll(async () => {
  s3 = await startLocalS3();
});
afterAll(async () => {
  await s3?.stop();
});

describe('Replicator', () => {
  it('ships every L0 file to a file replica, in TXID order, with the header timestamp', async () => {
    const dir = await tempDir('repl-file');
    const path = dbIn(dir);
    createDb(path);
    const client = openReplicaClient({ type: 'file', path: join(dir, 'replica') });
    const { replicator, uploads } = makeReplicator(path, client);
    await replicator.start();
    await writeRows(path, 40, 5);
    expect(await replicator.stop()).toBe(true);
    const txids = await l0Txids(client);
    expect(txids.length).toBeGreaterThan(1);
    expect(txids).toEqual(range(1, txids.length));
    expect(uploads.map((u) => u.txid)).toEqual(txids);
    const stat = await client.statLtxFile({ level: 0, minTXID: 1, maxTXID: 1 });
    const body = await readFile(join(dir, 'replica', 'ltx', '0', '0000000000000001-0000000000000001.ltx'));
    expect(stat.timestamp.getTime()).toBe(decodeHeader(body, 'L0 1').timestamp);
    const out = join(dir, 'restored.db');
    await restoreDatabase(client, { outputPath: out });
    expect(rowsOf(out)).toEqual(rowsOf(path));
    expect(rowsOf(out)).toHaveLength(40);
  });

  it('counts the bytes of every L0 file a sync wrote in litestream_total_wal_bytes', async () => {
    const dir = await tempDir('repl-wal-bytes');
    const path = dbIn(dir);
    createDb(path);
    const client = openReplicaClient({ type: 'file', path: join(dir, 'replica') });
    const metrics = new AgentMetrics();
    const uploads: number[] = [];
    const replicator = new Replicator({
      db: new Database(dbSettings(path)), client, settings: FAST, metrics, onUpload: (e) => uploads.push(e.bytes),
    });
    try {
      for (let i = 0; i < 3; i++) {
        await writeRows(path, 2);
        await replicator.syncAndUpload();
      }
    } finally {
      await replicator.stop();
    }
    expect(uploads.length).toBeGreaterThanOrEqual(3);
    const counted = (await metrics.totalWalBytes.get()).values[0]?.value;
    expect(counted).toBe(uploads.reduce((a, b) => a + b, 0));
  });

  it('prunes uploaded local L0 files once l0-retention has passed on its clock, never the newest', async () => {
    const dir = await tempDir('repl-prune');
    const path = dbIn(dir);
    createDb(path);
    const client = openReplicaClient({ type: 'file', path: join(dir, 'replica') });
    const clock = new ManualClock();
    // l0-retention 60 s, checked every 15 s (FAST): the clock makes that pass without waiting.
    const { replicator } = makeReplicator(path, client, {}, clock);
    try {
      for (let i = 0; i < 3; i++) {
        await writeRows(path, 1);
        await replicator.syncAndUpload();
      }
      const l0 = replicator.db.l0;
      const written = replicator.db.txid();
      expect((await l0.list()).map((f) => f.txid)).toEqual(range(1, written));
      clock.advance(30_000);
      await writeRows(path, 1);
      await replicator.syncAndUpload();
      expect((await l0.list()).map((f) => f.txid)).toEqual(range(1, replicator.db.txid())); // uploaded, but not old enough
      clock.advance(31_000);
      await writeRows(path, 1);
      await replicator.syncAndUpload();
      expect((await l0.list()).map((f) => f.txid)).toEqual([replicator.db.txid()]);
      expect(await l0Txids(client)).toEqual(range(1, replicator.db.txid()));
    } finally {
      await replicator.close();
    }
  });

  it('ships on every WAL change with sync-interval 0 (no polling needed)', async () => {
    const dir = await tempDir('repl-s3-lowlat');
    const path = dbIn(dir);
    createDb(path);
    const client = openReplicaClient(s3.s3Options(await s3.createBucket(), 'db'));
    // The fallback poll is far away: only file-change notifications can make it ship within the test.
    const { replicator, uploads } = makeReplicator(path, client, { syncInterval: 0, monitorInterval: 60_000 });
    await replicator.start();
    await waitFor(() => (replicator.replicaTXID ?? 0) >= 1 && replicator.isCaughtUp(), 5000, 'initial snapshot upload');
    const before = uploads.length;
    for (let i = 0; i < 5; i++) {
      const t0 = Date.now();
      await writeRows(path, 1);
      await waitFor(() => uploads.length > before + i, 5000, `upload of write ${i}`);
      expect(Date.now() - t0).toBeLessThan(2000);
    }
    expect(uploads.every((u) => u.lagMs !== undefined && u.lagMs >= 0)).toBe(true);
    expect(await replicator.stop()).toBe(true);
    const txids = await l0Txids(client);
    expect(txids).toEqual(range(1, txids.length));
    const out = join(dir, 'restored.db');
    await restoreDatabase(client, { outputPath: out });
    expect(rowsOf(out)).toEqual(rowsOf(path));
  });

  it('continues TXIDs after a restart', async () => {
    const dir = await tempDir('repl-restart');
    const path = dbIn(dir);
    createDb(path);
    const client = openReplicaClient(s3.s3Options(await s3.createBucket(), 'db'));
    const first = makeReplicator(path, client);
    await first.replicator.start();
    await writeRows(path, 10, 5);
    await first.replicator.stop();
    const firstMax = Math.max(...(await l0Txids(client)));
    await writeRows(path, 10);
    const second = makeReplicator(path, client);
    await second.replicator.start();
    await writeRows(path, 5, 5);
    await second.replicator.stop();
    const txids = await l0Txids(client);
    expect(Math.max(...txids)).toBeGreaterThan(firstMax);
    expect(txids).toEqual(range(1, txids.length));
    expect(second.uploads[0].txid).toBe(firstMax + 1);
    const out = join(dir, 'restored.db');
    await restoreDatabase(client, { outputPath: out });
    expect(rowsOf(out)).toHaveLength(25);
  });

  it('after a restore (local behind the replica), continues past the replica high-water mark', async () => {
    const dir = await tempDir('repl-after-restore');
    const path = dbIn(dir);
    createDb(path);
    const client = openReplicaClient({ type: 'file', path: join(dir, 'replica') });
    const original = makeReplicator(path, client);
    await original.replicator.start();
    await writeRows(path, 20, 3);
    await original.replicator.stop();
    const remoteMax = Math.max(...(await l0Txids(client)));

    const restoredPath = join(dir, 'restored.db');
    await restoreDatabase(client, { outputPath: restoredPath });
    const next = makeReplicator(restoredPath, client);
    await next.replicator.start();
    await writeRows(restoredPath, 7, 3);
    await next.replicator.stop();
    expect(next.uploads[0].txid).toBe(remoteMax + 1);
    const txids = await l0Txids(client);
    expect(txids).toEqual(range(1, txids.length));
    const again = join(dir, 'again.db');
    await restoreDatabase(client, { outputPath: again });
    expect(rowsOf(again)).toHaveLength(27);
    expect(rowsOf(again)).toEqual(rowsOf(restoredPath));
  });
});
