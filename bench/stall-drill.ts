// Stall drill with the production deadlines: the real `replicate` against an S3 endpoint that turns into a black hole,
// a staging directory that breaks, SIGTERM during a hang, and restore/ltx against the black hole. Prints the figures
// of issue 7 items 4-5 (first log line, resume after the cause goes away, exit time, failure time and message).
// Usage: node bench/stall-drill.ts [--blackhole-s 100] [--silent-s 45] [--staging-s 30] [--sigterm-after-s 10] [--idle-ms N]
// (--idle-ms sets STREAMBED_S3_IDLE_TIMEOUT_MS for a quick run; the figures to report use the default 30 s.)
import BetterSqlite3 from 'better-sqlite3';
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { mkdtemp, rename, rm, writeFile } from 'node:fs/promises';
import net from 'node:net';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { L0Store } from '../agent/l0/store.ts';
import { defaultMetaPath } from '../core/layout/names.ts';
import { IDLE_TIMEOUT_ENV } from '../core/replica/s3-config.ts';
import { startLocalS3 } from '../test/harness/local-s3.ts';
import { startStallProxy } from '../test/harness/stall-proxy.ts';

const { values: args } = parseArgs({
  options: {
    'blackhole-s': { type: 'string', default: '100' },
    'silent-s': { type: 'string', default: '45' },
    'staging-s': { type: 'string', default: '30' },
    'sigterm-after-s': { type: 'string', default: '10' },
    'idle-ms': { type: 'string' },
  },
});
const BIN = new URL('../bin/streambed.mjs', import.meta.url).pathname;
const env: NodeJS.ProcessEnv = { ...process.env, STREAMBED_CONFIG: '', LITESTREAM_CONFIG: '', LOG_LEVEL: '' };
if (args['idle-ms']) env[IDLE_TIMEOUT_ENV] = args['idle-ms'];
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const s = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

const s3 = await startLocalS3();
const bucket = await s3.createBucket();
const proxy = await startStallProxy(s3.endpoint);
const dir = await mkdtemp(join(tmpdir(), 'streambed-stall-drill-'));
const dbPath = join(dir, 'app.db');
const port = await freePort();
const config = join(dir, 'streambed.yml');
const replicaYaml = (path: string) =>
  `    replica:\n      url: s3://${bucket}/${path}\n      endpoint: ${proxy.url}\n` +
  `      access-key-id: ${s3.credentials.accessKeyId}\n      secret-access-key: ${s3.credentials.secretAccessKey}\n`;
await writeFile(config, `addr: 127.0.0.1:${port}\ndbs:\n  - path: ${dbPath}\n${replicaYaml('db')}`);

const db = new BetterSqlite3(dbPath);
db.pragma('journal_mode = WAL');
db.exec('CREATE TABLE IF NOT EXISTS t (id INTEGER PRIMARY KEY, v TEXT NOT NULL, at INTEGER NOT NULL)');
const insert = db.prepare('INSERT INTO t (v, at) VALUES (?, ?)');
const writer = setInterval(() => insert.run('x'.repeat(100), Date.now()), 250);

const lines: Array<{ at: number; text: string }> = [];
const results: string[] = [];
const agent = startAgent();

try {
  await waitUntil(() => lines.some((l) => l.text.includes(' replicating ')), 30_000, 'the agent to start');
  await waitUntil(async () => (await ready()).uploaded && (await ready()).waiting === 0, 30_000, 'the first uploads');

  // A. The endpoint accepts and never answers, then comes back as a restarted server (hung connections closed).
  let t = Date.now();
  proxy.setMode('blackhole');
  let notReadyAt = 0;
  const until = t + Number(args['blackhole-s']) * 1000;
  while (Date.now() < until) {
    if (!notReadyAt && (await ready()).status === 503) notReadyAt = Date.now();
    await sleep(250);
  }
  const after = (match: (text: string) => boolean): string => {
    const l = lines.find((x) => x.at >= t && match(x.text));
    return l ? `${s(l.at - t)}: ${l.text}` : 'never';
  };
  results.push(`A black hole: first loud line after ${after((l) => / (WARN|ERROR) /.test(l))}`);
  results.push(`A black hole: first late ERROR after ${after((l) => l.includes('committed changes are waiting unreplicated'))}`);
  results.push(`A black hole: /readyz 503 after ${notReadyAt ? s(notReadyAt - t) : 'never'}`);
  results.push(`A black hole: loud lines: ${lines.filter((x) => x.at >= t && / (WARN|ERROR) /.test(x.text)).length}`);
  t = Date.now();
  proxy.setMode('forward', { dropStalled: true });
  await waitUntil(async () => (await ready()).waiting === 0, 120_000, 'resume after A');
  results.push(`A black hole for ${args['blackhole-s']} s, endpoint restarted: nothing waiting ${s(Date.now() - t)} after it returned`);

  // B. Same, but connections that hung stay hung (a server that froze and thawed without answering them).
  proxy.setMode('blackhole');
  await sleep(Number(args['silent-s']) * 1000);
  t = Date.now();
  proxy.setMode('forward');
  await waitUntil(async () => (await ready()).waiting === 0, 120_000, 'resume after B');
  results.push(`B black hole for ${args['silent-s']} s, hung connections left hanging: nothing waiting ${s(Date.now() - t)} after it returned`);

  // C. The local staging directory cannot be written (as on a full disk): the sync lane fails.
  const staging = new L0Store(defaultMetaPath(dbPath)).dir;
  await rename(staging, `${staging}.saved`);
  await writeFile(staging, 'disk full');
  t = Date.now();
  const syncWarn = waitForLine(t, (l) => l.includes('sync failed'));
  await sleep(Number(args['staging-s']) * 1000);
  await rm(staging);
  await rename(`${staging}.saved`, staging);
  const warned = await syncWarn;
  const brokenAt = t;
  t = Date.now();
  await waitUntil(async () => (await ready()).waiting === 0, 60_000, 'resume after C');
  results.push(`C staging dir unwritable for ${args['staging-s']} s: nothing waiting ${s(Date.now() - t)} after it was fixed`);
  results.push(`C first line after ${s(warned.at - brokenAt)}: ${warned.text}`);

  // D. SIGTERM while the endpoint hangs.
  proxy.setMode('blackhole');
  await sleep(Number(args['sigterm-after-s']) * 1000);
  t = Date.now();
  agent.kill('SIGTERM');
  const code = await new Promise<number | null>((resolve) => agent.once('close', resolve));
  results.push(`D SIGTERM during the black hole: exit ${code} after ${s(Date.now() - t)} (shutdown-sync-timeout 30 s)`);
  for (const l of lines.filter((x) => x.at >= t)) results.push(`    ${l.text}`);

  // E. restore and ltx against the black hole (in parallel).
  const [restore, ltx] = await Promise.all([
    runCli(['restore', '-config', config, '-o', join(dir, 'restored.db'), dbPath]),
    runCli(['ltx', '-config', config, dbPath]),
  ]);
  results.push(`E restore: exit ${restore.code} after ${s(restore.ms)}: ${restore.stderr.trim()}`);
  results.push(`E ltx: exit ${ltx.code} after ${s(ltx.ms)}: ${ltx.stderr.trim()}`);
} finally {
  clearInterval(writer);
  agent.kill('SIGKILL');
  db.close();
  await proxy.stop();
  await s3.stop();
  await rm(dir, { recursive: true, force: true });
}
console.log(results.join('\n'));
process.exit(0);

function startAgent(): ChildProcess {
  const child = spawn(process.execPath, [BIN, 'replicate', '-config', config], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let rest = '';
  const onData = (c: Buffer): void => {
    const parts = (rest + c.toString()).split('\n');
    rest = parts.pop() ?? '';
    for (const text of parts) if (text) lines.push({ at: Date.now(), text });
  };
  child.stdout!.on('data', onData);
  child.stderr!.on('data', onData);
  return child;
}

async function ready(): Promise<{ status: number; waiting: number; uploaded: boolean }> {
  try {
    const res = await fetch(`http://127.0.0.1:${port}/readyz`);
    const body = (await res.json()) as { databases: Array<{ waitingSeconds: number; lastUploadAt?: string }> };
    return { status: res.status, waiting: body.databases[0]?.waitingSeconds ?? NaN, uploaded: body.databases[0]?.lastUploadAt !== undefined };
  } catch {
    return { status: 0, waiting: NaN, uploaded: false };
  }
}

async function waitUntil(cond: () => boolean | Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await cond())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(100);
  }
}

async function waitForLine(since: number, match: (text: string) => boolean): Promise<{ at: number; text: string }> {
  for (;;) {
    const found = lines.find((l) => l.at >= since && match(l.text));
    if (found) return found;
    await sleep(50);
  }
}

function runCli(cliArgs: string[]): Promise<{ code: number | null; ms: number; stderr: string }> {
  const started = Date.now();
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [BIN, ...cliArgs], { env, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    child.on('close', (code) => resolve({ code, ms: Date.now() - started, stderr }));
  });
}

async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port: p } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return p;
}
