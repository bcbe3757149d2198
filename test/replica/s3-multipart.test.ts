// Multipart uploads through lib-storage: 40 MiB at 5 MiB parts, byte-exact, with the configured concurrency.
import { HeadObjectCommand } from '@aws-sdk/client-s3';
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { S3ReplicaClient } from '../../core/replica/s3.ts';
import { partSizeFor } from '../../core/replica/s3-config.ts';
import { startLocalS3 } from '../harness/local-s3.ts';
import type { LocalS3 } from '../harness/local-s3.ts';
import { ltxBody, readAll, sha256 } from './contract.ts';
import { kindOf, recordRequests } from './s3-recorder.ts';
import { instrumentedS3Client, sdkOf } from './sdk-client.ts';

const MiB = 1024 * 1024;
let local: LocalS3;
let data: Buffer;
const clients: S3ReplicaClient[] = [];
beforeAll(async () => {
  local = await startLocalS3();
  data = ltxBody(randomBytes(40 * MiB - 100), new Date('2026-01-01T00:00:00.5Z'));
});
afterAll(async () => {
  for (const c of clients) await c.close();
  await local?.stop();
});

async function client(concurrency: number): Promise<S3ReplicaClient> {
  const c = instrumentedS3Client(local.s3Options(await local.createBucket(), 'big.db', { partSize: 5 * MiB, concurrency }));
  clients.push(c);
  return c;
}

describe('multipart uploads', () => {
  for (const concurrency of [3, 10]) {
    it(`uploads 40 MiB in 8 parts of 5 MiB with concurrency ${concurrency}, byte-exact`, async () => {
      const c = await client(concurrency);
      const rec = recordRequests(sdkOf(c));
      const ref = { level: 9, minTXID: 1, maxTXID: 0x40 };
      const info = await c.writeLtxFile(ref, data);
      expect(info.size).toBe(40 * MiB);
      const parts = rec.requests.filter((r) => kindOf(r) === 'UploadPart');
      expect(parts.length).toBe(8);
      expect(rec.maxInFlight.UploadPart).toBeLessThanOrEqual(concurrency);
      expect(rec.maxInFlight.UploadPart).toBeGreaterThanOrEqual(2);
      expect(rec.requests.filter((r) => kindOf(r) === 'CompleteMultipartUpload').length).toBe(1);
      const head = await local.client().send(new HeadObjectCommand({ Bucket: c.settings.bucket, Key: 'big.db/0009/0000000000000001-0000000000000040.ltx' }));
      expect(head.ETag).toMatch(/-8"$/);
      expect(head.Metadata?.['litestream-timestamp']).toBe('2026-01-01T00:00:00.5Z');
      expect(sha256(await readAll(await c.openLtxFile(ref)))).toBe(sha256(data));
      const mid = await readAll(await c.openLtxFile(ref, { offset: 5 * MiB - 10, length: 20 }));
      expect(mid).toEqual(data.subarray(5 * MiB - 10, 5 * MiB + 10));
    });
  }

  it('streams a body of unknown length from a generator in parts', async () => {
    const c = await client(4);
    const rec = recordRequests(sdkOf(c));
    const size = 10 * MiB + 12345;
    async function* gen(): AsyncGenerator<Uint8Array> {
      for (let off = 0; off < size; off += 256 * 1024) yield data.subarray(off, Math.min(size, off + 256 * 1024));
    }
    const info = await c.writeLtxFile({ level: 1, minTXID: 1, maxTXID: 2 }, gen());
    expect(info.size).toBe(size);
    expect(rec.requests.filter((r) => kindOf(r) === 'UploadPart').length).toBe(3);
    expect(sha256(await readAll(await c.openLtxFile({ level: 1, minTXID: 1, maxTXID: 2 })))).toBe(sha256(data.subarray(0, size)));
  });

  it('raises the part size when an object would need more than 10,000 parts', () => {
    expect(partSizeFor({ partSize: 5 * MiB }, 40 * MiB)).toBe(5 * MiB);
    expect(partSizeFor({ partSize: 5 * MiB }, 100 * 1024 * MiB)).toBe(Math.ceil((100 * 1024 * MiB) / 10_000));
    expect(partSizeFor({ partSize: 5 * MiB })).toBe(5 * MiB);
  });
});
