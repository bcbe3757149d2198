// S3 requests have deadlines: an endpoint that accepts and never answers, or stalls a body, fails them; the CLI exits 1.
import { spawn } from 'node:child_process';
import type { ChildProcessWithoutNullStreams } from 'node:child_process';
import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { S3OperationError } from '../../core/replica/s3-errors.ts';
import { IDLE_TIMEOUT_ENV, CONNECTION_TIMEOUT_ENV, resolvedS3Settings } from '../../core/replica/s3-config.ts';
import { CappedBackoff, LitestreamRetryStrategy, S3_MAX_RETRY_DELAY_MS } from '../../core/replica/s3-retry.ts';
import { S3ReplicaClient } from '../../core/replica/s3.ts';
import { ConfigError } from '../../core/errors.ts';
import { startLocalS3, type LocalS3 } from '../harness/local-s3.ts';
import { startStallProxy, type StallProxy } from '../harness/stall-proxy.ts';
import { useTempDirs } from '../harness/tmp.ts';
import { createDb, makeReplicator, writeRows } from '../agent/replicator-helpers.ts';
import { ltxBody, readAll } from './contract.ts';
import { instrumentedS3Client, sdkOf } from './sdk-client.ts';

const BIN = fileURLToPath(new URL('../../bin/streambed.mjs', import.meta.url));
/** Short deadlines so every case stays well under 15 s; the production values are 30 s. */
const TEST_TIMEOUTS = { [IDLE_TIMEOUT_ENV]: '400', [CONNECTION_TIMEOUT_ENV]: '400' };

const tempDir = useTempDirs();
let s3: LocalS3;
let bucket: string;
const proxies: StallProxy[] = [];
const clients: S3ReplicaClient[] = [];
const savedEnv = { ...process.env };

beforeAll(async () => {
  s3 = await startLocalS3();
  bucket = await s3.createBucket();
  Object.assign(process.env, TEST_TIMEOUTS);
});
afterEach(async () => {
  for (const c of clients.splice(0)) await c.close();
  for (const p of proxies.splice(0)) await p.stop();
  vi.restoreAllMocks();
});
afterAll(async () => {
  for (const k of Object.keys(TEST_TIMEOUTS)) {
    if (savedEnv[k] === undefined) delete process.env[k];
    else process.env[k] = savedEnv[k];
  }
  await s3?.stop();
});

async function proxyFor(mode: Parameters<typeof startStallProxy>[1], options?: Parameters<typeof startStallProxy>[2]): Promise<StallProxy> {
  const p = await startStallProxy(s3.endpoint, mode, options);
  proxies.push(p);
  return p;
}

function clientVia(proxy: StallProxy, path = 'db'): S3ReplicaClient {
  const c = new S3ReplicaClient(s3.s3Options(bucket, path, { endpoint: proxy.url }));
  clients.push(c);
  return c;
}

async function firstError(work: () => Promise<unknown>): Promise<Error> {
  try {
    await work();
  } catch (err) {
    return err as Error;
  }
  throw new Error('expected a failure');
}

describe('S3 client deadlines', () => {
  it('reads the idle and connection timeouts from the environment, and refuses nonsense there', () => {
    const options = s3.s3Options(bucket, 'db');
    expect(resolvedS3Settings(options, {})).toMatchObject({ idleTimeout: 30_000, connectionTimeout: 30_000, requestTimeout: 86_400_000 });
    expect(resolvedS3Settings(options, { [IDLE_TIMEOUT_ENV]: '1500' }).idleTimeout).toBe(1500);
    expect(() => resolvedS3Settings(options, { [IDLE_TIMEOUT_ENV]: '30s' })).toThrow(ConfigError);
    expect(() => resolvedS3Settings(options, { [CONNECTION_TIMEOUT_ENV]: '0' })).toThrow(/STREAMBED_S3_CONNECTION_TIMEOUT_MS="0"/);
  });

  it('fails a listing against an endpoint that accepts and never answers, after three timed-out attempts', async () => {
    const proxy = await proxyFor('blackhole');
    const client = clientVia(proxy);
    const err = await firstError(async () => {
      for await (const f of client.listLtxFiles(0)) void f;
    });
    expect(err).toBeInstanceOf(S3OperationError);
    expect(err.message).toMatch(/^S3 ListObjectsV2 s3:\/\/[^ ]+\/db\/0000\/ failed: TimeoutError: .*400 ms of inactivity/);
    expect(proxy.connections).toBe(3);
    expect(client.lastRetriedError()?.reason).toMatch(/^TimeoutError: .*inactivity.*\(attempt 2; retrying\)$/);
  });

  it('close() ends a request in flight: no timeout waited for, no retry', async () => {
    const proxy = await proxyFor('blackhole');
    const client = clientVia(proxy);
    const listing = firstError(async () => {
      for await (const f of client.listLtxFiles(0)) void f;
    });
    while (proxy.connections === 0) await new Promise((r) => setTimeout(r, 10));
    await client.close();
    const err = await listing;
    expect(err).toBeInstanceOf(S3OperationError);
    expect(err.message).toMatch(/abort|closed/i);
    expect(err.message).not.toMatch(/TimeoutError/);
    expect(proxy.connections).toBe(1);
  });

  it('fails a PUT whose answer never comes', async () => {
    const proxy = await proxyFor('blackhole');
    const err = await firstError(() => clientVia(proxy).writeLtxFile({ level: 0, minTXID: 1, maxTXID: 1 }, ltxBody(Buffer.from('x'))));
    expect(err.message).toMatch(/^S3 upload s3:\/\/[^ ]+\/db\/0000\/0000000000000001-0000000000000001\.ltx failed: TimeoutError/);
  });

  it('fails the read of a response body that stalls after its headers', async () => {
    const proxy = await proxyFor('forward', { stallWhen: (line) => line.startsWith('GET ') && line.includes('.ltx') });
    const client = clientVia(proxy, 'body');
    const ref = { level: 0, minTXID: 1, maxTXID: 1 };
    await client.writeLtxFile(ref, ltxBody(Buffer.alloc(64 * 1024, 7)));
    proxy.setMode('stall-body');
    const body = await client.openLtxFile(ref);
    const err = await firstError(() => readAll(body));
    expect(err.name).toBe('TimeoutError');
    expect(err.message).toMatch(/400 ms of inactivity/);
  });

  it('succeeds on a later attempt when a stalled endpoint comes back (its hung connections closed)', async () => {
    const proxy = await proxyFor('blackhole');
    const client = clientVia(proxy, 'back');
    const listing = (async () => {
      const names = [];
      for await (const f of client.listLtxFiles(0)) names.push(f);
      return names;
    })();
    while (proxy.connections < 1) await new Promise((r) => setTimeout(r, 20));
    proxy.setMode('forward', { dropStalled: true });
    expect(await listing).toEqual([]);
  });

  it('times out a connection that is never accepted (SYNs dropped)', async () => {
    const { port, close } = await fullBacklog();
    try {
      const c = new S3ReplicaClient(s3.s3Options(bucket, 'db', { endpoint: `http://127.0.0.1:${port}` }));
      clients.push(c);
      const err = await firstError(async () => {
        for await (const f of c.listLtxFiles(0)) void f;
      });
      expect(err.message).toMatch(/TimeoutError: .*did not establish a connection with the server within the configured timeout of 400 ms/);
    } finally {
      close();
    }
  });

  it('caps the pause between two attempts of one request', async () => {
    vi.spyOn(Math, 'random').mockReturnValue(0.999);
    const client = instrumentedS3Client(s3.s3Options(bucket, 'db'));
    clients.push(client);
    // The client retries with Litestream's strategy, whose backoff is the capped one.
    expect(await sdkOf(client).config.retryStrategy()).toBeInstanceOf(LitestreamRetryStrategy);
    const backoff = new CappedBackoff();
    backoff.setDelayBase(1000);
    // Uncapped, the SDK would wait ~20 s before a late attempt.
    expect(backoff.computeNextBackoffDelay(9)).toBe(S3_MAX_RETRY_DELAY_MS);
    expect(backoff.computeNextBackoffDelay(0)).toBeLessThan(S3_MAX_RETRY_DELAY_MS);
  });
});

/**
 * A listening socket that never accepts, its accept queue already full: the kernel drops further SYNs, so a
 * connect hangs (python3, because Node accepts every connection itself).
 */
async function fullBacklog(): Promise<{ port: number; close: () => void }> {
  const script = [
    'import socket, sys',
    's = socket.socket(); s.bind(("127.0.0.1", 0)); s.listen(0)',
    'port = s.getsockname()[1]',
    'fill = []',
    'for _ in range(4):',
    '    c = socket.socket(); c.setblocking(False)',
    '    try: c.connect(("127.0.0.1", port))',
    '    except BlockingIOError: pass',
    '    fill.append(c)',
    'print(port, flush=True)',
    'sys.stdin.read()',
  ].join('\n');
  const child: ChildProcessWithoutNullStreams = spawn('python3', ['-c', script]);
  const port = await new Promise<number>((resolve, reject) => {
    child.stdout.once('data', (d: Buffer) => resolve(Number(d.toString().trim())));
    child.once('error', reject);
  });
  return { port, close: () => child.kill() };
}

interface Run {
  code: number | null;
  stderr: string;
  ms: number;
}

function runCli(args: string[]): Promise<Run> {
  const started = Date.now();
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], {
      env: { ...process.env, STREAMBED_CONFIG: '', LITESTREAM_CONFIG: '', LOG_LEVEL: '', ...TEST_TIMEOUTS },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    child.stdout.resume();
    const timer = setTimeout(() => child.kill('SIGKILL'), 14_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stderr, ms: Date.now() - started });
    });
  });
}

async function configVia(proxy: StallProxy, dbPath: string, path: string): Promise<string> {
  const dir = await tempDir('deadline-cli');
  const file = join(dir, 'streambed.yml');
  const { accessKeyId, secretAccessKey } = s3.credentials;
  await writeFile(
    file,
    `dbs:\n  - path: ${dbPath}\n    replica:\n      url: s3://${bucket}/${path}\n      endpoint: ${proxy.url}\n` +
      `      access-key-id: ${accessKeyId}\n      secret-access-key: ${secretAccessKey}\n`,
  );
  return file;
}

describe('CLI against a replica that never answers', () => {
  it('ltx exits 1 with the operation, location and timeout in its error', async () => {
    const proxy = await proxyFor('blackhole');
    const config = await configVia(proxy, '/tmp/never.db', 'ltx');
    const run = await runCli(['ltx', '-config', config, '/tmp/never.db']);
    console.log(`ltx against a black hole: exit ${run.code} after ${run.ms} ms: ${run.stderr.trim()}`);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/^streambed: S3 ListObjectsV2 s3:\/\/[^ ]+\/ltx\/\d{4}\/ failed: TimeoutError: .*inactivity/m);
  });

  it('restore exits 1 with a clear error and leaves no output', async () => {
    const proxy = await proxyFor('blackhole');
    const dir = await tempDir('deadline-restore');
    const out = join(dir, 'out.db');
    const config = await configVia(proxy, join(dir, 'app.db'), 'restore');
    const run = await runCli(['restore', '-config', config, '-o', out, join(dir, 'app.db')]);
    console.log(`restore against a black hole: exit ${run.code} after ${run.ms} ms: ${run.stderr.trim()}`);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/TimeoutError: .*inactivity/);
    expect(run.stderr).toContain(`s3://${bucket}/restore/`);
    expect(existsSync(out)).toBe(false);
    expect(existsSync(`${out}.tmp`)).toBe(false);
  });

  it('restore exits 1 when a file body stalls after its headers', async () => {
    const proxy = await proxyFor('forward', { stallWhen: (line) => line.startsWith('GET ') && line.includes('.ltx') });
    const dir = await tempDir('deadline-body');
    const source = join(dir, 'source.db');
    createDb(source);
    await writeRows(source, 20);
    const { replicator } = makeReplicator(source, new S3ReplicaClient(s3.s3Options(bucket, 'body-restore')));
    await replicator.syncAndUpload();
    await replicator.close();
    proxy.setMode('stall-body');
    const out = join(dir, 'out.db');
    const config = await configVia(proxy, join(dir, 'app.db'), 'body-restore');
    const run = await runCli(['restore', '-config', config, '-o', out, join(dir, 'app.db')]);
    console.log(`restore with a stalled body: exit ${run.code} after ${run.ms} ms: ${run.stderr.trim()}`);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/TimeoutError|inactivity/);
    expect(existsSync(out)).toBe(false);
  });
});
