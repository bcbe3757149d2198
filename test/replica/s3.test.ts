// S3 replica client against a local S3 (fauxqs): contract, layout, metadata, pagination and batch deletes.
import { HeadObjectCommand, ListObjectsV2Command, PutObjectCommand } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NotFoundError } from '../../core/replica/client.ts';
import type { LtxFileRef } from '../../core/replica/client.ts';
import { openReplicaClient } from '../../core/replica/open.ts';
import { S3ReplicaClient } from '../../core/replica/s3.ts';
import { startLocalS3 } from '../harness/local-s3.ts';
import type { LocalS3 } from '../harness/local-s3.ts';
import { collect, ltxBody, readAll, replicaContract } from './contract.ts';
import { kindOf, recordRequests } from './s3-recorder.ts';
import { instrumentedS3Client, sdkOf } from './sdk-client.ts';

let local: LocalS3;
const clients: S3ReplicaClient[] = [];
beforeAll(async () => {
  local = await startLocalS3();
});
afterAll(async () => {
  for (const c of clients) await c.close();
  await local?.stop();
});

async function freshClient(path = 'db.sqlite', extra = {}): Promise<S3ReplicaClient> {
  const c = instrumentedS3Client(local.s3Options(await local.createBucket(), path, extra));
  clients.push(c);
  return c;
}

async function inParallel<T>(items: T[], limit: number, fn: (item: T) => Promise<unknown>): Promise<void> {
  let next = 0;
  await Promise.all(Array.from({ length: limit }, async () => {
    while (next < items.length) await fn(items[next++]);
  }));
}

describe('S3ReplicaClient contract', () => {
  replicaContract(() => freshClient());
});

describe('S3ReplicaClient layout and metadata', () => {
  it('writes Litestream keys (<path>/<%04x>/<name>), also for an empty path', async () => {
    const c = await freshClient('app/db.sqlite');
    await c.writeLtxFile({ level: 9, minTXID: 1, maxTXID: 200 }, ltxBody(Buffer.from('s')));
    const e = await freshClient('');
    await e.writeLtxFile({ level: 0, minTXID: 7, maxTXID: 7 }, ltxBody(Buffer.from('e')));
    const keys = async (b: string) => (await local.client().send(new ListObjectsV2Command({ Bucket: b }))).Contents?.map((o) => o.Key);
    expect(await keys(c.settings.bucket)).toEqual(['app/db.sqlite/0009/0000000000000001-00000000000000c8.ltx']);
    expect(await keys(e.settings.bucket)).toEqual(['/0000/0000000000000007-0000000000000007.ltx']);
    expect(c.location).toBe(`s3://${c.settings.bucket}/app/db.sqlite`);
    expect((await collect(e.listLtxFiles(0))).map((f) => f.minTXID)).toEqual([7]);
  });

  it('lists every level in one request, leaving out a database nested below the path and non-LTX keys', async () => {
    const c = await freshClient('tenants/a.db');
    const nested = instrumentedS3Client(local.s3Options(c.settings.bucket, 'tenants/a.db/b.db'));
    clients.push(nested);
    await c.writeLtxFile({ level: 0, minTXID: 3, maxTXID: 3 }, ltxBody(Buffer.from('0')));
    await c.writeLtxFile({ level: 2, minTXID: 1, maxTXID: 3 }, ltxBody(Buffer.from('2')));
    await c.writeLtxFile({ level: 9, minTXID: 1, maxTXID: 2 }, ltxBody(Buffer.from('9')));
    await nested.writeLtxFile({ level: 0, minTXID: 1, maxTXID: 1 }, ltxBody(Buffer.from('n')));
    await local.client().send(new PutObjectCommand({ Bucket: c.settings.bucket, Key: 'tenants/a.db/.streambed-lease', Body: '{}' }));
    const log = recordRequests(sdkOf(c));
    const all = await collect(c.listAllLtxFiles());
    expect(all.map((f) => [f.level, f.minTXID, f.maxTXID]).sort()).toEqual([[0, 3, 3], [2, 1, 3], [9, 1, 2]]);
    expect(log.requests.map(kindOf)).toEqual(['ListObjectsV2']);
  });

  it('stores litestream-timestamp as RFC3339Nano and reads it back', async () => {
    const c = await freshClient();
    const ref = { level: 0, minTXID: 1, maxTXID: 1 };
    await c.writeLtxFile(ref, ltxBody(Buffer.from('x'), new Date('2026-11-26T02:01:16.120Z')));
    const key = 'db.sqlite/0000/0000000000000001-0000000000000001.ltx';
    const head = await local.client().send(new HeadObjectCommand({ Bucket: c.settings.bucket, Key: key }));
    expect(head.Metadata?.['litestream-timestamp']).toBe('2026-11-26T02:01:16.12Z');
    expect((await c.statLtxFile(ref)).timestamp.toISOString()).toBe('2026-11-26T02:01:16.120Z');
    await c.writeLtxFile(ref, ltxBody(Buffer.from('x'), new Date('2026-11-26T02:01:16.000Z')));
    const head2 = await local.client().send(new HeadObjectCommand({ Bucket: c.settings.bucket, Key: key }));
    expect(head2.Metadata?.['litestream-timestamp']).toBe('2026-11-26T02:01:16Z');
  });

  it('reads nanosecond timestamps written by Litestream', async () => {
    const c = await freshClient();
    await local.client().send(new PutObjectCommand({
      Bucket: c.settings.bucket,
      Key: 'db.sqlite/0001/0000000000000001-0000000000000004.ltx',
      Body: 'abc',
      Metadata: { 'litestream-timestamp': '2025-01-02T03:04:05.987654321Z' },
    }));
    const st = await c.statLtxFile({ level: 1, minTXID: 1, maxTXID: 4 });
    expect(st).toEqual({ size: 3, timestamp: new Date('2025-01-02T03:04:05.987Z') });
  });

  it('skips keys that do not parse and keys in deeper folders', async () => {
    const c = await freshClient();
    for (const key of ['db.sqlite/0000/0000000000000002-0000000000000002.ltx', 'db.sqlite/0000/notes.txt', 'db.sqlite/0000/x/0000000000000003-0000000000000003.ltx', 'db.sqlite/0000/0000000000000004-0000000000000004.ltx.tmp']) {
      await local.client().send(new PutObjectCommand({ Bucket: c.settings.bucket, Key: key, Body: 'a' }));
    }
    expect((await collect(c.listLtxFiles(0))).map((f) => f.minTXID)).toEqual([2]);
  });

  it('maps a missing object to NotFoundError with the s3:// location', async () => {
    const c = await freshClient();
    const err = await c.openLtxFile({ level: 2, minTXID: 5, maxTXID: 6 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(NotFoundError);
    expect((err as Error).message).toContain(`s3://${c.settings.bucket}/db.sqlite/0002/0000000000000005-0000000000000006.ltx`);
    expect((err as Error).message).not.toContain(local.credentials.secretAccessKey);
  });

  it('leaves no object when the body stream fails, before or after multipart started', async () => {
    const c = await freshClient();
    for (const [ref, bytes] of [[{ level: 0, minTXID: 1, maxTXID: 1 }, 1000], [{ level: 9, minTXID: 1, maxTXID: 2 }, 6 * 1024 * 1024]] as const) {
      async function* failing(): AsyncGenerator<Uint8Array> {
        yield ltxBody(new Uint8Array(0));
        for (let sent = 0; sent < bytes; sent += 512 * 1024) yield new Uint8Array(Math.min(512 * 1024, bytes - sent));
        throw new Error('source dropped');
      }
      await expect(c.writeLtxFile(ref, failing())).rejects.toThrow(/upload s3:\/\/.*source dropped/);
      await expect(c.openLtxFile(ref)).rejects.toBeInstanceOf(NotFoundError);
    }
  });

  it('is what openReplicaClient returns for s3 options', async () => {
    const c = openReplicaClient(local.s3Options(await local.createBucket(), 'p'));
    expect(c).toBeInstanceOf(S3ReplicaClient);
    expect(c.type).toBe('s3');
    await c.close();
  });
});

describe('S3ReplicaClient at scale', () => {
  it('lists over 1000 keys across pages, honours minTXID, and batch-deletes over 1000 keys with Content-MD5', async () => {
    const c = await freshClient();
    const rec = recordRequests(sdkOf(c));
    const refs: LtxFileRef[] = Array.from({ length: 1105 }, (_, i) => ({ level: 0, minTXID: i + 1, maxTXID: i + 1 }));
    // Seeded with the plain client to keep the test quick; the listing and deletes go through the replica client.
    await inParallel(refs, 16, (r) =>
      local.client().send(new PutObjectCommand({ Bucket: c.settings.bucket, Key: `db.sqlite/0000/${(r.minTXID).toString(16).padStart(16, '0')}-${(r.maxTXID).toString(16).padStart(16, '0')}.ltx`, Body: 'z' })),
    );
    const listed = await collect(c.listLtxFiles(0));
    expect(listed.map((f) => f.minTXID)).toEqual(refs.map((r) => r.minTXID));
    expect(rec.requests.filter((r) => kindOf(r) === 'ListObjectsV2').length).toBe(2);

    const tail = await collect(c.listLtxFiles(0, { minTXID: 1100 }));
    expect(tail.map((f) => f.minTXID)).toEqual([1100, 1101, 1102, 1103, 1104, 1105]);
    const lastList = rec.requests.filter((r) => kindOf(r) === 'ListObjectsV2').at(-1);
    expect(lastList?.query['start-after']).toBe('db.sqlite/0000/000000000000044c-0000000000000000.ltx');

    await c.deleteLtxFiles(refs.slice(0, 1103));
    const deletes = rec.requests.filter((r) => kindOf(r) === 'DeleteObjects');
    expect(deletes.length).toBe(2);
    for (const d of deletes) expect(d.headers['content-md5']).toMatch(/^[A-Za-z0-9+/]{22}==$/);
    expect((await collect(c.listLtxFiles(0))).map((f) => f.minTXID)).toEqual([1104, 1105]);
    expect(await readAll(await c.openLtxFile(refs[1104]))).toEqual(Buffer.from('z'));
  });

  it('omits Content-MD5 when require-content-md5 is false', async () => {
    const c = await freshClient('db', { requireContentMD5: false });
    const rec = recordRequests(sdkOf(c));
    await c.deleteLtxFiles([{ level: 0, minTXID: 1, maxTXID: 1 }]);
    const del = rec.requests.find((r) => kindOf(r) === 'DeleteObjects');
    expect(del).toBeDefined();
    expect(del?.headers['content-md5']).toBeUndefined();
  });
});
