// Maintenance leases: one pass per database at a time with S3's conditional writes, duplicate work at worst without.
import { GetObjectCommand, HeadObjectCommand, PutObjectCommand, S3ServiceException } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { listLevel } from '../../core/listing/listing.ts';
import { S3ReplicaClient } from '../../core/replica/s3.ts';
import { createCompactHandler } from '../../functions/compact/handler.ts';
import { acquireLease } from '../../functions/shared/lease.ts';
import { leaseKey } from '../../functions/shared/lease-key.ts';
import type { LocalS3 } from '../harness/local-s3.ts';
import { s3PutEvent } from '../harness/s3-events.ts';
import { instrumentedS3Client, sdkOf } from '../replica/sdk-client.ts';
import { useTempDirs } from '../harness/tmp.ts';
import { makeHistory, sqsEvent, sqsRecord, testObservability, writeL0 } from './fixtures.ts';
import { startLambdaLocalS3, stopLambdaLocalS3 } from '../harness/lambda-env.ts';

const tempDir = useTempDirs();
let s3: LocalS3;

beforeAll(async () => {
  s3 = await startLambdaLocalS3();
});
const clients: S3ReplicaClient[] = [];
afterAll(async () => {
  for (const c of clients) await c.close();
  await stopLambdaLocalS3(s3);
});

/** A replica client of one database, the way the functions make it, with its SDK client reachable for middleware. */
function dbClient(bucket: string, path: string): S3ReplicaClient {
  const c = instrumentedS3Client(s3.s3Options(bucket, path));
  clients.push(c);
  return c;
}

/**
 * fauxqs ignores If-None-Match / If-Match (it overwrites), so this middleware answers them the way S3 does (412),
 * checking the object first. The emulator cannot produce this fault; everything else is the real store.
 */
function withConditionalWrites(client: S3ReplicaClient, beforePut?: () => Promise<void>): S3ReplicaClient {
  const checker = s3.client();
  sdkOf(client).middlewareStack.add(
    (next) => async (args) => {
      const input = args.input as { Bucket?: string; Key?: string; IfNoneMatch?: string; IfMatch?: string; Body?: unknown };
      if (input.IfNoneMatch !== undefined || input.IfMatch !== undefined) {
        await beforePut?.();
        let etag: string | undefined;
        try {
          etag = (await checker.send(new HeadObjectCommand({ Bucket: input.Bucket, Key: input.Key }))).ETag;
        } catch {
          etag = undefined;
        }
        const failed = (input.IfNoneMatch === '*' && etag !== undefined) || (input.IfMatch !== undefined && input.IfMatch !== etag);
        if (failed) {
          throw new S3ServiceException({ name: 'PreconditionFailed', $fault: 'client', $metadata: { httpStatusCode: 412 }, message: 'At least one of the pre-conditions you specified did not hold' });
        }
      }
      return next(args);
    },
    { step: 'initialize', name: 'conditionalWritesLikeS3' },
  );
  return client;
}

async function leaseOwner(bucket: string, path: string): Promise<string> {
  const out = await s3.client().send(new GetObjectCommand({ Bucket: bucket, Key: leaseKey(path) }));
  return (JSON.parse((await out.Body?.transformToString()) ?? '{}') as { owner: string }).owner;
}

describe('maintenance lease', () => {
  it('a held lease turns the second pass away until it is released or expires', async () => {
    const bucket = await s3.createBucket();
    const client = dbClient(bucket, 'app.db');
    const a = await acquireLease(client, { owner: 'pass-a', ttlMs: 60_000 });
    expect(a.acquired).toBe(true);
    const b = await acquireLease(client, { owner: 'pass-b', ttlMs: 60_000 });
    expect(b).toMatchObject({ acquired: false, heldBy: 'pass-a' });
    // Another database is not affected.
    expect((await acquireLease(dbClient(bucket, 'tenant/other.db'), { owner: 'pass-b', ttlMs: 60_000 })).acquired).toBe(true);
    // A crashed pass never releases: after its ttl anyone may take over.
    const later = await acquireLease(client, { owner: 'pass-c', ttlMs: 60_000, now: () => new Date(Date.now() + 61_000) });
    expect(later.acquired).toBe(true);
    if (later.acquired) await later.release();
    expect((await acquireLease(client, { owner: 'pass-d', ttlMs: 60_000 })).acquired).toBe(true);
  });

  it('with S3 conditional writes, of two passes racing past the read only one gets the lease', async () => {
    const bucket = await s3.createBucket();
    let raced = false;
    // Pass A writes its lease between pass B's read and B's write.
    const b = withConditionalWrites(dbClient(bucket, 'app.db'), async () => {
      if (raced) return;
      raced = true;
      expect((await acquireLease(withConditionalWrites(dbClient(bucket, 'app.db')), { owner: 'pass-a', ttlMs: 60_000 })).acquired).toBe(true);
    });
    const result = await acquireLease(b, { owner: 'pass-b', ttlMs: 60_000 });
    expect(result.acquired).toBe(false);
    expect(await leaseOwner(bucket, 'app.db')).toBe('pass-a');
  });

  it('without conditional writes (the emulator) the same race can let both run: duplicate work, same result', async () => {
    const bucket = await s3.createBucket();
    let raced = false;
    const racing = dbClient(bucket, 'app.db');
    sdkOf(racing).middlewareStack.add(
      (next) => async (args) => {
        const input = args.input as { IfNoneMatch?: string };
        if (input.IfNoneMatch !== undefined && !raced) {
          raced = true;
          expect((await acquireLease(dbClient(bucket, 'app.db'), { owner: 'pass-a', ttlMs: 60_000 })).acquired).toBe(true);
        }
        return next(args);
      },
      { step: 'initialize', name: 'raceAhead' },
    );
    const result = await acquireLease(racing, { owner: 'pass-b', ttlMs: 60_000 });
    // B overwrote A's lease unconditionally and reads back its own: both passes proceed.
    expect(result.acquired).toBe(true);
    expect(await leaseOwner(bucket, 'app.db')).toBe('pass-b');
  });

  it('the compaction function skips a database whose lease another pass holds, without failing the record', async () => {
    const bucket = await s3.createBucket();
    const client = new S3ReplicaClient(s3.s3Options(bucket, 'app.db'));
    const history = await makeHistory(await tempDir('lease-compact'), 4, 4);
    const names = await writeL0(client, history, 1, 4);
    await s3.client().send(new PutObjectCommand({ Bucket: bucket, Key: leaseKey('app.db'), Body: JSON.stringify({ owner: 'sweep-1', expires: new Date(Date.now() + 2 * 86_400_000).toISOString() }) }));
    const env = { S3_ENDPOINT: s3.endpoint, AWS_REGION: 'us-east-1', LEVELS: '30s', SNAPSHOT_INTERVAL: '24h', SNAPSHOT_RETENTION: '24h', L0_RETENTION: '5m' };
    const compact = createCompactHandler({ env, observability: testObservability(), now: () => new Date(Date.now() + 86_400_000) });
    const event = sqsEvent([sqsRecord(s3PutEvent(bucket, `app.db/0000/${names[3]}`, history.l0[3].length))]);
    expect((await compact(event)).batchItemFailures).toEqual([]);
    expect(await listLevel(client, 1)).toHaveLength(0);
    // Once the holder is done (released), the next delivery compacts.
    await s3.client().send(new PutObjectCommand({ Bucket: bucket, Key: leaseKey('app.db'), Body: JSON.stringify({ owner: 'sweep-1', expires: new Date(0).toISOString() }) }));
    expect((await compact(event)).batchItemFailures).toEqual([]);
    expect((await listLevel(client, 1)).map((f) => f.maxTXID)).toEqual([4]);
  });
});

describe('logs', () => {
  it('carry the Lambda request id and the reason a record failed', async () => {
    const { Logger } = await import('@aws-lambda-powertools/logger');
    const { Metrics } = await import('@aws-lambda-powertools/metrics');
    const observability = { logger: new Logger({ serviceName: 'streambed-compact', logLevel: 'INFO' }), metrics: new Metrics({ namespace: 'StreambedTest', serviceName: 'streambed-compact' }) };
    const compact = createCompactHandler({ env: { S3_ENDPOINT: s3.endpoint, AWS_REGION: 'us-east-1' }, observability });
    const context = {
      awsRequestId: 'c6af9ac6-7b61-11e6-9a41-93e812345678', functionName: 'streambed-compact', functionVersion: '$LATEST', memoryLimitInMB: '1024',
      invokedFunctionArn: 'arn:aws:lambda:us-east-1:123456789012:function:streambed-compact', logGroupName: '/aws/lambda/x', logStreamName: 's',
      callbackWaitsForEmptyEventLoop: true, getRemainingTimeInMillis: () => 60_000, done: () => undefined, fail: () => undefined, succeed: () => undefined,
    };
    const error = vi.spyOn(console, 'error').mockImplementation(() => undefined);
    const other = ['info', 'warn', 'log'].map((m) => vi.spyOn(console, m as 'info').mockImplementation(() => undefined));
    let lines: string[] = [];
    try {
      const response = await compact(sqsEvent([sqsRecord({ not: 'an S3 notification' }, 'msg-1')]), context);
      expect(response.batchItemFailures).toEqual([{ itemIdentifier: 'msg-1' }]);
      lines = error.mock.calls.map((c) => String(c[0]));
    } finally {
      error.mockRestore();
      for (const o of other) o.mockRestore();
    }
    const failed = lines.map((l) => JSON.parse(l) as Record<string, unknown>).find((l) => l.message === 'record failed');
    expect(failed).toMatchObject({ messageId: 'msg-1', function_request_id: context.awsRequestId, reason: expect.stringMatching(/no "Records" array/) });
  });
});
