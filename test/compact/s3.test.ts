// Compaction against fauxqs: spooled inputs, a streamed snapshot, and concurrent passes that still verify.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compactLevel, runMaintenance } from '../../core/compact/index.ts';
import type { MaintenanceSettings } from '../../core/compact/index.ts';
import { listLevel } from '../../core/listing/listing.ts';
import { mergeFilesToReplica } from '../../core/compact/merge.ts';
import { S3ReplicaClient } from '../../core/replica/s3.ts';
import { restoreDatabase } from '../../core/restore/index.ts';
import { verifyReplica } from '../../core/verify/index.ts';
import { startLocalS3 } from '../harness/local-s3.ts';
import type { LocalS3 } from '../harness/local-s3.ts';
import { useTempDirs } from '../harness/tmp.ts';
import { makeHistory, readReplicaFile } from './history.ts';

const tempDir = useTempDirs();
let s3: LocalS3;

beforeAll(async () => {
  s3 = await startLocalS3();
});
afterAll(async () => {
  await s3?.stop();
});

function settings(tmpDir: string): MaintenanceSettings {
  return { levels: [30_000, 300_000], snapshotInterval: 86_400_000, snapshotRetention: 86_400_000, l0Retention: 300_000, retentionEnabled: true, tmpDir };
}

describe('compaction on S3', () => {
  it('concurrent maintenance passes write identical files and leave a replica that verifies and restores', async () => {
    const dir = await tempDir('compact-s3');
    const history = await makeHistory(dir, 50, { seed: 7, vacuumEvery: 13 });
    const client = new S3ReplicaClient(s3.s3Options(await s3.createBucket(), 'db.sqlite'));
    await history.writeL0(client, 1, 35);
    // S3 stamps files with the real clock; a `now` a day ahead puts every file before the window boundary.
    const later = new Date(Date.now() + 86_400_000);
    const passes = await Promise.all([0, 1, 2].map(() => runMaintenance(client, settings(dir), later)));
    for (const p of passes) expect(p.errors).toEqual([]);
    expect(passes.flatMap((p) => p.written.map((f) => `${f.level}:${f.minTXID}-${f.maxTXID}`)).sort()).toContain('1:1-35');

    await history.writeL0(client, 36, 50);
    const later2 = new Date(later.getTime() + 86_400_000);
    await Promise.all([runMaintenance(client, settings(dir), later2), runMaintenance(client, settings(dir), later2)]);
    const report = await verifyReplica(client, { full: true, tmpDir: dir });
    expect(report.problems).toEqual([]);
    expect(report.ok).toBe(true);
    expect(report.restore?.txid).toBe(50);
    expect((await listLevel(client, 9)).map((f) => f.maxTXID)).toContain(50);
    const out = join(dir, 'restored.db');
    await restoreDatabase(client, { outputPath: out });
    expect((await readFile(out)).equals(history.state(50).bytes)).toBe(true);
  });

  it('does not compact a level twice in one window (real clock)', async () => {
    const dir = await tempDir('compact-s3-window');
    const history = await makeHistory(dir, 10, { seed: 3 });
    const client = new S3ReplicaClient(s3.s3Options(await s3.createBucket(), ''));
    await history.writeL0(client);
    const s = { ...settings(dir), levels: [3_600_000] };
    const first = await compactLevel(client, 1, s, new Date(Date.now() + 3_600_000));
    expect(first.status).toBe('written');
    // The L1 file was just written: within the current hour window the level is not due again.
    const second = await compactLevel(client, 1, s, new Date());
    expect(second.status).toBe('not-due');
  });

  it('writes nothing when a remote input is corrupt', async () => {
    const dir = await tempDir('compact-s3-corrupt');
    const history = await makeHistory(dir, 6, { seed: 12 });
    const client = new S3ReplicaClient(s3.s3Options(await s3.createBucket(), 'c'));
    await history.writeL0(client);
    const bad = Buffer.from(history.state(5).l0);
    bad[bad.length - 20] ^= 0x10;
    await client.writeLtxFile({ level: 0, minTXID: 5, maxTXID: 5 }, bad, history.state(5).timestamp);
    await expect(compactLevel(client, 1, settings(dir), new Date(Date.now() + 86_400_000))).rejects.toThrow(/0000000000000005-0000000000000005/);
    expect(await listLevel(client, 1)).toEqual([]);
  });

  it('spools remote inputs and merges in batches to the same bytes as a file replica merge', async () => {
    const dir = await tempDir('compact-s3-batch');
    const history = await makeHistory(dir, 20, { seed: 11 });
    const client = new S3ReplicaClient(s3.s3Options(await s3.createBucket(), 'x'));
    await history.writeL0(client);
    const l0 = await listLevel(client, 0);
    const oneShot = await mergeFilesToReplica(client, l0, 1, { tmpDir: dir });
    const batched = await mergeFilesToReplica(client, l0, 2, { tmpDir: dir, fanIn: 4 });
    const a = await readReplicaFile(client, oneShot.file);
    const b = await readReplicaFile(client, batched.file);
    expect(a.length).toBeGreaterThan(100);
    expect(a.equals(b)).toBe(true);
  });
});
