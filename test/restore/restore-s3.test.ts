// restoreDatabase against fauxqs (real S3 protocol): latest, -txid, -timestamp from metadata, corrupt objects, ranged GETs.
import { GetObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { existsSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checksumDatabaseFile } from '../../core/ltx/database.ts';
import { encodeLtx } from '../../core/ltx/encoder.ts';
import { newHeader } from '../../core/ltx/header.ts';
import { s3LtxKey } from '../../core/layout/names.ts';
import type { LtxFileRef } from '../../core/replica/client.ts';
import { S3ReplicaClient } from '../../core/replica/s3.ts';
import { IntegrityCheckError, UnusableFilesError } from '../../core/restore/errors.ts';
import { restoreDatabase } from '../../core/restore/restore.ts';
import { startFaultProxy } from '../harness/fault-proxy.ts';
import { type LocalS3, startLocalS3 } from '../harness/local-s3.ts';
import { makeTempDir, removeTempDir, useTempDirs } from '../harness/tmp.ts';
import type { ReplicaBuilder } from './replica-builder.ts';
import { buildSampleReplica } from './workload.ts';

const tempDir = useTempDirs();
let s3: LocalS3;
let sourceDir: string;
let bucket: string;
let builder: ReplicaBuilder;
const PATH = 'dbs/app.db';

beforeAll(async () => {
  s3 = await startLocalS3();
  bucket = await s3.createBucket();
  sourceDir = await makeTempDir('restore-s3-src');
  builder = await buildSampleReplica(new S3ReplicaClient(s3.s3Options(bucket, PATH)), sourceDir, 10);
  await builder.compact(1, 1, 5);
  await builder.compact(1, 6, 10);
  await builder.compact(2, 1, 10, 1);
  await builder.snapshot(3);
});
afterAll(async () => {
  await s3?.stop();
  if (sourceDir) await removeTempDir(sourceDir);
});

async function expectSame(path: string, txid: number): Promise<void> {
  expect(await checksumDatabaseFile(path)).toBe(builder.shadows[txid - 1].checksum);
}

/** Copies every object of the replica into a fresh bucket so a test can damage its own. */
async function copyBucket(): Promise<{ client: S3ReplicaClient; target: string }> {
  const target = await s3.createBucket();
  const from = new S3ReplicaClient(s3.s3Options(bucket, PATH));
  for (let level = 0; level <= 9; level++) {
    for await (const f of from.listLtxFiles(level)) {
      const key = s3LtxKey(PATH, f);
      const obj = await s3.client().send(new GetObjectCommand({ Bucket: bucket, Key: key }));
      const body = await obj.Body!.transformToByteArray();
      await s3.client().send(new PutObjectCommand({ Bucket: target, Key: key, Body: body, Metadata: obj.Metadata }));
    }
  }
  return { client: new S3ReplicaClient(s3.s3Options(target, PATH)), target };
}

describe('restoreDatabase (S3 via fauxqs)', () => {
  it('restores the latest state, also with tiny ranged chunks', async () => {
    const dir = await tempDir('out');
    const client = new S3ReplicaClient(s3.s3Options(bucket, PATH));
    const result = await restoreDatabase(client, { outputPath: join(dir, 'a.db') });
    expect(result.txid).toBe(10);
    expect(result.files.map((f) => `${f.level}:${f.minTXID}-${f.maxTXID}`)).toEqual(['2:1-10']) // L2 1-10 covers the L9 1-3 snapshot: fetched once;
    await expectSame(join(dir, 'a.db'), 10);
    const chunked = await restoreDatabase(client, { outputPath: join(dir, 'b.db'), chunkSize: 1000, maxBufferedBytes: 4000, parallelism: 4 });
    expect(chunked.bytes).toBe(result.bytes);
    await expectSame(join(dir, 'b.db'), 10);
  });

  it('restores correctly through a proxy that fails every second request with a GET', async () => {
    const proxy = await startFaultProxy(s3.endpoint, { everyNth: 2, kinds: ['reset', 'internal-error'], eligible: (r) => r.method === 'GET' && !r.url.includes('list-type') });
    try {
      const client = new S3ReplicaClient(s3.s3Options(bucket, PATH, { endpoint: proxy.url }));
      const out = join(await tempDir('out'), 'db');
      const result = await restoreDatabase(client, { outputPath: out, chunkSize: 2048, parallelism: 4 });
      expect(result.skipped).toEqual([]);
      expect(Object.values(proxy.stats.faults).reduce((a, b) => a + b, 0)).toBeGreaterThan(1);
      await expectSame(out, 10);
    } finally {
      await proxy.stop();
    }
  });

  it('restores at a TXID and at a timestamp read from object metadata', async () => {
    const dir = await tempDir('out');
    const client = new S3ReplicaClient(s3.s3Options(bucket, PATH));
    await restoreDatabase(client, { outputPath: join(dir, 'txid.db'), txid: 7 });
    await expectSame(join(dir, 'txid.db'), 7);
    // LastModified is "now"; only the litestream-timestamp metadata places these files in January 2026.
    const result = await restoreDatabase(client, { outputPath: join(dir, 'ts.db'), timestamp: new Date(builder.shadows[5].timestamp.getTime() + 500) });
    expect(result.txid).toBe(6);
    await expectSame(join(dir, 'ts.db'), 6);
  });

  it('routes around a corrupt object and names it when nothing else covers it', async () => {
    const { client, target } = await copyBucket();
    const l2: LtxFileRef = { level: 2, minTXID: 1, maxTXID: 10 };
    const original = await (await s3.client().send(new GetObjectCommand({ Bucket: target, Key: s3LtxKey(PATH, l2) }))).Body!.transformToByteArray();
    const bad = Uint8Array.from(original);
    bad[Math.floor(bad.length / 2)] ^= 0xff;
    await s3.client().send(new PutObjectCommand({ Bucket: target, Key: s3LtxKey(PATH, l2), Body: bad }));
    const dir = await tempDir('out');
    const result = await restoreDatabase(client, { outputPath: join(dir, 'db') });
    expect(result.skipped.map((s) => s.file.level)).toEqual([2]);
    expect(result.files.map((f) => `${f.level}:${f.minTXID}-${f.maxTXID}`)).toEqual(['1:1-5', '1:6-10']);
    await expectSame(join(dir, 'db'), 10);

    await s3.client().send(new PutObjectCommand({ Bucket: target, Key: s3LtxKey(PATH, { level: 1, minTXID: 6, maxTXID: 10 }), Body: bad.subarray(0, 150) }));
    await s3.client().send(new PutObjectCommand({ Bucket: target, Key: s3LtxKey(PATH, { level: 0, minTXID: 8, maxTXID: 8 }), Body: bad }));
    const error = await restoreDatabase(client, { outputPath: join(dir, 'db2') }).catch((err: unknown) => err);
    expect(error).toBeInstanceOf(UnusableFilesError);
    const unusable = error as UnusableFilesError;
    expect(unusable.files.map((f) => f.key)).toEqual([
      // in the order found: the truncated L1 is listed smallest, so the cheapest plan tries it first
      `s3://${target}/${PATH}/0001/0000000000000006-000000000000000a.ltx`,
      `s3://${target}/${PATH}/0002/0000000000000001-000000000000000a.ltx`,
      `s3://${target}/${PATH}/0000/0000000000000008-0000000000000008.ltx`,
    ]);
    expect(unusable).toMatchObject({ target: 10, restorable: 7 });
    expect(unusable.message).toContain('the newest TXID that can be restored is 0000000000000007');
    expect(unusable.message).toContain('-txid 0000000000000007');
    expect(existsSync(join(dir, 'db2'))).toBe(false);
    expect((await readdir(dir)).sort()).toEqual(['db']);
  });

  it('leaves no output when the restored database fails the integrity check', async () => {
    const target = await s3.createBucket();
    const client = new S3ReplicaClient(s3.s3Options(target, 'garbage'));
    const page = new Uint8Array(4096).fill(7);
    const header = newHeader({ pageSize: 4096, commit: 2, minTXID: 1, maxTXID: 1, timestamp: Date.now() });
    await client.writeLtxFile({ level: 0, minTXID: 1, maxTXID: 1 }, encodeLtx(header, [{ pgno: 1, data: page }, { pgno: 2, data: page }]));
    const dir = await tempDir('out');
    await expect(restoreDatabase(client, { outputPath: join(dir, 'db') })).rejects.toBeInstanceOf(IntegrityCheckError);
    expect(await readdir(dir)).toEqual([]);
    const unchecked = await restoreDatabase(client, { outputPath: join(dir, 'db'), integrityCheck: 'none' });
    expect(unchecked.commit).toBe(2);
    expect((await readFile(join(dir, 'db'))).length).toBe(8192);
  });
});
