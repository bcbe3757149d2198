// Fleet benchmark: one agent serving a `dir` of N databases (10 active at 1 tx/s, the rest idle): agent RSS and CPU,
// S3 requests per minute (counting proxy in front of fauxqs) while all are idle and while 10 write, and commit→ack lag.
// Usage: node bench/fleet.ts [--sizes 100,1000] [--active 10] [--idle-seconds 60] [--active-seconds 120]
//        [--settle-seconds 120] [--cap N (max-requests-per-second)] [--bundle (agent from the dist/-style bundle)] [--smoke]
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import type BetterSqlite3 from 'better-sqlite3';
import type { UploadEvent } from '../agent/replicator.ts';
import { spawnLocalS3 } from '../test/harness/local-s3-child.ts';
import { diffCounts, startMeteringProxy, totalRequests, type MeterCounts, type MeteringProxy } from '../test/harness/counting-proxy.ts';

const REPO = fileURLToPath(new URL('../', import.meta.url));
const CREDS = { accessKeyId: 'AKIAFLEETBENCH', secretAccessKey: 'fleet-bench-secret' };
const CLK_TCK = 100;

interface Options {
  sizes: number[];
  active: number;
  idleSeconds: number;
  activeSeconds: number;
  settleSeconds: number;
  cap?: number;
  /** Run the agent child from an esbuild bundle built as scripts/build.mjs builds dist/ (what installed users run). */
  bundle: boolean;
}

function parseOptions(argv: string[]): Options {
  const value = (name: string): string | undefined => {
    const i = argv.indexOf(name);
    return i >= 0 ? argv[i + 1] : undefined;
  };
  const smoke = argv.includes('--smoke');
  const cap = value('--cap');
  return {
    sizes: (value('--sizes') ?? (smoke ? '20' : '100,1000')).split(',').map(Number),
    active: Number(value('--active') ?? (smoke ? 3 : 10)),
    idleSeconds: Number(value('--idle-seconds') ?? (smoke ? 5 : 60)),
    activeSeconds: Number(value('--active-seconds') ?? (smoke ? 5 : 120)),
    settleSeconds: Number(value('--settle-seconds') ?? (smoke ? 20 : 120)),
    cap: cap === undefined ? undefined : Number(cap),
    bundle: argv.includes('--bundle'),
  };
}

function procUsage(pid: number): { cpuS: number; rssMiB: number } {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const rssKb = Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0);
  return { cpuS: (Number(fields[11]) + Number(fields[12])) / CLK_TCK, rssMiB: rssKb / 1024 };
}


function configYaml(dir: string, endpoint: string, bucket: string, cap: number | undefined): string {
  return [
    ...(cap ? [`max-requests-per-second: ${cap}`] : []),
    'dbs:',
    `  - dir: ${dir}`,
    '    pattern: "*.db"',
    '    replica:',
    '      type: s3',
    `      bucket: ${bucket}`,
    '      path: fleet',
    `      endpoint: ${endpoint}`,
    '      region: us-east-1',
    '      force-path-style: true',
    `      access-key-id: ${CREDS.accessKeyId}`,
    `      secret-access-key: ${CREDS.secretAccessKey}`,
    '      sync-interval: 1s',
  ].join('\n') + '\n';
}

async function createDatabases(dir: string, n: number): Promise<string[]> {
  const Sqlite = (await import('better-sqlite3')).default;
  const paths: string[] = [];
  for (let i = 0; i < n; i++) {
    const path = join(dir, `tenant-${String(i).padStart(4, '0')}.db`);
    const db = new Sqlite(path);
    db.pragma('journal_mode = wal');
    db.exec('CREATE TABLE t (id INTEGER PRIMARY KEY, at INTEGER, body BLOB)');
    db.prepare('INSERT INTO t (at, body) VALUES (?, randomblob(200))').run(Date.now());
    db.close();
    paths.push(path);
  }
  return paths;
}

interface AgentRun {
  child: ChildProcess;
  uploads: UploadEvent[];
  started: Promise<number>;
  memory: () => NodeJS.MemoryUsage | undefined;
  exited: Promise<number | null>;
}

/** The agent child's entry: the TypeScript source, or the bundle `--bundle` built. */
let agentEntry = join(REPO, 'bench/fleet-agent.ts');

async function buildAgentBundle(): Promise<void> {
  const outdir = join(REPO, '.bench-out/fleet-bundle');
  const script: string = '../scripts/build.mjs'; // plain JavaScript without type declarations
  const { build } = (await import(script)) as { build: (o: { outdir: string; entries: Record<string, string> }) => Promise<unknown> };
  await build({ outdir, entries: { 'fleet-agent': 'bench/fleet-agent.ts' } });
  agentEntry = join(outdir, 'fleet-agent.mjs');
}

function startAgent(configPath: string): AgentRun {
  const child = spawn(process.execPath, [agentEntry, configPath], {
    env: { ...process.env, AWS_REGION: 'us-east-1' }, stdio: ['ignore', 'pipe', 'pipe'],
  });
  const uploads: UploadEvent[] = [];
  let memory: NodeJS.MemoryUsage | undefined;
  let markStarted: (n: number) => void = () => undefined;
  const started = new Promise<number>((r) => (markStarted = r));
  child.stderr!.on('data', (c: Buffer) => process.stderr.write(`agent: ${c.toString()}`));
  createInterface({ input: child.stdout! }).on('line', (line) => {
    if (!line.startsWith('{')) return;
    const rec = JSON.parse(line) as Record<string, unknown>;
    if (rec.msg === 'uploaded') uploads.push(rec as unknown as UploadEvent);
    else if (rec.msg === 'memory') memory = rec as unknown as NodeJS.MemoryUsage;
    else if (rec.msg === 'started') markStarted(Number(rec.dbs));
    else if (typeof rec.level === 'number' && rec.level >= 40) process.stderr.write(`agent: ${line}\n`);
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
  return { child, uploads, started, memory: () => memory, exited };
}

interface Window {
  seconds: number;
  counts: MeterCounts;
  cpuPct: number;
  rssMaxMiB: number;
  rssEndMiB: number;
}

async function measure(proxy: MeteringProxy, pid: number, seconds: number, during?: () => Promise<void>): Promise<Window> {
  const before = proxy.snapshot();
  const cpu0 = procUsage(pid).cpuS;
  const t0 = Date.now();
  let rssMax = 0;
  const sampler = setInterval(() => (rssMax = Math.max(rssMax, procUsage(pid).rssMiB)), 1000);
  if (during) await during();
  else await sleep(seconds * 1000);
  clearInterval(sampler);
  const elapsed = (Date.now() - t0) / 1000;
  const end = procUsage(pid);
  return { seconds: elapsed, counts: diffCounts(proxy.snapshot(), before), cpuPct: ((end.cpuS - cpu0) / elapsed) * 100, rssMaxMiB: Math.max(rssMax, end.rssMiB), rssEndMiB: end.rssMiB };
}

/**
 * Each database's first sync counts as data for the interval checkpoint (checkpoint-interval, 1 min by default),
 * which then writes and uploads one small L0 file, compacted into L1 at the next 30 s window: the idle window
 * starts after both, or it counts them (a thousand PUTs and compaction passes).
 */
const FIRST_CHECKPOINT_SETTLE_MS = 110_000;

/**
 * Waits until the agent made no request for 10 s (start-up listings, first snapshots and first interval
 * checkpoints done, so not before FIRST_CHECKPOINT_SETTLE_MS after `startedAt`), or the limit.
 */
async function settle(proxy: MeteringProxy, limitSeconds: number, startedAt: number): Promise<number> {
  const t0 = Date.now();
  let last = totalRequests(proxy.snapshot());
  let quietSince = Date.now();
  while (Date.now() - t0 < limitSeconds * 1000) {
    await sleep(1000);
    const now = totalRequests(proxy.snapshot());
    if (now !== last) quietSince = Date.now();
    last = now;
    if (Date.now() - quietSince >= 10_000 && Date.now() - startedAt >= FIRST_CHECKPOINT_SETTLE_MS) break;
  }
  return (Date.now() - t0) / 1000;
}

async function writeActive(writers: BetterSqlite3.Statement[], commits: number[][], seconds: number): Promise<void> {
  const t0 = Date.now();
  for (let n = 0; Date.now() - t0 < seconds * 1000; n++) {
    // Staggered across the second, as independent applications would be.
    for (let i = 0; i < writers.length; i++) {
      const due = t0 + n * 1000 + (i * 1000) / writers.length;
      const wait = due - Date.now();
      if (wait > 0) await sleep(wait);
      writers[i].run(Date.now());
      commits[i].push(Date.now());
    }
  }
}

const perMin = (w: Window): number => (totalRequests(w.counts) / w.seconds) * 60;
const kinds = (w: Window): string =>
  Object.entries(w.counts.requests).filter(([, n]) => n > 0).map(([k, n]) => `${k} ${((n / w.seconds) * 60).toFixed(1)}`).join(', ') || 'none';
const f1 = (x: number): string => x.toFixed(1);

async function runSize(n: number, opts: Options): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'streambed-fleet-'));
  const dbDir = join(dir, 'tenants');
  await mkdir(dbDir);
  const s3 = await spawnLocalS3(['--bucket', 'fleet']);
  const proxy = await startMeteringProxy(s3.endpoint);
  const Sqlite = (await import('better-sqlite3')).default;
  const conns: BetterSqlite3.Database[] = [];
  let agent: AgentRun | undefined;
  try {
    const paths = await createDatabases(dbDir, n);
    const configPath = join(dir, 'streambed.yml');
    await writeFile(configPath, configYaml(dbDir, proxy.url, s3.bucket, opts.cap));
    const t0 = Date.now();
    agent = startAgent(configPath);
    const served = await Promise.race([agent.started, agent.exited.then(() => Promise.reject(new Error('agent exited early')))]);
    const startS = (Date.now() - t0) / 1000;
    const pid = agent.child.pid!;
    const startCpu = procUsage(pid).cpuS;
    const settleS = await settle(proxy, opts.settleSeconds, t0);
    const startup = proxy.snapshot();
    const firstUploads = new Set(agent.uploads.map((u) => u.db)).size;
    console.log(`\n${n} databases (${opts.active} active at 1 tx/s)${opts.cap ? `, max-requests-per-second ${opts.cap}` : ''}`);
    console.log(`  start: ${served} served after ${f1(startS)} s (CPU ${f1(startCpu)} s); start-up requests ${totalRequests(startup)} (${f1(totalRequests(startup) / n)} per database), quiet after ${f1(settleS)} s; ${firstUploads} databases uploaded their first file`);

    const idle = await measure(proxy, pid, opts.idleSeconds);
    console.log(`  all idle, ${f1(idle.seconds)} s: ${f1(perMin(idle))} requests/min (${kinds(idle)}); CPU ${f1(idle.cpuPct)}% of a core; RSS ${f1(idle.rssEndMiB)} MiB (max ${f1(idle.rssMaxMiB)})`);

    const activePaths = paths.slice(0, opts.active);
    const writers = activePaths.map((p) => {
      const db = new Sqlite(p);
      db.pragma('busy_timeout = 5000');
      conns.push(db);
      return db.prepare('INSERT INTO t (at, body) VALUES (?, randomblob(200))');
    });
    const commits: number[][] = activePaths.map(() => []);
    const uploadsBefore = agent.uploads.length;
    const active = await measure(proxy, pid, opts.activeSeconds, () => writeActive(writers, commits, opts.activeSeconds));
    await sleep(3000); // the last commits' uploads
    agent.child.kill('SIGUSR2');
    await sleep(1000);
    const { commitLags, summarizeLag } = await import('../agent/lag.ts');
    const uploads = agent.uploads.slice(uploadsBefore);
    const lags = activePaths.flatMap((p, i) => commitLags(commits[i], uploads.filter((u) => u.db === p)));
    const lag = summarizeLag(lags);
    const idleUploads = uploads.filter((u) => !activePaths.includes(u.db)).length;
    console.log(`  ${opts.active} active, ${f1(active.seconds)} s: ${f1(perMin(active))} requests/min (${kinds(active)}); L0 uploads of idle databases: ${idleUploads}`);
    console.log(`    CPU ${f1(active.cpuPct)}% of a core; RSS ${f1(active.rssEndMiB)} MiB (max ${f1(active.rssMaxMiB)})`);
    console.log(`    commit→ack lag over ${lag.count} commits: p50 ${f1(lag.p50)} ms, p99 ${f1(lag.p99)} ms, max ${f1(lag.max)} ms`);
    const mem = agent.memory();
    if (mem) {
      const mib = (b: number): string => f1(b / 1048576);
      console.log(`    memory: heap used ${mib(mem.heapUsed)} MiB of ${mib(mem.heapTotal)}, external ${mib(mem.external)} MiB, array buffers ${mib(mem.arrayBuffers)} MiB; RSS per database ${f1((active.rssEndMiB * 1024) / n)} KiB`);
    }
  } finally {
    for (const c of conns) c.close();
    if (agent && agent.child.exitCode === null) {
      agent.child.kill('SIGTERM');
      await Promise.race([agent.exited, sleep(60_000)]);
      if (agent.child.exitCode === null) agent.child.kill('SIGKILL');
    }
    await proxy.stop();
    await s3.stop();
    await rm(dir, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  const opts = parseOptions(process.argv.slice(2));
  if (opts.bundle) await buildAgentBundle();
  console.log(`fleet bench: sizes ${opts.sizes.join(', ')}; idle ${opts.idleSeconds} s, active ${opts.activeSeconds} s; agent from ${opts.bundle ? 'the bundle' : 'the TypeScript sources'}; node ${process.version}`);
  for (const n of opts.sizes) await runSize(n, opts);
}

await main();
