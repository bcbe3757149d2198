// `demo --s3` starts fauxqs (an optional dependency) itself on 127.0.0.1, and without it is a usage error saying what to do.
import { describe, expect, it } from 'vitest';
import { exitCodeOf } from '../../core/errors.ts';
import { openReplicaClient } from '../../core/replica/open.ts';
import { MISSING_EMULATOR, startDemoS3 } from '../../agent/demo-s3.ts';

describe('demo --s3', () => {
  it('names fauxqs and the ways out when it cannot be resolved', async () => {
    const missing = (specifier: string): string => {
      throw Object.assign(new Error(`Cannot find package '${specifier}'`), { code: 'ERR_MODULE_NOT_FOUND' });
    };
    const err = await startDemoS3(missing).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(Error);
    expect((err as Error).message).toBe(MISSING_EMULATOR);
    expect(MISSING_EMULATOR).toContain('install fauxqs');
    expect(MISSING_EMULATOR).toContain('without --s3');
    expect(exitCodeOf(err)).toBe(2);
  });

  it('serves a bucket on 127.0.0.1 that a replica client can use, without the test harness', async () => {
    const s3 = await startDemoS3();
    try {
      const options = await s3.replica('streambed-demo-test', 'app.db');
      expect(options.endpoint).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      const client = openReplicaClient(options);
      const files = [];
      for await (const f of client.listLtxFiles(0)) files.push(f);
      expect(files).toEqual([]);
    } finally {
      await s3.stop();
    }
  });
});
