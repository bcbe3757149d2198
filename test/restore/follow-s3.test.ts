// `streambed restore -f` from an S3 replica (local emulator behind a metering proxy): follows, and an idle poll is one LIST.
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { S3ReplicaClient } from '../../core/replica/s3.ts';
import { diffCounts, startMeteringProxy, type MeteringProxy } from '../harness/counting-proxy.ts';
import { type LocalS3, startLocalS3 } from '../harness/local-s3.ts';
import { useTempDirs } from '../harness/tmp.ts';
import { rowsIn, startProc, waitFor } from './follow/processes.ts';
import { digest, source } from './follow/source.ts';

const STREAMBED = new URL('../../bin/streambed.mjs', import.meta.url).pathname;
const tempDir = useTempDirs();
let s3: LocalS3;
let proxy: MeteringProxy;

beforeAll(async () => {
  s3 = await startLocalS3();
  proxy = await startMeteringProxy(s3.endpoint);
});
afterAll(async () => {
  await proxy?.stop();
  await s3?.stop();
});

describe('restore -f from S3', () => {
  it('applies new files as they arrive and lists only L0, once per interval, while idle', async () => {
    const dir = await tempDir('follow-s3');
    const bucket = await s3.createBucket();
    const s = source(dir, new S3ReplicaClient(s3.s3Options(bucket, 'db')));
    try {
      for (let id = 1; id <= 3; id++) await s.step(id);
      const url = `s3://${bucket}/db?endpoint=${proxy.url}&region=us-east-1`;
      const follower = startProc([STREAMBED, 'restore', '-f', '-follow-interval', '100ms', '-o', s.copy, url], {
        AWS_ACCESS_KEY_ID: s3.credentials.accessKeyId, AWS_SECRET_ACCESS_KEY: s3.credentials.secretAccessKey,
      });
      await waitFor(() => /following/.test(follower.stderr()), 30_000, `the follower to restore (stderr: ${follower.stderr()})`);
      for (let id = 4; id <= 10; id++) await s.step(id);
      await waitFor(() => rowsIn(s.copy) === 10, 30_000, 'the copy to reach 10 rows');

      const before = proxy.snapshot();
      const started = Date.now();
      await new Promise((r) => setTimeout(r, 1000));
      const idle = diffCounts(proxy.snapshot(), before);
      const polls = Math.ceil((Date.now() - started) / 100) + 1;
      expect({ ...idle.requests, LIST: 0 }).toEqual({ LIST: 0, GET: 0, HEAD: 0, PUT: 0, COPY: 0, POST: 0, DELETE: 0, OTHER: 0 });
      expect(idle.requests.LIST).toBeGreaterThan(0);
      expect(idle.requests.LIST).toBeLessThanOrEqual(polls);

      follower.child.kill('SIGINT');
      expect(await follower.exited, follower.stderr()).toBe(0);
      expect(digest(s.copy)).toEqual(digest(s.src));
    } finally {
      s.close();
    }
  });
});
