// The compaction handler on real SQS/S3 event shapes against fauxqs: dedupe, duplicates, partial batch failures.
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { listLevel } from '../../core/listing/listing.ts';
import { S3ReplicaClient } from '../../core/replica/s3.ts';
import { restoreDatabase } from '../../core/restore/index.ts';
import { createCompactHandler } from '../../functions/compact/handler.ts';
import type { LocalS3 } from '../harness/local-s3.ts';
import { s3PutEvent } from '../harness/s3-events.ts';
import { useTempDirs } from '../harness/tmp.ts';
import { makeHistory, sqsEvent, sqsRecord, testObservability, writeL0 } from './fixtures.ts';
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

function env(): Record<string, string> {
  return { S3_ENDPOINT: s3.endpoint, AWS_REGION: 'us-east-1', LEVELS: '30s,5m', SNAPSHOT_INTERVAL: '24h', SNAPSHOT_RETENTION: '72h', L0_RETENTION: '5m' };
}

async function restoredBytes(client: S3ReplicaClient, dir: string): Promise<Buffer> {
  const out = join(dir, `restored-${Date.now()}.db`);
  await restoreDatabase(client, { outputPath: out });
  return readFile(out);
}

describe('compact handler', () => {
  it('compacts every database named in a batch once, and a duplicated, reordered delivery changes nothing', async () => {
    const dir = await tempDir('fn-compact');
    const history = await makeHistory(dir, 12);
    const bucket = await s3.createBucket();
    const path = 'apps/my db.sqlite'; // a space: S3 notifications encode it as '+'
    const client = new S3ReplicaClient(s3.s3Options(bucket, path));
    const names = await writeL0(client, history, 1, 12);
    // One record from fauxqs's own upload notification, the others built in the same shape.
    const spied = await s3.waitForPutEvent(bucket, `${path}/0000/${names[11]}`);
    const records = [
      sqsRecord(spied),
      ...names.slice(0, 11).reverse().map((n) => sqsRecord(s3PutEvent(bucket, `${path}/0000/${n}`, 100))),
      sqsRecord({ Service: 'Amazon S3', Event: 's3:TestEvent', Time: new Date().toISOString(), Bucket: bucket }),
      sqsRecord(s3PutEvent(bucket, 'restores/apps/x.db', 4096)),
      sqsRecord(s3PutEvent(bucket, `${path}/0001/0000000000000001-0000000000000003.ltx`, 100)),
    ];
    const info = vi.spyOn(console, 'info').mockImplementation(() => undefined);
    try {
      const handler = createCompactHandler({ env: env(), observability: testObservability('INFO'), now: () => new Date(Date.now() + DAY) });
      const first = await handler(sqsEvent(records));
      expect(first.batchItemFailures).toEqual([]);
      const passes = info.mock.calls.map((c) => String(c[0])).filter((line) => line.includes('maintenance pass'));
      expect(passes).toHaveLength(1);
      expect(passes[0]).toContain(`s3://${bucket}/${path}`);
    } finally {
      info.mockRestore();
    }
    // The first image (TXID 1) went to L9 by a server-side copy; the levels start after it.
    expect((await listLevel(client, 1)).map((f) => [f.minTXID, f.maxTXID])).toEqual([[2, 12]]);
    expect((await listLevel(client, 2)).map((f) => [f.minTXID, f.maxTXID])).toEqual([[2, 12]]);
    expect((await listLevel(client, 9)).map((f) => [f.minTXID, f.maxTXID])).toEqual([[1, 1], [1, 12]]);
    expect((await restoredBytes(client, dir)).equals(history.states[11])).toBe(true);

    const before = JSON.stringify(await Promise.all([0, 1, 2, 9].map((l) => listLevel(client, l))));
    const again = createCompactHandler({ env: env(), observability: testObservability(), now: () => new Date(Date.now() + DAY) });
    const second = await again(sqsEvent([...records].reverse()));
    expect(second.batchItemFailures).toEqual([]);
    expect(JSON.stringify(await Promise.all([0, 1, 2, 9].map((l) => listLevel(client, l))))).toBe(before);
    expect((await restoredBytes(client, dir)).equals(history.states[11])).toBe(true);
  });

  it('reports exactly the records of a database whose pass fails, and still compacts the others', async () => {
    const dir = await tempDir('fn-compact-fail');
    const history = await makeHistory(dir, 6, 3);
    const bucket = await s3.createBucket();
    const good = new S3ReplicaClient(s3.s3Options(bucket, 'good.db'));
    const bad = new S3ReplicaClient(s3.s3Options(bucket, 'bad.db'));
    const goodNames = await writeL0(good, history, 1, 6);
    const badNames = await writeL0(bad, history, 1, 6);
    // Corrupt one L0 file of bad.db: its checksum no longer matches, so merging it must fail.
    const corrupt = Buffer.from(history.l0[3]);
    corrupt[corrupt.length - 20] ^= 0xff;
    await s3.client().send(new PutObjectCommand({ Bucket: bucket, Key: `bad.db/0000/${badNames[3]}`, Body: corrupt }));

    const badIds = ['bad-1', 'bad-2'];
    const records = [
      sqsRecord(s3PutEvent(bucket, `good.db/0000/${goodNames[5]}`, 100), 'good-1'),
      sqsRecord(s3PutEvent(bucket, `bad.db/0000/${badNames[5]}`, 100), badIds[0]),
      sqsRecord(s3PutEvent(bucket, `good.db/0000/${goodNames[2]}`, 100), 'good-2'),
      sqsRecord(s3PutEvent(bucket, `bad.db/0000/${badNames[1]}`, 100), badIds[1]),
      sqsRecord({ not: 'an S3 notification' }, 'garbage'),
    ];
    const handler = createCompactHandler({ env: env(), observability: testObservability(), now: () => new Date(Date.now() + DAY) });
    const response = await handler(sqsEvent(records));
    expect(response.batchItemFailures.map((f) => f.itemIdentifier).sort()).toEqual([...badIds, 'garbage'].sort());
    expect((await listLevel(good, 1)).map((f) => f.maxTXID)).toEqual([6]);
    expect(await listLevel(bad, 1)).toEqual([]);
  });
});
