// The restore function as CDK bundles it (esbuild, ESM, node:sqlite in place of better-sqlite3), run against fauxqs.
import { GetObjectCommand } from '@aws-sdk/client-s3';
import { App, Duration, Stack } from 'aws-cdk-lib';
import { RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Template } from 'aws-cdk-lib/assertions';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { encodeLtxToBuffer } from '../../core/ltx/encoder.ts';
import { newHeader } from '../../core/ltx/header.ts';
import { S3ReplicaClient } from '../../core/replica/s3.ts';
import type { RestoreRequest, RestoreResponse } from '../../functions/restore/handler.ts';
import { StreambedFunction } from '../../infra/function.ts';
import { makeHistory, writeL0 } from '../functions/fixtures.ts';
import { startLocalS3, type LocalS3 } from '../harness/local-s3.ts';
import { useTempDirs } from '../harness/tmp.ts';

const tempDir = useTempDirs();
let s3: LocalS3;
let outdir: string;
let assetDir: string;

beforeAll(async () => {
  s3 = await startLocalS3();
  outdir = mkdtempSync(join(tmpdir(), 'streambed-cdk-bundle-'));
  // The same construct the stack uses for its restore function, alone, so only one asset is bundled.
  const app = new App({ outdir, builtinCloudFormationValidation: false });
  const stack = new Stack(app, 'Bundle', { env: { account: '123456789012', region: 'eu-west-1' } });
  new StreambedFunction(stack, 'Restore', {
    entry: 'restore/handler.ts',
    description: 'Restore (bundle test)',
    timeout: Duration.minutes(1),
    memorySize: 512,
    environment: {},
    logRetention: RetentionDays.ONE_DAY,
  });
  const template = Template.fromStack(stack);
  const restore = Object.values(template.findResources('AWS::Lambda::Function'))[0];
  expect(restore.Properties.Runtime).toBe('nodejs24.x');
  const zip = String(restore.Properties.Code.S3Key);
  assetDir = join(outdir, `asset.${zip.replace(/\.zip$/, '')}`);
});
afterAll(async () => {
  vi.unstubAllEnvs();
  if (outdir) rmSync(outdir, { recursive: true, force: true });
  await s3?.stop();
});

describe('bundled restore function', () => {
  it('is one ESM file without better-sqlite3, and restores with a node:sqlite integrity check', async () => {
    const code = await readFile(join(assetDir, 'index.mjs'), 'utf8');
    expect(code).not.toMatch(/better_sqlite3\.node/);
    expect(code).toContain('node:sqlite');

    const bucket = await s3.createBucket();
    const history = await makeHistory(await tempDir('bundle-src'), 4, 2);
    const client = new S3ReplicaClient(s3.s3Options(bucket, 'app.db'));
    await writeL0(client, history, 1, 4);
    // TXID 5 is a valid LTX file whose page 2 is garbage for SQLite: only the integrity check can notice.
    const garbage = Buffer.alloc(1024, 0x5a);
    const pages = history.states[3].length / 1024;
    const header = newHeader({ pageSize: 1024, commit: pages, minTXID: 5, maxTXID: 5, timestamp: Date.UTC(2026, 0, 1) + 5000 });
    await client.writeLtxFile({ level: 0, minTXID: 5, maxTXID: 5 }, await encodeLtxToBuffer(header, [{ pgno: 2, data: garbage }]));

    vi.stubEnv('AWS_ACCESS_KEY_ID', s3.credentials.accessKeyId);
    vi.stubEnv('AWS_SECRET_ACCESS_KEY', s3.credentials.secretAccessKey);
    vi.stubEnv('AWS_REGION', 'us-east-1');
    vi.stubEnv('S3_ENDPOINT', s3.endpoint);
    vi.stubEnv('BUCKET_NAME', bucket);
    vi.stubEnv('INTEGRITY_CHECK', 'quick');
    vi.stubEnv('POWERTOOLS_LOG_LEVEL', 'SILENT');
    const bundle = (await import(pathToFileURL(join(assetDir, 'index.mjs')).href)) as { handler: (e: RestoreRequest) => Promise<RestoreResponse> };

    const ok = await bundle.handler({ path: 'app.db', txid: '0000000000000004' });
    expect(ok.txid).toBe('0000000000000004');
    const out = await s3.client().send(new GetObjectCommand({ Bucket: bucket, Key: ok.key }));
    expect(Buffer.from((await out.Body?.transformToByteArray()) ?? []).equals(history.states[3])).toBe(true);
    await expect(bundle.handler({ path: 'app.db' })).rejects.toThrow(/quick_check|integrity/i);
  });

  it('works with more than two vCPUs, run as Lambda would: a separate Node process, no side file needed', async () => {
    const bucket = await s3.createBucket();
    const history = await makeHistory(await tempDir('bundle-cpus'), 6, 3);
    await writeL0(new S3ReplicaClient(s3.s3Options(bucket, 'app.db')), history, 1, 6);
    // Issue 10 was a decode worker missing next to index.mjs on Lambdas above 2 vCPUs; the worker is gone (issue 11).
    expect(existsSync(join(assetDir, 'decode-worker.ts'))).toBe(false);
    const four = await runBundle(assetDir, bucket, 4);
    expect(four.stderr).not.toMatch(/Cannot find module/);
    expect(four.code).toBe(0);
    const answer = JSON.parse(four.stdout) as RestoreResponse & { cpus: number };
    expect(answer.cpus).toBe(4);
    expect(answer.txid).toBe('0000000000000006');
    const out = await s3.client().send(new GetObjectCommand({ Bucket: bucket, Key: answer.key }));
    expect(Buffer.from((await out.Body?.transformToByteArray()) ?? []).equals(history.states[5])).toBe(true);
  });
});

/** Runs the bundled handler in a child process whose os.availableParallelism() reports `cpus`. */
async function runBundle(dir: string, bucket: string, cpus: number): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const helpers = await tempDir('bundle-runner');
  const preload = join(helpers, 'cpus.mjs');
  await writeFile(preload, `import os from 'node:os'; import { syncBuiltinESMExports } from 'node:module'; os.availableParallelism = () => ${cpus}; os.cpus = () => Array.from({ length: ${cpus} }, () => ({ model: 'sim', speed: 0, times: { user: 0, nice: 0, sys: 0, idle: 0, irq: 0 } })); syncBuiltinESMExports();\n`);
  const runner = join(helpers, 'run.mjs');
  await writeFile(runner, `import { availableParallelism } from 'node:os'; const { handler } = await import(${JSON.stringify(pathToFileURL(join(dir, 'index.mjs')).href)}); const out = await handler({ path: 'app.db' }); process.stdout.write(JSON.stringify({ ...out, cpus: availableParallelism() }));\n`);
  const env = {
    PATH: process.env.PATH, AWS_ACCESS_KEY_ID: s3.credentials.accessKeyId, AWS_SECRET_ACCESS_KEY: s3.credentials.secretAccessKey, AWS_REGION: 'us-east-1',
    S3_ENDPOINT: s3.endpoint, BUCKET_NAME: bucket, INTEGRITY_CHECK: 'quick', POWERTOOLS_LOG_LEVEL: 'SILENT', NODE_OPTIONS: '--enable-source-maps',
  };
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', pathToFileURL(preload).href, runner], { env, cwd: helpers });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}
