// The restore handler invoked directly against fauxqs: right TXID, uploaded database verifies, clear input errors.
import { GetObjectCommand, HeadObjectCommand } from '@aws-sdk/client-s3';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checksumDatabaseFile } from '../../core/ltx/database.ts';
import { S3ReplicaClient } from '../../core/replica/s3.ts';
import { createRestoreHandler } from '../../functions/restore/handler.ts';
import { parseRestoreRequest } from '../../functions/restore/input.ts';
import type { LocalS3 } from '../harness/local-s3.ts';
import { useTempDirs } from '../harness/tmp.ts';
import { makeHistory, testObservability, writeL0, type History } from './fixtures.ts';
import { startLambdaLocalS3, stopLambdaLocalS3 } from '../harness/lambda-env.ts';

const tempDir = useTempDirs();
let s3: LocalS3;
let bucket: string;
let history: History;

beforeAll(async () => {
  s3 = await startLambdaLocalS3();
  bucket = await s3.createBucket();
  history = await makeHistory(await tempDir('fn-restore-src'), 10, 9);
  await writeL0(new S3ReplicaClient(s3.s3Options(bucket, 'svc/app.db')), history, 1, 10);
});
afterAll(async () => {
  await stopLambdaLocalS3(s3);
});

function handler(): ReturnType<typeof createRestoreHandler> {
  return createRestoreHandler({ env: { S3_ENDPOINT: s3.endpoint, AWS_REGION: 'us-east-1', BUCKET_NAME: bucket }, observability: testObservability() });
}

async function download(key: string): Promise<Buffer> {
  const out = await s3.client().send(new GetObjectCommand({ Bucket: bucket, Key: key }));
  return Buffer.from((await out.Body?.transformToByteArray()) ?? []);
}

describe('restore handler', () => {
  it('restores a TXID, uploads the database under restores/, and returns its checksum', async () => {
    const result = await handler()({ path: 'svc/app.db', txid: '0000000000000007' });
    expect(result.txid).toBe('0000000000000007');
    expect(result.key).toBe('restores/svc/app.db/0000000000000007.db');
    const bytes = await download(result.key);
    expect(bytes.equals(history.states[6])).toBe(true);
    expect(result.bytes).toBe(bytes.length);
    const file = join(await tempDir('fn-restore-check'), 'copy.db');
    await writeFile(file, bytes);
    expect(result.checksum).toBe((await checksumDatabaseFile(file)).toString(16).padStart(16, '0'));
  });

  it('restores the latest state by default and a point in time by timestamp, to a chosen key', async () => {
    const latest = await handler()({ path: 'svc/app.db', outputKey: 'restores/exports/latest.db' });
    expect(latest).toMatchObject({ bucket, txid: '000000000000000a', key: 'restores/exports/latest.db', timestamp: '2026-01-01T00:00:10.000Z' });
    expect((await download('restores/exports/latest.db')).equals(history.states[9])).toBe(true);
    // The presigned URL (15 minutes) reads the same bytes, ranges included.
    expect(latest.url).toMatch(/X-Amz-Expires=900/);
    const ranged = await fetch(latest.url, { headers: { Range: 'bytes=100-199' } });
    expect(ranged.status).toBe(206);
    expect(Buffer.from(await ranged.arrayBuffer()).equals(history.states[9].subarray(100, 200))).toBe(true);
    // litestream-timestamp of TXID n is 2026-01-01T00:00:00Z + n s; "before 00:00:04.5" is TXID 4.
    const atTime = await handler()({ path: 'svc/app.db', timestamp: '2026-01-01T00:00:04.500Z' });
    expect(atTime.txid).toBe('0000000000000004');
    expect((await download(atTime.key)).equals(history.states[3])).toBe(true);
    const head = await s3.client().send(new HeadObjectCommand({ Bucket: bucket, Key: atTime.key }));
    expect(head.ContentLength).toBe(history.states[3].length);
  });

  it('rejects bad input with an error naming the field', async () => {
    const run = handler();
    await expect(run({} as never)).rejects.toThrow(/"path" is required/);
    await expect(run({ path: 'svc/app.db', txid: '7' })).rejects.toThrow(/"txid": TXID "7" is not 16 hex digits/);
    await expect(run({ path: 'svc/app.db', timestamp: 'yesterday' })).rejects.toThrow(/"timestamp" must be RFC 3339/);
    await expect(run({ path: 'svc/app.db', txid: '0000000000000001', timestamp: '2026-01-01T00:00:00Z' })).rejects.toThrow(/not both/);
    await expect(run({ path: 'svc/app.db', outputKey: 'x/0000/0000000000000001-0000000000000001.ltx' })).rejects.toThrow(/"outputKey"/);
    // Anywhere outside restores/ would be denied by the role after the whole restore; refuse it up front.
    await expect(run({ path: 'svc/app.db', outputKey: 'svc/app.db/0000/evil.db' })).rejects.toThrow(/"outputKey" "svc\/app.db\/0000\/evil.db" must be under restores\//);
    await expect(run({ path: 'svc/app.db', dbPath: 'x' } as never)).rejects.toThrow(/unknown field\(s\) "dbPath"/);
    await expect(run({ path: 'svc/app.db', txid: '00000000000000ff' })).rejects.toThrow(/00000000000000ff|TXID|not available/i);
    await expect(run({ path: 'nothing-here.db' })).rejects.toThrow();
    expect(parseRestoreRequest({ path: '/svc/app.db/', txid: '000000000000000A' })).toEqual({ path: 'svc/app.db', txid: 10 });
  });
});
