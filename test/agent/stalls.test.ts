// Stalls are loud: the agent logs why it is not replicating, says when changes are late, and resumes within seconds.
import { spawn } from 'node:child_process';
import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PassThrough } from 'node:stream';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { Agent } from '../../agent/agent.ts';
import { createLogger } from '../../agent/logger.ts';
import { L0Store } from '../../agent/l0/store.ts';
import { defaultMetaPath } from '../../core/layout/names.ts';
import { openReplicaClient } from '../../core/replica/open.ts';
import { CONNECTION_TIMEOUT_ENV, IDLE_TIMEOUT_ENV } from '../../core/replica/s3-config.ts';
import { startLocalS3, type LocalS3 } from '../harness/local-s3.ts';
import { startStallProxy, type StallProxy } from '../harness/stall-proxy.ts';
import { useTempDirs } from '../harness/tmp.ts';
import { agentConfig, createDb, dbIn, waitFor, writeRows } from './replicator-helpers.ts';

const TEST_TIMEOUTS = { [IDLE_TIMEOUT_ENV]: '400', [CONNECTION_TIMEOUT_ENV]: '400' };
/** Short versions of the 1-minute thresholds, so each case stays in seconds. */
const LATE_AFTER = 1500;
const REPEAT_LOG = 1000;

const tempDir = useTempDirs();
let s3: LocalS3;
const savedEnv = { ...process.env };
const cleanups: Array<() => Promise<unknown>> = [];

beforeAll(async () => {
  s3 = await startLocalS3();
  Object.assign(process.env, TEST_TIMEOUTS);
});
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});
afterAll(async () => {
  for (const k of Object.keys(TEST_TIMEOUTS)) {
    if (savedEnv[k] === undefined) delete process.env[k];
    else process.env[k] = savedEnv[k];
  }
  await s3?.stop();
});

interface LogLine {
  level: number;
  time: string;
  msg: string;
  err?: unknown;
  [key: string]: unknown;
}

/** A JSON logger at debug level whose lines the test can read (each stamped with the ms it arrived). */
function capturedLogger(): { logger: ReturnType<typeof createLogger>; lines: Array<LogLine & { at: number }> } {
  const out = new PassThrough();
  const lines: Array<LogLine & { at: number }> = [];
  let rest = '';
  out.on('data', (c: Buffer) => {
    const parts = (rest + c.toString()).split('\n');
    rest = parts.pop() ?? '';
    for (const p of parts) if (p) lines.push({ ...(JSON.parse(p) as LogLine), at: Date.now() });
  });
  return { logger: createLogger({ type: 'json', level: 'debug', destination: out, env: {} }), lines };
}

const WARN = 40;
const ERROR = 50;

async function startAgent(options: { replica?: 'proxy' | 'file'; proxy?: StallProxy; minBackoff?: number; maxBackoff?: number } = {}) {
  const dir = await tempDir('stalls');
  const path = dbIn(dir);
  createDb(path);
  const bucket = await s3.createBucket();
  const replica = options.replica === 'file' ? { type: 'file' as const, path: join(dir, 'replica') } : s3.s3Options(bucket, 'db', { endpoint: options.proxy?.url });
  const config = agentConfig([{ path, replica }], { addr: '127.0.0.1:0', compaction: 'remote', shutdownSyncTimeout: 3000 });
  const { logger, lines } = capturedLogger();
  const agent = new Agent(config, {
    logger, lateAfter: LATE_AFTER, repeatLogInterval: REPEAT_LOG, minBackoff: options.minBackoff, maxBackoff: options.maxBackoff,
  });
  await agent.start();
  cleanups.push(() => agent.stop({ finalSync: false }));
  const replicator = agent.replicators[0];
  const base = agent.metricsUrl!.replace(/\/metrics$/, '');
  const caughtUp = (): boolean => replicator.isCaughtUp();
  return { dir, path, agent, replicator, lines, base, caughtUp, replica };
}

async function readyz(base: string): Promise<{ status: number; body: { ready: boolean; late: string[]; databases: Array<Record<string, unknown>> } }> {
  const res = await fetch(`${base}/readyz`);
  return { status: res.status, body: (await res.json()) as { ready: boolean; late: string[]; databases: Array<Record<string, unknown>> } };
}

async function gauge(base: string, name: string, db: string): Promise<number> {
  const text = await (await fetch(`${base}/metrics`)).text();
  const line = text.split('\n').find((l) => l.startsWith(`${name}{db="${db}"}`));
  return line === undefined ? NaN : Number(line.split(' ').pop());
}

describe('an endpoint that accepts connections and never answers', () => {
  it('is logged with its reason, makes waiting changes late (ERROR, /readyz 503, gauge), and replication resumes once it is back', async () => {
    const proxy = await startStallProxy(s3.endpoint);
    cleanups.push(() => proxy.stop());
    const { path, replicator, lines, base, caughtUp } = await startAgent({ proxy });
    await writeRows(path, 5);
    await waitFor(() => caughtUp() && replicator.replicaTXID! > 0, 10_000, 'first uploads');
    expect((await readyz(base)).status).toBe(200);
    expect(await gauge(base, 'streambed_last_upload_timestamp_seconds', path)).toBeGreaterThan(Date.now() / 1000 - 60);

    const blackholeAt = Date.now();
    proxy.setMode('blackhole');
    await writeRows(path, 5);
    const firstLoud = await waitForLine(lines, (l) => l.level >= WARN && /TimeoutError/.test(String(l.err)), 10_000, blackholeAt);
    expect(firstLoud.msg).toMatch(/replica request failed; retrying|replication failed; will retry/);
    const late = await waitForLine(lines, (l) => l.level === ERROR && l.msg === 'committed changes are waiting unreplicated', 10_000, blackholeAt);
    expect(late.waitingS).toBeGreaterThanOrEqual(LATE_AFTER / 1000);
    expect(String(late.err)).toMatch(/TimeoutError|has not finished/);
    const notReady = await readyz(base);
    expect(notReady.status).toBe(503);
    expect(notReady.body).toMatchObject({ ready: false, late: [path] });
    expect(notReady.body.databases[0]).toMatchObject({ db: path, ready: false, lateAfterSeconds: LATE_AFTER / 1000 });
    expect(notReady.body.databases[0].replicaTXID).toMatch(/^[0-9a-f]{16}$/);
    expect(await gauge(base, 'streambed_unreplicated_seconds', path)).toBeGreaterThanOrEqual(LATE_AFTER / 1000);
    expect(await gauge(base, 'streambed_replica_txid', path)).toBeGreaterThan(0);

    const backAt = Date.now();
    proxy.setMode('forward', { dropStalled: true });
    await waitFor(() => caughtUp() && replicator.lateness.report().waitingMs === 0, 15_000, 'replication to resume');
    const resumedAt = Date.now();
    expect((await readyz(base)).status).toBe(200);
    expect(await gauge(base, 'streambed_unreplicated_seconds', path)).toBe(0);
    await waitForLine(lines, (l) => l.msg === 'replication recovered', 5000, backAt);
    console.log(
      `black hole (idle timeout 400 ms): first loud line after ${firstLoud.at - blackholeAt} ms, late ERROR after ${late.at - blackholeAt} ms; ` +
        `caught up ${resumedAt - backAt} ms after the endpoint returned`,
    );
  });

  it('leaves an idle database ready', async () => {
    const proxy = await startStallProxy(s3.endpoint);
    cleanups.push(() => proxy.stop());
    const { path, replicator, base, caughtUp, lines } = await startAgent({ proxy });
    await writeRows(path, 3);
    await waitFor(() => caughtUp() && replicator.replicaTXID! > 0, 10_000, 'first uploads');
    proxy.setMode('blackhole');
    await new Promise((r) => setTimeout(r, LATE_AFTER + 700));
    const answer = await readyz(base);
    expect(answer.status).toBe(200);
    expect(answer.body).toMatchObject({ ready: true, late: [] });
    expect(answer.body.databases[0]).toMatchObject({ db: path, ready: true, waitingSeconds: 0 });
    expect(await gauge(base, 'streambed_unreplicated_seconds', path)).toBe(0);
    expect(lines.filter((l) => l.level >= ERROR)).toEqual([]);
  });
});

describe('a failure that keeps repeating', () => {
  it('is logged at WARN again at least once per interval, with the count of repeats since the last line', async () => {
    const { path, replica, lines, caughtUp, replicator } = await startAgent({ replica: 'file', minBackoff: 50, maxBackoff: 100 });
    await writeRows(path, 2);
    await waitFor(() => caughtUp() && replicator.replicaTXID! > 0, 10_000, 'first uploads');
    // The outage: the replica's level-0 directory becomes a plain file, so every listing and write fails.
    const level0 = join(replica.path, 'ltx', '0');
    await rename(level0, `${level0}.saved`);
    await writeFile(level0, 'not a directory');
    const from = Date.now();
    await writeRows(path, 2);
    await waitFor(() => Date.now() - from > 2.6 * REPEAT_LOG, 10_000, 'time');
    const failures = lines.filter((l) => l.at >= from && l.msg === 'replication failed; will retry');
    const loud = failures.filter((l) => l.level >= WARN);
    expect(failures.length).toBeGreaterThan(loud.length * 3);
    expect(loud.length).toBeGreaterThanOrEqual(2);
    expect(loud.length).toBeLessThanOrEqual(4);
    for (const l of loud) expect(String(l.err)).toMatch(/ENOTDIR|not a directory|EEXIST/);
    // A line for a reason already logged says how often it came back since.
    const repeatLines = loud.filter((l, i) => i > 0 && l.err === loud[i - 1].err);
    expect(repeatLines.length).toBeGreaterThanOrEqual(1);
    for (const l of repeatLines) expect(Number(l.repeatedSinceLastLine)).toBeGreaterThanOrEqual(1);
    expect(loud.at(-1)!.errors).toBeGreaterThan(loud[0].errors as number);
    // Late now: the loud lines turn to ERROR.
    expect(loud.some((l) => l.level === ERROR)).toBe(true);
    await rm(level0);
    await rename(`${level0}.saved`, level0);
    await waitFor(caughtUp, 10_000, 'recovery');
  });
});

describe('a local staging directory that cannot be written (sync lane)', () => {
  it('makes the waiting changes late, and syncing resumes within seconds once it is writable again', async () => {
    // Default backoff (1 s doubling to 4 s), as in production.
    const { path, replicator, lines, base, caughtUp } = await startAgent({ replica: 'file', minBackoff: undefined, maxBackoff: undefined });
    await writeRows(path, 3);
    await waitFor(() => caughtUp() && replicator.replicaTXID! > 0, 10_000, 'first uploads');
    const staging = new L0Store(defaultMetaPath(path)).dir;
    await rename(staging, `${staging}.saved`);
    await writeFile(staging, 'disk full');
    const brokenAt = Date.now();
    await writeRows(path, 3);
    const warned = await waitForLine(lines, (l) => l.level >= WARN && l.msg === 'sync failed; will retry', 10_000, brokenAt);
    expect(String(warned.err)).toMatch(/ENOTDIR|not a directory|EEXIST/);
    // Those rows went up from memory; these reach only the WAL while the staging directory is broken.
    await writeRows(path, 3);
    await waitFor(async () => (await readyz(base)).status === 503, 10_000, '/readyz to turn 503');
    await waitForLine(lines, (l) => l.level === ERROR && l.msg === 'committed changes are waiting unreplicated', 5000, brokenAt);
    // Stay broken long enough for the backoff to reach its ceiling.
    await new Promise((r) => setTimeout(r, 6000 - (Date.now() - brokenAt)));
    await rm(staging);
    await rename(`${staging}.saved`, staging);
    const fixedAt = Date.now();
    const txidBefore = replicator.db.txid();
    // Resumed: every change is in the replica again (nothing waits), past the position held during the failure.
    await waitFor(() => replicator.lateness.report().waitingMs === 0 && caughtUp() && replicator.db.txid() > txidBefore, 15_000, 'sync to resume');
    const resumedAt = Date.now();
    await waitForLine(lines, (l) => l.msg === 'sync recovered', 5000, fixedAt);
    // The retry delay doubles from 1 s and stops at 4 s, so a fixed cause is noticed within seconds.
    const delays = lines.filter((l) => l.msg === 'sync failed; will retry').map((l) => Number(l.retryInMs));
    expect(delays.slice(0, 3)).toEqual([1000, 2000, 4000]);
    expect(Math.max(...delays)).toBe(4000);
    expect((await readyz(base)).status).toBe(200);
    console.log(`staging dir unwritable for ${fixedAt - brokenAt} ms: caught up ${resumedAt - fixedAt} ms after it was fixed`);
    await mkdir(staging, { recursive: true });
  });
});

describe('SIGTERM while the replica hangs', () => {
  it('the replicate command still exits (code 1, the reason logged) within shutdown-sync-timeout', async () => {
    const proxy = await startStallProxy(s3.endpoint);
    cleanups.push(() => proxy.stop());
    const dir = await tempDir('stall-sigterm');
    const path = dbIn(dir);
    createDb(path);
    const bucket = await s3.createBucket();
    const config = join(dir, 'streambed.yml');
    await writeFile(
      config,
      `dbs:\n  - path: ${path}\n    replica:\n      url: s3://${bucket}/db\n      endpoint: ${proxy.url}\n` +
        `      access-key-id: ${s3.credentials.accessKeyId}\n      secret-access-key: ${s3.credentials.secretAccessKey}\n      sync-interval: 100ms\n` +
        `shutdown-sync-timeout: 2s\nshutdown-sync-interval: 100ms\n`,
    );
    const bin = fileURLToPath(new URL('../../bin/streambed.mjs', import.meta.url));
    // A long idle timeout: the request in flight at SIGTERM is still hanging when the grace runs out.
    const child = spawn(process.execPath, [bin, 'replicate', '-config', config], {
      env: { ...process.env, STREAMBED_CONFIG: '', LOG_LEVEL: '', [IDLE_TIMEOUT_ENV]: '20000' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString()));
    child.stderr.on('data', (c: Buffer) => (out += c.toString()));
    const exited = new Promise<{ code: number | null; at: number }>((resolve) => child.on('close', (code) => resolve({ code, at: Date.now() })));
    const killer = setTimeout(() => child.kill('SIGKILL'), 14_000);
    try {
      await waitFor(() => out.includes('replicating'), 10_000, 'the agent to start');
      await writeRows(path, 3);
      const direct = openReplicaClient(s3.s3Options(bucket, 'db'));
      await waitFor(async () => (await listTXIDs(direct)).length > 0, 5000, 'the first upload');
      proxy.setMode('blackhole');
      await writeRows(path, 3);
      await new Promise((r) => setTimeout(r, 500));
      const signalledAt = Date.now();
      child.kill('SIGTERM');
      const { code, at } = await exited;
      console.log(`SIGTERM while the endpoint hangs (shutdown-sync-timeout 2 s): exit ${code} after ${at - signalledAt} ms`);
      expect(code).toBe(1);
      expect(out).toMatch(/ERROR +(shutdown: a replication request was still running|final sync did not finish).* error=/);
      expect(out).toMatch(/ERROR +shutdown: some changes could not be uploaded/);
    } finally {
      clearTimeout(killer);
      child.kill('SIGKILL');
    }
  });
});

async function listTXIDs(client: ReturnType<typeof openReplicaClient>): Promise<number[]> {
  const txids: number[] = [];
  for await (const f of client.listLtxFiles(0)) txids.push(f.maxTXID);
  return txids;
}

async function waitForLine(
  lines: Array<LogLine & { at: number }>,
  match: (l: LogLine) => boolean,
  timeoutMs: number,
  since: number,
): Promise<LogLine & { at: number }> {
  let found: (LogLine & { at: number }) | undefined;
  await waitFor(() => (found = lines.find((l) => l.at >= since && match(l))) !== undefined, timeoutMs, 'a log line');
  return found!;
}
