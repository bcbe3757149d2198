// Under injected S3 faults the loop backs off and retries; nothing is dropped and the replica stays restorable.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readdir, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { openReplicaClient } from '../../core/replica/open.ts';
import { restoreDatabase } from '../../core/restore/index.ts';
import { startFaultProxy } from '../harness/fault-proxy.ts';
import { startLocalS3, type LocalS3 } from '../harness/local-s3.ts';
import { useTempDirs } from '../harness/tmp.ts';
import { createDb, dbIn, l0Txids, makeReplicator, range, rowsOf, waitFor, writeRows } from './replicator-helpers.ts';

const tempDir = useTempDirs();
let s3: LocalS3;
beforeAll(async () => {
  s3 = await startLocalS3();
});
afterAll(async () => {
  await s3?.stop();
});

describe('Replicator under faults', () => {
  it('uploads everything through a proxy failing 20% of S3 requests', async () => {
    const dir = await tempDir('repl-faults');
    const path = dbIn(dir);
    createDb(path);
    const bucket = await s3.createBucket();
    const proxy = await startFaultProxy(s3.endpoint, { probability: 0.2, seed: 7 });
    try {
      const client = openReplicaClient(s3.s3Options(bucket, 'db', { endpoint: proxy.url }));
      const { replicator, uploads } = makeReplicator(path, client, { syncInterval: 50, minBackoff: 20, maxBackoff: 200 });
      await replicator.start();
      await writeRows(path, 30, 10);
      expect(await replicator.stop()).toBe(true);
      const faults = proxy.stats.faults;
      expect(faults['internal-error'] + faults['slow-down'] + faults.reset).toBeGreaterThan(0);

      const direct = openReplicaClient(s3.s3Options(bucket, 'db'));
      const txids = await l0Txids(direct);
      expect(txids).toEqual(range(1, txids.length));
      expect(new Set(uploads.map((u) => u.txid)).size).toBe(txids.length);
      const out = join(dir, 'restored.db');
      await restoreDatabase(direct, { outputPath: out });
      expect(rowsOf(out)).toEqual(rowsOf(path));
      expect(rowsOf(out)).toHaveLength(30);
    } finally {
      await proxy.stop();
    }
  });

  it('backs off during an outage, forgets the replica position, and ships everything afterwards', async () => {
    const dir = await tempDir('repl-outage');
    const path = dbIn(dir);
    createDb(path);
    const root = join(dir, 'replica');
    const client = openReplicaClient({ type: 'file', path: root });
    const { replicator } = makeReplicator(path, client, { syncInterval: 20, minBackoff: 20, maxBackoff: 160 });
    await replicator.start();
    await writeRows(path, 10, 5);
    await waitFor(() => (replicator.replicaTXID ?? 0) >= 1 && replicator.isCaughtUp(), 5000, 'first uploads');

    // The outage: the level directory becomes a plain file, so every write and listing fails.
    const level0 = join(root, 'ltx', '0');
    await swapLevelForFile(level0, `${level0}.saved`);
    await writeRows(path, 5, 5);
    await waitFor(() => replicator.errorCount >= 4, 10_000, 'failed runs during the outage');
    expect(replicator.replicaTXID).toBeUndefined();
    const backoffs = [replicator.currentBackoff];
    await waitFor(() => replicator.errorCount >= 6, 10_000, 'more failed runs');
    backoffs.push(replicator.currentBackoff);
    expect(backoffs[1]).toBe(160);

    await rm(level0);
    await rename(`${level0}.saved`, level0);
    await writeRows(path, 5, 5);
    expect(await replicator.stop()).toBe(true);
    const txids = await l0Txids(client);
    expect(txids).toEqual(range(1, txids.length));
    const out = join(dir, 'restored.db');
    await restoreDatabase(client, { outputPath: out });
    expect(rowsOf(out)).toHaveLength(20);
  });
});

/**
 * Moves a level directory aside and puts a plain file in its place. An upload already in flight may re-create
 * the directory in between; its files are moved aside too and the swap is tried again.
 */
async function swapLevelForFile(level: string, saved: string): Promise<void> {
  await rename(level, saved);
  for (;;) {
    try {
      await writeFile(level, 'not a directory', { flag: 'wx' });
      return;
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code !== 'EISDIR' && code !== 'EEXIST') throw err;
      for (const name of await readdir(level)) await rename(join(level, name), join(saved, name));
      await rm(level, { recursive: true, force: true });
    }
  }
}
