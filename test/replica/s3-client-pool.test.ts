// Replica clients of one bucket share one SDK client; each keeps its own close, retry notices and request cap.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { sharedS3Clients } from '../../core/replica/s3-client-pool.ts';
import { S3ReplicaClient } from '../../core/replica/s3.ts';
import { startLocalS3, type LocalS3 } from '../harness/local-s3.ts';
import { startStallProxy, type StallProxy } from '../harness/stall-proxy.ts';
import { collect, ltxBody } from './contract.ts';

let s3: LocalS3;
let bucket: string;
const clients: S3ReplicaClient[] = [];
const proxies: StallProxy[] = [];

beforeAll(async () => {
  s3 = await startLocalS3();
  bucket = await s3.createBucket();
});
afterEach(async () => {
  for (const c of clients.splice(0)) await c.close();
  for (const p of proxies.splice(0)) await p.stop();
});
afterAll(async () => {
  await s3?.stop();
});

function open(path: string, extra: Record<string, unknown> = {}): S3ReplicaClient {
  const c = new S3ReplicaClient(s3.s3Options(bucket, path, extra));
  clients.push(c);
  return c;
}

const ref = { level: 0, minTXID: 1, maxTXID: 1 };

describe('shared S3 SDK clients', () => {
  it('gives replica clients of one bucket and credentials one SDK client, and closing one leaves the other working', async () => {
    const before = sharedS3Clients.size;
    const a = open('tenant-a.db');
    const b = open('tenant-b.db');
    expect(sharedS3Clients.size).toBe(before + 1);
    const other = open('tenant-c.db', { accessKeyId: 'someone-else', secretAccessKey: 'another-secret' });
    expect(sharedS3Clients.size).toBe(before + 2);
    await other.close();
    expect(sharedS3Clients.size).toBe(before + 1);

    await a.writeLtxFile(ref, ltxBody(Buffer.from('a')));
    await a.close();
    expect(sharedS3Clients.size).toBe(before + 1);
    await b.writeLtxFile(ref, ltxBody(Buffer.from('b')));
    expect((await collect(b.listLtxFiles(0))).map((f) => f.maxTXID)).toEqual([1]);
    await b.close();
    expect(sharedS3Clients.size).toBe(before);
  });

  it('holds each replica client to its own request cap', async () => {
    const a = open('capped.db');
    const b = open('uncapped.db');
    let taken = 0;
    a.throttle(async () => {
      taken += 1;
    });
    await b.writeLtxFile(ref, ltxBody(Buffer.from('b')));
    await collect(b.listLtxFiles(0));
    expect(taken).toBe(0);
    await a.writeLtxFile(ref, ltxBody(Buffer.from('a')));
    await collect(a.listLtxFiles(0));
    expect(taken).toBe(2);
  });

  it("close() aborts only that client's requests; the other's retry notices stay its own", async () => {
    const proxy = await startStallProxy(s3.endpoint, 'blackhole');
    proxies.push(proxy);
    const a = open('hung-a.db', { endpoint: proxy.url });
    const b = open('hung-b.db', { endpoint: proxy.url });
    let bSettled = false;
    const listA = collect(a.listLtxFiles(0)).then(() => undefined, (err: Error) => err);
    const listB = collect(b.listLtxFiles(0)).finally(() => {
      bSettled = true;
    });
    while (proxy.connections < 2) await new Promise((r) => setTimeout(r, 10));
    await a.close();
    const errA = await listA;
    expect(errA?.message).toMatch(/abort|closed/i);
    // b's request is untouched: still waiting on its first connection, not failed and retried on a new one (the
    // SDK's first retry comes within 100 ms, so 300 ms would show it).
    await new Promise((r) => setTimeout(r, 300));
    expect(bSettled).toBe(false);
    expect(b.lastRetriedError()).toBeUndefined();
    expect(proxy.connections).toBe(2);
    // The endpoint comes back and drops the hung connection: b's request is retried and succeeds.
    proxy.setMode('forward', { dropStalled: true });
    expect(await listB).toEqual([]);
    expect(b.lastRetriedError()?.reason).toMatch(/retrying/);
    expect(a.lastRetriedError()).toBeUndefined();
  });
});
