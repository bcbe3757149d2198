// Scheduled handlers (sweep, retention, verify) on EventBridge event shapes against fauxqs, with discovery of paths.
import { GetObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { listLevel } from '../../core/listing/listing.ts';
import { S3ReplicaClient } from '../../core/replica/s3.ts';
import { verifyReplica } from '../../core/verify/index.ts';
import { createMaintainHandler } from '../../functions/maintain/handler.ts';
import { createRetentionHandler } from '../../functions/retention/handler.ts';
import { discoverDbPaths } from '../../functions/shared/db-paths.ts';
import { createVerifyHandler } from '../../functions/verify/handler.ts';
import type { LocalS3 } from '../harness/local-s3.ts';
import { useTempDirs } from '../harness/tmp.ts';
import { makeHistory, scheduledEvent, testObservability, writeL0 } from './fixtures.ts';
import { startLambdaLocalS3, stopLambdaLocalS3 } from '../harness/lambda-env.ts';

const tempDir = useTempDirs();
let s3: LocalS3;
const DAY = 86_400_000;

beforeAll(async () => {
  s3 = await startLambdaLocalS3();
});
afterAll(async () => {
  await stopLambdaLocalS3(s3);
});

function env(bucket: string, extra: Record<string, string> = {}): Record<string, string> {
  return { S3_ENDPOINT: s3.endpoint, AWS_REGION: 'us-east-1', BUCKET_NAME: bucket, LEVELS: '30s', SNAPSHOT_INTERVAL: '1h', SNAPSHOT_RETENTION: '1h', L0_RETENTION: '1m', ...extra };
}

/** Two databases (one nested, one at the bucket root) with L0 files only, plus a restored copy that is not a replica. */
async function seedBucket(): Promise<{ bucket: string; nested: S3ReplicaClient; root: S3ReplicaClient }> {
  const dir = await tempDir('fn-scheduled');
  const history = await makeHistory(dir, 8, 5);
  const bucket = await s3.createBucket();
  const nested = new S3ReplicaClient(s3.s3Options(bucket, 'tenant/a/app.db'));
  const root = new S3ReplicaClient(s3.s3Options(bucket, ''));
  await writeL0(nested, history, 1, 8);
  await writeL0(root, history, 1, 5);
  await s3.client().send(new PutObjectCommand({ Bucket: bucket, Key: 'restores/tenant/a/app.db/0000000000000008.db', Body: history.states[7] }));
  return { bucket, nested, root };
}

describe('scheduled handlers', () => {
  it('discovers database paths by listing with a delimiter, skipping restores/', async () => {
    const { root } = await seedBucket();
    expect(await discoverDbPaths(root, { skip: ['restores/'] })).toEqual(['', 'tenant/a/app.db']);
  });

  it('sweep compacts the tail of every database; retention then deletes old L0 files, unless disabled', async () => {
    const { bucket, nested, root } = await seedBucket();
    const later = Date.now() + DAY;
    const sweep = createMaintainHandler({ env: env(bucket, { RETENTION_ENABLED: 'false' }), observability: testObservability(), now: () => new Date(later) });
    const swept = await sweep(scheduledEvent('sweep'));
    expect(swept.map((r) => [r.path, r.error])).toEqual([['', undefined], ['tenant/a/app.db', undefined]]);
    expect((await listLevel(nested, 1)).map((f) => f.maxTXID)).toEqual([8]);
    // The first image promoted by copy (TXID 1), then the snapshot the sweep merged.
    expect((await listLevel(root, 9)).map((f) => f.maxTXID)).toEqual([1, 5]);
    expect(await listLevel(nested, 0)).toHaveLength(8);

    const disabled = createRetentionHandler({ env: env(bucket, { RETENTION_ENABLED: 'false' }), observability: testObservability(), now: () => new Date(later) });
    const none = await disabled(scheduledEvent('retention'));
    expect(none.flatMap((r) => r.result?.deleted ?? [])).toEqual([]);
    expect(none[0].result?.notes.join(' ')).toMatch(/disabled/);
    expect(await listLevel(nested, 0)).toHaveLength(8);

    const retention = createRetentionHandler({ env: env(bucket, { DB_PATHS: 'tenant/a/app.db' }), observability: testObservability(), now: () => new Date(later) });
    const results = await retention(scheduledEvent('retention'));
    expect(results.map((r) => r.path)).toEqual(['tenant/a/app.db']);
    // The newest L0 file stays: it marks where the next compaction continues.
    expect((await listLevel(nested, 0)).map((f) => f.maxTXID)).toEqual([8]);
    // Seven L0 files, and the first image promoted to L9, now older than the snapshot retention and superseded.
    expect(results[0].result?.deleted.map((f) => f.level)).toEqual([0, 0, 0, 0, 0, 0, 0, 9]);
    expect((await listLevel(nested, 9)).map((f) => f.maxTXID)).toEqual([8]);
    expect(await listLevel(root, 0)).toHaveLength(5);
    expect((await verifyReplica(nested)).ok).toBe(true);
  });

  it('verify reports bounded metrics (a database dimension only with problems) and logs each problem by key', async () => {
    const { bucket, nested } = await seedBucket();
    const key = 'tenant/a/app.db/0000/0000000000000003-0000000000000003.ltx';
    const object = await s3.client().send(new GetObjectCommand({ Bucket: bucket, Key: key }));
    const original = Buffer.from((await object.Body?.transformToByteArray()) ?? []);
    original[original.length - 30] ^= 0x55;
    await s3.client().send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: original }));

    // POWERTOOLS_DEV turns metrics off unless this says otherwise; they then go to console.log as EMF JSON.
    vi.stubEnv('POWERTOOLS_METRICS_DISABLED', 'false');
    const log = vi.spyOn(console, 'log').mockImplementation(() => undefined);
    const error = vi.spyOn(console, 'error').mockImplementation(() => undefined);
    let results;
    let logged: unknown[][] = [];
    let errors: unknown[][] = [];
    try {
      results = await createVerifyHandler({ env: env(bucket), observability: testObservability('WARN') })(scheduledEvent('verify'));
      logged = [...log.mock.calls];
      errors = [...error.mock.calls];
    } finally {
      log.mockRestore();
      error.mockRestore();
      vi.stubEnv('POWERTOOLS_METRICS_DISABLED', 'true');
    }
    const byPath = new Map(results.map((r) => [r.path, r.result]));
    expect(byPath.get('')?.ok).toBe(true);
    expect(byPath.get('tenant/a/app.db')?.ok).toBe(false);
    expect(byPath.get('tenant/a/app.db')?.problems.some((p) => p.kind === 'checksum' && p.key?.endsWith(key))).toBe(true);

    const emf = logged.map((c) => JSON.parse(String(c[0])) as Record<string, unknown>).filter((m) => '_aws' in m);
    // Bounded: the total without a database, and a per-database value only for the database with problems.
    expect(emf.find((m) => m.Database === undefined && 'VerifyProblems' in m)?.VerifyProblems).toBeGreaterThanOrEqual(1);
    expect(emf.find((m) => m.Database === 'tenant/a/app.db')?.VerifyProblems).toBeGreaterThanOrEqual(1);
    expect(emf.filter((m) => m.Database === '')).toHaveLength(0);
    expect(emf.every((m) => m.service === 'streambed-test')).toBe(true);
    expect(errors.map((c) => String(c[0])).some((line) => line.includes('verify problem') && line.includes(key))).toBe(true);
    expect(nested.location).toBe(`s3://${bucket}/tenant/a/app.db`);
  });
});
