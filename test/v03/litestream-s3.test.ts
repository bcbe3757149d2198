// A real Litestream v0.3.13 backup in S3 (fauxqs, single PUTs only), restored through the S3 replica client.
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { S3ReplicaClient } from '../../core/replica/s3.ts';
import { listV03, restoreV03IfChosen } from '../../core/v03/index.ts';
import { startLocalS3, type LocalS3 } from '../harness/local-s3.ts';
import { makeTempDir, removeTempDir } from '../harness/tmp.ts';
import { createSourceDb, LitestreamProcess, litestreamMissing, litestreamRestore, runWriter, writeConfig, type Commit } from './litestream-v03.ts';
import { ExpectedStates, inspect } from './workload.ts';

const missing = litestreamMissing();

let s3: LocalS3;
let dir: string;
let dbPath: string;
let config: string;
let client: S3ReplicaClient;
let commits: Commit[];

/** Waits until Litestream has logged no new upload for `quietMs`. */
async function waitForUploadsQuiet(litestream: LitestreamProcess, quietMs: number): Promise<void> {
  let seen = litestream.log.length;
  let since = Date.now();
  while (Date.now() - since < quietMs) {
    await sleep(50);
    if (litestream.log.length !== seen) {
      seen = litestream.log.length;
      since = Date.now();
    }
  }
}

describe.skipIf(missing !== undefined)('a real Litestream v0.3.13 backup in S3', () => {
  beforeAll(async () => {
    s3 = await startLocalS3();
    const bucket = await s3.createBucket();
    dir = await makeTempDir('v03-s3');
    dbPath = join(dir, 'db.sqlite');
    config = join(dir, 'litestream.yml');
    createSourceDb(dbPath);
    // The database stays far below the 5 MiB multipart threshold: fauxqs mis-parses Go's quoted multipart ETags.
    await writeConfig(config, dbPath, {
      type: 's3',
      bucket,
      path: 'db',
      endpoint: s3.endpoint,
      region: 'us-east-1',
      'access-key-id': s3.credentials.accessKeyId,
      'secret-access-key': s3.credentials.secretAccessKey,
      'force-path-style': 'true',
    });
    const litestream = new LitestreamProcess(config);
    await litestream.waitForLog(/new generation/);
    commits = await runWriter(dbPath, 1, { count: 45, intervalMs: 15, pauseEvery: 15, pauseMs: 250 });
    await waitForUploadsQuiet(litestream, 500);
    await litestream.stop();
    client = new S3ReplicaClient(s3.s3Options(bucket, 'db'));
  });

  afterAll(async () => {
    await client?.close();
    await s3?.stop();
    if (dir) await removeTempDir(dir);
  });

  it('lists the generation through the S3 client and restores the latest state', async () => {
    const listing = await listV03(client);
    expect(listing.generations).toHaveLength(1);
    expect(listing.generations[0].segments.length).toBeGreaterThanOrEqual(5);
    const out = join(dir, 'latest.db');
    const outcome = await restoreV03IfChosen(client, { outputPath: out, integrityCheck: 'full' });
    expect(outcome?.text).toContain('the replica holds only Litestream v0.3 backups');
    expect(inspect(out)).toEqual(inspect(dbPath));
    console.log(`s3: ${listing.generations[0].snapshots.length} snapshot(s), ${listing.generations[0].segments.length} segment(s); ${outcome?.text.trim()}`);
  });

  it('restores a time inside the backup as Litestream v0.3.13 restores it from the same bucket', async () => {
    const expected = new ExpectedStates();
    try {
      const T = new Date(commits[Math.floor(commits.length / 2)].end + 1);
      const ours = join(dir, 'ts.db');
      await restoreV03IfChosen(client, { outputPath: ours, timestamp: T });
      const got = inspect(ours);
      expect(got.digest).toBe(expected.digestAt(got.seq));
      const theirs = join(dir, 'ts-litestream.db');
      const r = await litestreamRestore(['-config', config, '-o', theirs, '-timestamp', T.toISOString(), dbPath]);
      expect(r.code, r.log).toBe(0);
      expect(inspect(theirs)).toEqual(got);
    } finally {
      expected.close();
    }
  });
});
