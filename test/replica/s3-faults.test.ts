// The S3 client through a proxy failing 20% of requests (500, 503 SlowDown, resets): everything still byte-exact.
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LtxFileRef } from '../../core/replica/client.ts';
import { formatLtxFileName } from '../../core/layout/names.ts';
import { S3ReplicaClient } from '../../core/replica/s3.ts';
import { startFaultProxy } from '../harness/fault-proxy.ts';
import type { FaultProxy } from '../harness/fault-proxy.ts';
import { startLocalS3 } from '../harness/local-s3.ts';
import type { LocalS3 } from '../harness/local-s3.ts';
import { collect, ltxBody, randomBytesSeeded, readAll, sha256 } from './contract.ts';

const MiB = 1024 * 1024;
let local: LocalS3;
let proxy: FaultProxy;
let client: S3ReplicaClient;
let bucket: string;

beforeAll(async () => {
  local = await startLocalS3();
  proxy = await startFaultProxy(local.endpoint, { probability: 0.2, seed: 20261126 });
  bucket = await local.createBucket();
  client = new S3ReplicaClient(local.s3Options(bucket, 'db', { endpoint: proxy.url, concurrency: 3 }));
});
afterAll(async () => {
  await client?.close();
  await proxy?.stop();
  await local?.stop();
});

describe('retries like Litestream', () => {
  it('retries a bare HTTP 408 from a proxy', async () => {
    const p408 = await startFaultProxy(local.endpoint, { everyNth: 2, kinds: ['http-408'] });
    const c = new S3ReplicaClient(local.s3Options(bucket, 'r408', { endpoint: p408.url }));
    try {
      for (let t = 1; t <= 3; t++) await c.writeLtxFile({ level: 0, minTXID: t, maxTXID: t }, ltxBody(Buffer.from([t])));
      expect((await collect(c.listLtxFiles(0))).map((f) => f.minTXID)).toEqual([1, 2, 3]);
      expect(p408.stats.faults['http-408']).toBeGreaterThanOrEqual(2);
    } finally {
      await c.close();
      await p408.stop();
    }
  });
});

describe('through a 20% fault proxy', () => {
  it('writes, reads, range-reads and stats small files byte-exact', async () => {
    const when = new Date('2026-11-26T03:00:00.25Z');
    const bodies = Array.from({ length: 12 }, (_, i) => ltxBody(randomBytesSeeded(1900 + i * 37, i + 1), when));
    for (let i = 0; i < bodies.length; i++) await client.writeLtxFile({ level: 0, minTXID: i + 1, maxTXID: i + 1 }, bodies[i]);
    for (let i = 0; i < bodies.length; i++) {
      const ref = { level: 0, minTXID: i + 1, maxTXID: i + 1 };
      expect(sha256(await readAll(await client.openLtxFile(ref)))).toBe(sha256(bodies[i]));
      expect(await readAll(await client.openLtxFile(ref, { offset: 100, length: 50 }))).toEqual(bodies[i].subarray(100, 150));
      expect(await client.statLtxFile(ref)).toEqual({ size: bodies[i].length, timestamp: when });
    }
    expect((await collect(client.listLtxFiles(0))).map((f) => f.minTXID)).toEqual(bodies.map((_, i) => i + 1));
    const s = proxy.stats.faults;
    expect(s['internal-error'] + s['slow-down'] + s.reset).toBeGreaterThan(5);
  });

  it('lists over 1000 keys and batch-deletes them', async () => {
    const refs: LtxFileRef[] = Array.from({ length: 1050 }, (_, i) => ({ level: 1, minTXID: i + 1, maxTXID: i + 1 }));
    let next = 0;
    // Seeded straight into the local S3: only the listing and the deletes go through the faults.
    await Promise.all(Array.from({ length: 16 }, async () => {
      while (next < refs.length) {
        const r = refs[next++];
        await local.client().send(new PutObjectCommand({ Bucket: bucket, Key: `db/0001/${formatLtxFileName(r.minTXID, r.maxTXID)}`, Body: 'q' }));
      }
    }));
    const before = proxy.stats.requests;
    expect((await collect(client.listLtxFiles(1))).map((f) => f.minTXID)).toEqual(refs.map((r) => r.minTXID));
    await client.deleteLtxFiles(refs.slice(0, 1040));
    expect((await collect(client.listLtxFiles(1))).map((f) => f.minTXID)).toEqual(refs.slice(1040).map((r) => r.minTXID));
    expect(proxy.stats.requests - before).toBeGreaterThanOrEqual(5);
  });

  it('uploads 40 MiB in 5 MiB parts byte-exact', async () => {
    const data = ltxBody(randomBytes(40 * MiB - 100));
    const ref = { level: 9, minTXID: 1, maxTXID: 1050 };
    const faultsBefore = Object.values(proxy.stats.faults).reduce((a, b) => a + b, 0);
    await client.writeLtxFile(ref, data);
    expect(sha256(await readAll(await client.openLtxFile(ref)))).toBe(sha256(data));
    const faultsAfter = Object.values(proxy.stats.faults).reduce((a, b) => a + b, 0);
    expect(faultsAfter).toBeGreaterThan(faultsBefore);
  });
});
