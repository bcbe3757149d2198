// Checks the shared test harness itself: local S3 bound to loopback, S3 events, fault proxy, temp dirs.
import { GetObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFaultProxy } from './fault-proxy.ts';
import { startLocalS3 } from './local-s3.ts';
import type { LocalS3 } from './local-s3.ts';
import { decodeEventKey, s3PutEvent } from './s3-events.ts';
import { makeTempDir, removeTempDir, useTempDirs } from './tmp.ts';

let s3: LocalS3;
beforeAll(async () => {
  s3 = await startLocalS3();
});
afterAll(async () => {
  await s3?.stop();
});

describe('startLocalS3', () => {
  it('listens on 127.0.0.1 only', () => {
    expect(s3.address.address).toBe('127.0.0.1');
    expect(s3.address.port).toBe(s3.server.port);
    expect(s3.endpoint).toBe(`http://127.0.0.1:${s3.server.port}`);
    expect(s3.server.address).toContain('127.0.0.1');
  });

  it('stores and returns objects in a created bucket', async () => {
    const bucket = await s3.createBucket();
    await s3.client().send(new PutObjectCommand({ Bucket: bucket, Key: 'a/b.txt', Body: 'hello' }));
    const got = await s3.client().send(new GetObjectCommand({ Bucket: bucket, Key: 'a/b.txt' }));
    expect(await got.Body?.transformToString()).toBe('hello');
    expect(s3.s3Options(bucket, 'db')).toMatchObject({ type: 's3', bucket, path: 'db', endpoint: s3.endpoint, forcePathStyle: true });
  });

  it('builds an S3 put event from the spy', async () => {
    const bucket = await s3.createBucket();
    const key = 'db dir/0000/0000000000000001-0000000000000001.ltx';
    await s3.client().send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: new Uint8Array(123) }));
    const event = await s3.waitForPutEvent(bucket, key);
    expect(event.Records).toHaveLength(1);
    const rec = event.Records[0];
    expect(rec.eventSource).toBe('aws:s3');
    expect(rec.eventName).toBe('ObjectCreated:Put');
    expect(rec.s3.bucket.name).toBe(bucket);
    expect(rec.s3.bucket.arn).toBe(`arn:aws:s3:::${bucket}`);
    expect(rec.s3.object.size).toBe(123);
    expect(rec.s3.object.key).toBe('db+dir/0000/0000000000000001-0000000000000001.ltx');
    expect(decodeEventKey(rec.s3.object.key)).toBe(key);
    expect(rec.s3.object.eTag).toMatch(/^[0-9a-f]{32}$/);
    expect(s3PutEvent('b', 'k', 5).Records[0].s3.object.size).toBe(5);
  });
});

describe('startFaultProxy', () => {
  it('injects every kind of fault on every Nth request, repeatably, and forwards the rest', async () => {
    const proxy = await startFaultProxy(s3.endpoint, { everyNth: 2 });
    try {
      const statuses: string[] = [];
      for (let i = 0; i < 6; i++) {
        try {
          const res = await fetch(`${proxy.url}/`);
          statuses.push(String(res.status));
          await res.text();
        } catch {
          statuses.push('reset');
        }
      }
      expect(statuses).toEqual(['200', '500', '200', '503', '200', 'reset']);
      expect(proxy.stats.faults).toEqual({ 'internal-error': 1, 'slow-down': 1, reset: 1, 'http-408': 0 });
      expect(proxy.stats.forwarded).toBe(3);
    } finally {
      await proxy.stop();
    }
  });

  it('gives the same fault sequence for the same seed', async () => {
    const run = async (): Promise<string[]> => {
      const proxy = await startFaultProxy(s3.endpoint, { probability: 0.5, seed: 42, kinds: ['internal-error'] });
      try {
        const out: string[] = [];
        for (let i = 0; i < 12; i++) {
          const res = await fetch(`${proxy.url}/`);
          out.push(String(res.status));
          await res.text();
        }
        return out;
      } finally {
        await proxy.stop();
      }
    };
    const first = await run();
    expect(first).toContain('500');
    expect(first).toContain('200');
    expect(await run()).toEqual(first);
  });
});

describe('temp dirs', () => {
  const tempDir = useTempDirs();
  let seen = '';
  let fromHook = '';
  beforeAll(async () => {
    fromHook = await tempDir('hook');
  });
  it('keeps a directory made in beforeAll across tests', () => {
    expect(existsSync(fromHook)).toBe(true);
  });
  it('creates a directory', async () => {
    seen = await tempDir('harness');
    await writeFile(join(seen, 'x'), 'y');
    expect(existsSync(join(seen, 'x'))).toBe(true);
  });
  it('removed it after the previous test', () => {
    expect(seen).not.toBe('');
    expect(existsSync(seen)).toBe(false);
    expect(existsSync(fromHook)).toBe(true);
  });
  it('makeTempDir/removeTempDir work without hooks', async () => {
    const d = await makeTempDir('manual');
    expect(existsSync(d)).toBe(true);
    await removeTempDir(d);
    expect(existsSync(d)).toBe(false);
  });
});
