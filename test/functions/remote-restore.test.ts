// `streambed restore -remote`: the real CLI and @aws-sdk/client-lambda against a local Lambda Invoke API that runs
// the real restore handler on the local S3; presigned URL, parallel ranged download, checksum check, exit codes.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { S3ReplicaClient } from '../../core/replica/s3.ts';
import { createRestoreHandler, type RestoreHandler } from '../../functions/restore/handler.ts';
import { RANGE_SIZE, downloadRanges } from '../../cli/remote-restore.ts';
import { cleanEnv, runCli } from '../config/run-cli.ts';
import type { LocalS3 } from '../harness/local-s3.ts';
import { useTempDirs } from '../harness/tmp.ts';
import { makeHistory, testObservability, writeL0, type History } from './fixtures.ts';
import { startLambdaLocalS3, stopLambdaLocalS3 } from '../harness/lambda-env.ts';

const tempDir = useTempDirs();
const FUNCTION = 'streambed-restore';
let s3: LocalS3;
let bucket: string;
let history: History;
let lambda: Server;
let lambdaUrl: string;
const invocations: Array<{ name: string; payload: unknown; headers: Record<string, unknown> }> = [];
/** Replaces the answer's checksum (a corrupted download must be caught). */
let tamper: ((r: Record<string, unknown>) => void) | undefined;

/** The Lambda Invoke API as the SDK speaks it: POST /2015-03-31/functions/NAME/invocations. */
function startLambdaApi(handler: RestoreHandler): Promise<Server> {
  const server = createServer((req, res) => {
    const m = /^\/2015-03-31\/functions\/([^/]+)\/invocations$/.exec(req.url ?? '');
    let body = '';
    req.setEncoding('utf8').on('data', (d: string) => (body += d));
    req.on('end', () => {
      if (req.method !== 'POST' || !m) {
        res.writeHead(404).end();
        return;
      }
      const name = decodeURIComponent(m[1]);
      invocations.push({ name, payload: JSON.parse(body), headers: req.headers });
      if (name !== FUNCTION) {
        res.writeHead(404, { 'content-type': 'application/json', 'x-amzn-errortype': 'ResourceNotFoundException' });
        res.end(JSON.stringify({ Type: 'User', message: `Function not found: ${name}` }));
        return;
      }
      handler(JSON.parse(body)).then(
        (out) => {
          const answer = { ...out } as Record<string, unknown>;
          tamper?.(answer);
          res.writeHead(200, { 'content-type': 'application/json', 'x-amz-executed-version': '$LATEST' }).end(JSON.stringify(answer));
        },
        (err: Error) => {
          res.writeHead(200, { 'content-type': 'application/json', 'x-amz-function-error': 'Unhandled', 'x-amz-executed-version': '$LATEST' });
          res.end(JSON.stringify({ errorType: err.name, errorMessage: err.message, trace: [] }));
        },
      );
    });
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

beforeAll(async () => {
  s3 = await startLambdaLocalS3();
  bucket = await s3.createBucket();
  // Enough rows that the database spans several download ranges of the CLI.
  history = await makeHistory(await tempDir('remote-src'), 40, 11);
  await writeL0(new S3ReplicaClient(s3.s3Options(bucket, 'svc/app.db')), history, 1, 40);
  lambda = await startLambdaApi(createRestoreHandler({ env: { S3_ENDPOINT: s3.endpoint, AWS_REGION: 'us-east-1', BUCKET_NAME: bucket }, observability: testObservability() }));
  lambdaUrl = `http://127.0.0.1:${(lambda.address() as AddressInfo).port}`;
});
afterAll(async () => {
  await new Promise((r) => lambda?.close(r));
  await stopLambdaLocalS3(s3);
});

function cliEnv(): NodeJS.ProcessEnv {
  return cleanEnv({
    AWS_ENDPOINT_URL_LAMBDA: lambdaUrl,
    AWS_REGION: 'us-east-1',
    AWS_ACCESS_KEY_ID: s3.credentials.accessKeyId,
    AWS_SECRET_ACCESS_KEY: s3.credentials.secretAccessKey,
    AWS_CONFIG_FILE: '/dev/null',
    AWS_SHARED_CREDENTIALS_FILE: '/dev/null',
  });
}

describe('streambed restore -remote', () => {
  it('invokes the function once, downloads through the presigned URL in ranges, and checks the checksum', async () => {
    const out = join(await tempDir('remote-out'), 'restored.db');
    invocations.length = 0;
    const run = await runCli(['restore', '-remote', FUNCTION, '-txid', '0000000000000021', '-o', out, `s3://${bucket}/svc/app.db`], cliEnv());
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/restored .* to TXID 0000000000000021 .* through streambed-restore: \d+ bytes, checksum [0-9a-f]{16} verified/);
    expect((await readFile(out)).equals(history.states[32])).toBe(true);
    expect(invocations).toHaveLength(1);
    expect(invocations[0].payload).toEqual({ path: 'svc/app.db', txid: '0000000000000021' });
    // SigV4-signed by the SDK with the credential chain.
    expect(String(invocations[0].headers.authorization)).toMatch(/^AWS4-HMAC-SHA256 Credential=AKIASTREAMBEDTEST\/\d+\/us-east-1\/lambda\/aws4_request/);
  });

  it('-json prints the answer without the URL; the download splits into parallel ranges byte for byte', async () => {
    const out = join(await tempDir('remote-big'), 'latest.db');
    const run = await runCli(['restore', '-remote', FUNCTION, '-json', '-o', out, `s3://${bucket}/svc/app.db`], cliEnv());
    expect(run.code).toBe(0);
    const json = JSON.parse(run.stdout) as Record<string, unknown>;
    const bytes = history.states[39].length;
    expect(json).toMatchObject({ output: out, bucket, txid: '0000000000000028', bytes, key: 'restores/svc/app.db/0000000000000028.db' });
    expect(json.url).toBeUndefined();
    expect((await readFile(out)).equals(history.states[39])).toBe(true);
    // The same presigned URL in 4 KiB ranges (the CLI uses 8 MiB, more than this test database).
    const answer = await createRestoreHandler({ env: { S3_ENDPOINT: s3.endpoint, AWS_REGION: 'us-east-1', BUCKET_NAME: bucket }, observability: testObservability() })({ path: 'svc/app.db' });
    const ranged = join(await tempDir('remote-ranged'), 'ranged.db');
    const parts: number[] = [];
    await downloadRanges(answer.url, answer.bytes, ranged, (n) => parts.push(n), 4096);
    expect(parts.length).toBe(Math.ceil(bytes / 4096));
    expect(parts.length).toBeGreaterThan(1);
    expect(RANGE_SIZE).toBe(8 * 1024 * 1024);
    expect((await readFile(ranged)).equals(history.states[39])).toBe(true);
  });

  it('a checksum that does not match leaves no output and exits 1', async () => {
    const out = join(await tempDir('remote-bad'), 'restored.db');
    tamper = (r) => (r.checksum = '0123456789abcdef');
    try {
      const run = await runCli(['restore', '-remote', FUNCTION, '-o', out, `s3://${bucket}/svc/app.db`], cliEnv());
      expect(run.code).toBe(1);
      expect(run.stderr).toMatch(/checksum [0-9a-f]{16} differs from the restored one 0123456789abcdef .* nothing was written/);
    } finally {
      tamper = undefined;
    }
    expect(existsSync(out)).toBe(false);
  });

  it("the function's input errors exit 2, its failures and an unknown function 1; an existing output is kept", async () => {
    const dir = await tempDir('remote-errors');
    const missing = await runCli(['restore', '-remote', FUNCTION, '-txid', '00000000000000ff', '-o', join(dir, 'a.db'), `s3://${bucket}/svc/app.db`], cliEnv());
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/restore function streambed-restore failed: .*00000000000000ff|TXID/i);
    const unknown = await runCli(['restore', '-remote', 'no-such-function', '-o', join(dir, 'b.db'), `s3://${bucket}/svc/app.db`], cliEnv());
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toMatch(/Function not found: no-such-function/);
    const existing = join(dir, 'keep.db');
    await writeFile(existing, 'mine');
    const kept = await runCli(['restore', '-remote', FUNCTION, '-o', existing, `s3://${bucket}/svc/app.db`], cliEnv());
    expect(kept.code).toBe(2);
    expect(kept.stderr).toMatch(/already exists; add -force/);
    expect(await readFile(existing, 'utf8')).toBe('mine');
    const skipped = await runCli(['restore', '-remote', FUNCTION, '-if-db-not-exists', '-o', existing, `s3://${bucket}/svc/app.db`], cliEnv());
    expect(skipped.code).toBe(0);
  });
});
