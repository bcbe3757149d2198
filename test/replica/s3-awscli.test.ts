// Independent check with the AWS CLI v2: what streambed writes, the CLI reads byte-exact, and the other way round.
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { S3ReplicaClient } from '../../core/replica/s3.ts';
import { startLocalS3 } from '../harness/local-s3.ts';
import type { LocalS3 } from '../harness/local-s3.ts';
import { makeTempDir, removeTempDir } from '../harness/tmp.ts';
import { collect, ltxBody, readAll, sha256 } from './contract.ts';

const AWS_CLI = '/usr/bin/aws';
const haveCli = existsSync(AWS_CLI);
const run = promisify(execFile);

let local: LocalS3;
let home: string;
let client: S3ReplicaClient;
let bucket: string;

async function aws(...args: string[]): Promise<string> {
  const env = {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    HOME: home,
    AWS_ACCESS_KEY_ID: local.credentials.accessKeyId,
    AWS_SECRET_ACCESS_KEY: local.credentials.secretAccessKey,
    AWS_DEFAULT_REGION: 'us-east-1',
    AWS_EC2_METADATA_DISABLED: 'true',
    AWS_PAGER: '',
  };
  const { stdout } = await run(AWS_CLI, [...args, '--endpoint-url', local.endpoint], { env, timeout: 60_000 });
  return stdout;
}

describe.skipIf(!haveCli)(`AWS CLI v2 interoperability (skipped when ${AWS_CLI} is missing: apt-get install -y awscli)`, () => {
  beforeAll(async () => {
    local = await startLocalS3();
    home = await makeTempDir('awscli-home');
    bucket = await local.createBucket();
    client = new S3ReplicaClient(local.s3Options(bucket, 'app.db'));
  });
  afterAll(async () => {
    await client?.close();
    await local?.stop();
    if (home) await removeTempDir(home);
  });

  it('reads a multipart LTX object and its litestream-timestamp written by streambed', async () => {
    const data = ltxBody(randomBytes(6 * 1024 * 1024 - 93), new Date('2026-11-26T02:01:16.123Z'));
    await client.writeLtxFile({ level: 9, minTXID: 1, maxTXID: 0xc8 }, data);
    const key = 'app.db/0009/0000000000000001-00000000000000c8.ltx';
    const out = join(home, 'downloaded.ltx');
    await aws('s3', 'cp', `s3://${bucket}/${key}`, out);
    expect(sha256(await readFile(out))).toBe(sha256(data));
    const head = JSON.parse(await aws('s3api', 'head-object', '--bucket', bucket, '--key', key)) as { Metadata: Record<string, string>; ContentLength: number };
    expect(head.Metadata['litestream-timestamp']).toBe('2026-11-26T02:01:16.123Z');
    expect(head.ContentLength).toBe(data.length);
  });

  it('reads an object uploaded by the CLI', async () => {
    const data = randomBytes(300_000);
    const file = join(home, 'upload.ltx');
    await writeFile(file, data);
    await aws('s3', 'cp', file, `s3://${bucket}/app.db/0000/0000000000000005-0000000000000005.ltx`);
    expect((await collect(client.listLtxFiles(0))).map((f) => [f.minTXID, f.size])).toEqual([[5, 300_000]]);
    expect(sha256(await readAll(await client.openLtxFile({ level: 0, minTXID: 5, maxTXID: 5 })))).toBe(sha256(data));
  });
});
