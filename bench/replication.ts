// Replication benchmark: commit→S3-ack lag, sustained write rates, agent CPU and RSS, all against fauxqs in a child process.
// Options: --seconds N, --smoke, --only TEXT, --compaction local|remote. Environment: BENCH_AGENT_NODE_FLAGS (node flags
// for the agent child), BENCH_NO_RUNTIME_FLAGS=1 (skip agent/runtime-flags.ts), BENCH_DUMP=PREFIX (write each
// scenario's commit times and upload events to PREFIX.<sync-interval>.<dbs>.json).
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import type BetterSqlite3 from 'better-sqlite3';
import type { LagSummary } from '../agent/lag.ts';
import type { UploadEvent } from '../agent/replicator.ts';

// Heavy modules load lazily so the agent child (`--run-agent`) carries only what the agent itself needs.
const lazy = {
  demo: () => import('../agent/lag.ts'),
  s3: () => import('@aws-sdk/client-s3'),
  sqlite: async () => (await import('better-sqlite3')).default,
};

const SELF = fileURLToPath(import.meta.url);
const BUCKET = 'bench';
const CREDS = { accessKeyId: 'AKIABENCH', secretAccessKey: 'bench-secret' };
const CLK_TCK = 100;

interface S3Server {
  endpoint: string;
  pid: number;
  stop(): Promise<void>;
}

/** Child-process mode: run fauxqs on 127.0.0.1 and print its endpoint. */
async function serveS3(): Promise<void> {
  const { startLocalS3 } = await import('../test/harness/local-s3.ts');
  const s3 = await startLocalS3();
  await s3.createBucket(BUCKET);
  process.stdout.write(JSON.stringify({ endpoint: s3.endpoint }) + '\n');
  process.stdin.resume();
  process.stdin.on('end', () => void s3.stop().then(() => process.exit(0)));
}

async function startS3Child(): Promise<S3Server> {
  const child = spawn(process.execPath, [SELF, '--serve-s3'], { stdio: ['pipe', 'pipe', 'inherit'] });
  const line = await new Promise<string>((resolve, reject) => {
    const rl = createInterface({ input: child.stdout! });
    rl.once('line', resolve);
    child.once('exit', (code) => reject(new Error(`fauxqs child exited with ${code}`)));
  });
  const { endpoint } = JSON.parse(line) as { endpoint: string };
  return {
    endpoint,
    pid: child.pid!,
    stop: async () => {
      child.stdin!.end();
      await new Promise((r) => child.once('exit', r));
    },
  };
}

/** Sequential small PUTs straight to fauxqs: the floor any replication lag stands on. */
async function measurePuts(endpoint: string, n: number, size: number): Promise<LagSummary> {
  const { S3Client, PutObjectCommand } = await lazy.s3();
  const { summarizeLag } = await lazy.demo();
  const client = new S3Client({
    endpoint, region: 'us-east-1', forcePathStyle: true, credentials: CREDS,
    requestChecksumCalculation: 'WHEN_REQUIRED', responseChecksumValidation: 'WHEN_REQUIRED',
  });
  const body = randomBytes(size);
  const times: number[] = [];
  for (let i = 0; i < n + 5; i++) {
    const t0 = performance.now();
    await client.send(new PutObjectCommand({ Bucket: BUCKET, Key: `put-probe/${i}`, Body: body, Metadata: { 'litestream-timestamp': new Date().toISOString() } }));
    if (i >= 5) times.push(performance.now() - t0);
  }
  client.destroy();
  return summarizeLag(times);
}

interface AgentRun {
  child: ChildProcess;
  uploads: UploadEvent[];
  ready: Promise<void>;
  exited: Promise<number | null>;
  /** The agent's process.memoryUsage() just before it stopped. */
  memory: () => NodeJS.MemoryUsage | undefined;
}

function startAgent(configPath: string, dbCount: number): AgentRun {
  const nodeFlags = (process.env.BENCH_AGENT_NODE_FLAGS ?? '').split(' ').filter(Boolean);
  const child = spawn(process.execPath, [...nodeFlags, SELF, '--run-agent', configPath], { stdio: ['ignore', 'pipe', 'pipe'] });
  const uploads: UploadEvent[] = [];
  let memory: NodeJS.MemoryUsage | undefined;
  let readyCount = 0;
  let markReady: () => void = () => undefined;
  const ready = new Promise<void>((r) => (markReady = r));
  let stderr = '';
  child.stderr!.on('data', (c: Buffer) => (stderr += c.toString()));
  createInterface({ input: child.stdout! }).on('line', (line) => {
    if (!line.startsWith('{')) return;
    const rec = JSON.parse(line) as Record<string, unknown>;
    if (rec.msg === 'uploaded') uploads.push(rec as unknown as UploadEvent);
    else if (rec.msg === 'memory') memory = rec as unknown as NodeJS.MemoryUsage;
    else if (rec.msg === 'replicating' && ++readyCount === dbCount) markReady();
    else if (typeof rec.level === 'number' && rec.level >= 50) process.stderr.write(`agent: ${line}\n`);
  });
  const exited = new Promise<number | null>((resolve) =>
    child.once('exit', (code) => {
      if (code !== 0) process.stderr.write(`agent exited with ${code}: ${stderr}\n`);
      resolve(code);
    }),
  );
  return { child, uploads, ready, exited, memory: () => memory };
}

/** utime+stime of a process in milliseconds, and its resident set in bytes (Linux /proc). */
function procUsage(pid: number): { cpuMs: number; rss: number } {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const cpuMs = ((Number(fields[11]) + Number(fields[12])) * 1000) / CLK_TCK;
  const rssKb = Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0);
  return { cpuMs, rss: rssKb * 1024 };
}

interface Scenario {
  name: string;
  dbs: number;
  /** Milliseconds; 0 = low-latency mode. */
  syncInterval: number;
  /** Transactions per second per database. */
  rate: number;
  payload: number;
  seconds: number;
}

interface ScenarioResult {
  scenario: Scenario;
  transactions: number;
  achievedRate: number;
  lag: LagSummary;
  cpuPercent: number;
  maxRss: number;
  uploads: number;
  bytes: number;
  drainMs: number;
  memory?: NodeJS.MemoryUsage;
  /** db.sync() duration and sync-end → S3 ack (queueing included), ms. */
  syncMs: LagSummary;
  uploadMs: LagSummary;
}

function agentYaml(dir: string, endpoint: string, s: Scenario, compaction: string): string {
  const dbs = Array.from({ length: s.dbs }, (_, i) => `  - path: ${join(dir, `db${i}.sqlite`)}
    replica:
      type: s3
      bucket: ${BUCKET}
      path: ${dir.split('/').pop()}/db${i}
      endpoint: ${endpoint}
      region: us-east-1
      force-path-style: true
      access-key-id: ${CREDS.accessKeyId}
      secret-access-key: ${CREDS.secretAccessKey}
      sync-interval: ${s.syncInterval}ms`);
  return `compaction: ${compaction}\nlogging:\n  level: info\n  type: json\nshutdown-sync-interval: 100ms\ndbs:\n${dbs.join('\n')}\n`;
}

async function openWriter(path: string): Promise<BetterSqlite3.Database> {
  const Sqlite = await lazy.sqlite();
  const db = new Sqlite(path);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  db.pragma('busy_timeout = 5000');
  db.exec('CREATE TABLE IF NOT EXISTS t (id INTEGER PRIMARY KEY, at INTEGER, v BLOB)');
  return db;
}

async function runScenario(endpoint: string, s: Scenario, compaction: string): Promise<ScenarioResult> {
  const dir = await mkdtemp(join(tmpdir(), 'streambed-bench-'));
  const { commitLags, summarizeLag } = await lazy.demo();
  const writers = await Promise.all(Array.from({ length: s.dbs }, (_, i) => openWriter(join(dir, `db${i}.sqlite`))));
  const configPath = join(dir, 'streambed.yml');
  await writeFile(configPath, agentYaml(dir, endpoint, s, compaction));
  const agent = startAgent(configPath, s.dbs);
  try {
    await Promise.race([agent.ready, agent.exited.then(() => Promise.reject(new Error('agent exited before it was ready')))]);
    await sleep(300);
    const pid = agent.child.pid!;
    const commits: number[][] = writers.map(() => []);
    const inserts = writers.map((w) => w.prepare('INSERT INTO t (at, v) VALUES (?, ?)'));
    const blob = randomBytes(s.payload);
    let maxRss = 0;
    const sampler = setInterval(() => (maxRss = Math.max(maxRss, procUsage(pid).rss)), 100);
    const cpu0 = procUsage(pid).cpuMs;
    const t0 = Date.now();
    const end = t0 + s.seconds * 1000;
    const tickMs = 10;
    let done = 0;
    while (Date.now() < end) {
      const due = Math.floor(((Date.now() - t0) / 1000) * s.rate);
      for (; done < due; done++) {
        for (let i = 0; i < writers.length; i++) {
          inserts[i].run(Date.now(), blob);
          commits[i].push(Date.now());
        }
      }
      await sleep(tickMs);
    }
    const elapsed = (Date.now() - t0) / 1000;
    const cpuMs = procUsage(pid).cpuMs - cpu0;
    const writerEnd = Date.now();
    // Give the agent time to ship the tail on its own, then stop it: whatever its final sync still has to upload
    // was late, and is charged with that lateness.
    await sleep(s.seconds < 2 ? Math.max(1000, 1.5 * s.syncInterval) : Math.max(2000, 2 * s.syncInterval));
    clearInterval(sampler);
    agent.child.kill('SIGTERM');
    const allShipped = (await agent.exited) === 0;
    if (process.env.BENCH_DUMP) await writeFile(`${process.env.BENCH_DUMP}.${s.syncInterval}.${s.dbs}.json`, JSON.stringify({ commits, uploads: agent.uploads }));
    const names = writers.map((_, i) => join(dir, `db${i}.sqlite`));
    const perDb = names.map((n, i) => commitLags(commits[i], agent.uploads.filter((u) => u.db === n), { allShipped }));
    const lags = perDb.flat();
    // When the last commit of each database reached the replica, relative to the writer stopping.
    const drainMs = Math.max(0, ...perDb.map((l, i) => (l.length > 0 ? commits[i][commits[i].length - 1] + l[l.length - 1] - writerEnd : Infinity)));
    const transactions = commits.reduce((a, c) => a + c.length, 0);
    return {
      scenario: s,
      transactions,
      achievedRate: transactions / elapsed / s.dbs,
      lag: summarizeLag(lags),
      cpuPercent: (cpuMs / (elapsed * 1000)) * 100,
      maxRss,
      uploads: agent.uploads.length,
      bytes: agent.uploads.reduce((a, u) => a + u.bytes, 0),
      drainMs,
      memory: agent.memory(),
      syncMs: summarizeLag(agent.uploads.filter((u) => u.syncEndedAt !== undefined).map((u) => (u.syncEndedAt as number) - (u.syncStartedAt as number))),
      uploadMs: summarizeLag(agent.uploads.filter((u) => u.syncEndedAt !== undefined).map((u) => u.ackAt - (u.syncEndedAt as number))),
    };
  } finally {
    if (agent.child.exitCode === null) agent.child.kill('SIGTERM');
    await agent.exited;
    writers.forEach((w) => w.close());
    await rm(dir, { recursive: true, force: true });
  }
}

interface BenchArgs {
  seconds: number;
  smoke: boolean;
  /** Run only scenarios whose name contains this. */
  only?: string;
  compaction: 'local' | 'remote';
}

function parseArgs(argv: string[]): BenchArgs {
  const value = (flag: string): string | undefined => {
    const i = argv.indexOf(flag);
    return i >= 0 ? argv[i + 1] : undefined;
  };
  const smoke = argv.includes('--smoke');
  const seconds = value('--seconds') !== undefined ? Number(value('--seconds')) : smoke ? 1 : 10;
  if (!Number.isFinite(seconds) || seconds <= 0) throw new Error(`--seconds must be a positive number, not "${value('--seconds')}"`);
  const compaction = value('--compaction') ?? 'local';
  if (compaction !== 'local' && compaction !== 'remote') throw new Error(`--compaction must be local or remote, not "${compaction}"`);
  return { seconds, smoke, only: value('--only'), compaction };
}

const f1 = (v: number): string => (Number.isFinite(v) ? v.toFixed(1) : 'n/a');
const mb = (v: number): string => (v / 1024 / 1024).toFixed(1);
const verdict = (ok: boolean): string => (ok ? 'PASS' : 'FAIL');

async function main(): Promise<number> {
  const { seconds, smoke, only, compaction } = parseArgs(process.argv.slice(2));
  const s3 = await startS3Child();
  let failures = 0;
  const check = (label: string, ok: boolean, detail: string): void => {
    if (!ok) failures++;
    console.log(`  ${verdict(ok)}  ${label}: ${detail}`);
  };
  try {
    console.log(`streambed replication bench (${smoke ? 'smoke, ' : ''}${seconds} s per scenario, compaction: ${compaction}), fauxqs pid ${s3.pid} at ${s3.endpoint}`);
    const put = await measurePuts(s3.endpoint, smoke ? 30 : 200, 4096);
    console.log(`fauxqs PUT 4 KiB: p50 ${f1(put.p50)} ms, p99 ${f1(put.p99)} ms (n=${put.count})`);
    const scenarios: Scenario[] = [
      { name: 'lag, sync-interval 1s, 100 tx/s', dbs: 1, syncInterval: 1000, rate: 100, payload: 100, seconds },
      { name: 'lag, sync-interval 0, 100 tx/s', dbs: 1, syncInterval: 0, rate: 100, payload: 100, seconds },
      { name: '1,000 tx/s (small), sync-interval 1s', dbs: 1, syncInterval: 1000, rate: 1000, payload: 100, seconds },
      { name: '10,000 tx/s (small), sync-interval 1s', dbs: 1, syncInterval: 1000, rate: smoke ? 2000 : 10_000, payload: 100, seconds },
      { name: '1 MB blobs, 10/s, sync-interval 1s', dbs: 1, syncInterval: 1000, rate: smoke ? 3 : 10, payload: 1024 * 1024, seconds },
      { name: '10 databases, 50 tx/s each, sync-interval 1s', dbs: 10, syncInterval: 1000, rate: 50, payload: 100, seconds },
    ];
    const results: ScenarioResult[] = [];
    for (const s of scenarios) {
      if (only && !s.name.includes(only)) continue;
      const r = await runScenario(s3.endpoint, s, compaction);
      results.push(r);
      console.log(
        `${s.name}: ${r.transactions} tx (${f1(r.achievedRate)}/s per db), ${r.uploads} L0 files, ${mb(r.bytes)} MiB; ` +
          `lag p50 ${f1(r.lag.p50)} ms p99 ${f1(r.lag.p99)} ms max ${f1(r.lag.max)} ms; agent CPU ${f1(r.cpuPercent)}% RSS max ${mb(r.maxRss)} MiB, at stop ${mb(r.memory?.rss ?? NaN)} MiB ` +
          `(heap ${mb(r.memory?.heapUsed ?? NaN)}/${mb(r.memory?.heapTotal ?? NaN)} MiB, external ${mb(r.memory?.external ?? NaN)} MiB); drained ${r.drainMs} ms after the writer stopped; ` +
          `sync p50/p99 ${f1(r.syncMs.p50)}/${f1(r.syncMs.p99)} ms, sync-end->ack p50/p99 ${f1(r.uploadMs.p50)}/${f1(r.uploadMs.p99)} ms`,
      );
    }
    const put2 = await measurePuts(s3.endpoint, smoke ? 30 : 200, 4096);
    const putP99 = Math.max(put.p99, put2.p99);
    console.log(`fauxqs PUT 4 KiB (after): p50 ${f1(put2.p50)} ms, p99 ${f1(put2.p99)} ms; using p99 ${f1(putP99)} ms`);
    if (results.length < scenarios.length) return 0;
    if (smoke) console.log('targets (informational in --smoke: one-second runs are too short to judge):');
    else console.log('targets:');
    const [lag1, lag0, k1, k10, blobs, ten] = results;
    check('p99 lag at sync-interval 1s <= 1000 ms + 3 x PUT p99', lag1.lag.p99 <= 1000 + 3 * putP99, `${f1(lag1.lag.p99)} ms <= ${f1(1000 + 3 * putP99)} ms`);
    check('p99 lag at sync-interval 0 <= 3 x PUT p99 + 20 ms', lag0.lag.p99 <= 3 * putP99 + 20, `${f1(lag0.lag.p99)} ms <= ${f1(3 * putP99 + 20)} ms`);
    check('agent CPU at 1,000 tx/s <= 10% of one core', k1.cpuPercent <= 10, `${f1(k1.cpuPercent)}%`);
    check('agent RSS with 10 databases <= 100 MB', ten.maxRss <= 100 * 1e6, `${mb(ten.maxRss)} MiB`);
    check('10,000 tx/s sustained (writer kept pace, replica drained within 5 s)', k10.achievedRate >= 0.8 * k10.scenario.rate && k10.drainMs < 5000, `${f1(k10.achievedRate)} tx/s, drained in ${k10.drainMs} ms`);
    check('1 MB blobs sustained (replica drained within 5 s)', blobs.drainMs < 5000, `${mb(blobs.bytes / seconds)} MiB/s shipped, drained in ${blobs.drainMs} ms`);
  } finally {
    await s3.stop();
  }
  console.log(failures === 0 ? 'all targets met' : `${failures} target(s) missed`);
  return failures === 0 || smoke ? 0 : 1;
}

if (process.argv.includes('--serve-s3')) await serveS3();
else if (process.argv[2] === '--run-agent') {
  // The real Agent at info (the default level); every upload event in full, for the lag figures.
  await (await import('./agent-child.ts')).runAgentChild(process.argv[3], {
    logLevel: 'info', flushMs: 200, event: (e) => e, runtimeFlags: !process.env.BENCH_NO_RUNTIME_FLAGS,
  });
}
else process.exitCode = await main();
