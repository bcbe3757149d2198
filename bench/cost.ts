// Cost benchmark: S3 requests by kind per minute (idle, 1, 10, 200 tx/s), bytes uploaded per L0 byte, restore bytes
// fetched per byte needed, and requests-only $/DB-month, for streambed and a real Litestream v0.3.13 in the same run.
// Usage: node bench/cost.ts [--smoke] [--idle-seconds N] [--active-seconds N] [--db-mib N] [--only streambed|litestream]
//        [--compaction local|remote] [--rates 1,10,200] [--warmup-seconds N] [--bundle]
// --bundle runs streambed as installed (dist/streambed.mjs, built by node scripts/build.mjs) instead of the sources.
// The end of the output lists issue 8's targets with the measured value of each (bench/cost-targets.ts).
// First hour of a new 512 MiB database at 10 tx/s: --db-mib 512 --warmup-seconds 0 --idle-seconds 0 --active-seconds 3600 --rates 10
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { tryParseS3LtxKey } from '../core/layout/names.ts';
import {
  diffCounts, requestCost, startMeteringProxy, totalRequests, type MeterCounts, type MeteringProxy, type S3OpKind,
} from '../test/harness/counting-proxy.ts';
import { spawnLocalS3 } from '../test/harness/local-s3-child.ts';
import { printTargets, type CostFigures } from './cost-targets.ts';
import { LAMBDA_PRICE, LAMBDA_SHAPE, diffTally, startRemoteLambdas, type LambdaTally, type RemoteLambdas, type ScheduledFigures } from './remote-lambdas.ts';

const SELF = fileURLToPath(import.meta.url);
const REPO = fileURLToPath(new URL('../', import.meta.url));
const LITESTREAM = join(REPO, 'node_modules/@flydotio/litestream-linux-x64/litestream');
const CREDS = { AWS_ACCESS_KEY_ID: 'AKIACOSTBENCH', AWS_SECRET_ACCESS_KEY: 'cost-bench-secret', AWS_REGION: 'us-east-1' };
const MINUTES_PER_MONTH = 30 * 24 * 60;
const ROW_BYTES = 200;
/**
 * The first part of a long idle phase, while the last writes' L1 (30 s) and L2 (5 min) windows close: the L2 pass
 * can come up to 5 min + 30 s + a maintenance tick after them (a run with 330 s caught one just after it).
 */
const IDLE_SETTLE_SECONDS = 400;

type Tool = 'streambed' | 'litestream';

interface Options {
  idleSeconds: number;
  activeSeconds: number;
  warmupSeconds: number;
  dbMiB: number;
  rates: number[];
  tools: Tool[];
  compaction: 'local' | 'remote';
  /** The streambed CLI: the sources or the bundle. */
  cli: string;
}

function parseOptions(argv: string[]): Options {
  const value = (name: string): string | undefined => {
    const i = argv.indexOf(name);
    return i >= 0 ? argv[i + 1] : undefined;
  };
  const smoke = argv.includes('--smoke');
  const only = value('--only') as Tool | undefined;
  const linuxX64 = process.platform === 'linux' && process.arch === 'x64' && existsSync(LITESTREAM);
  if (!linuxX64 && only !== 'streambed') console.log('litestream v0.3.13 peer skipped: needs linux x64 and the optional @flydotio/litestream-linux-x64');
  const tools: Tool[] = only ? [only] : linuxX64 ? ['streambed', 'litestream'] : ['streambed'];
  return {
    // 10 idle minutes measured, after IDLE_SETTLE_SECONDS of settling.
    idleSeconds: Number(value('--idle-seconds') ?? (smoke ? 4 : 1000)),
    activeSeconds: Number(value('--active-seconds') ?? (smoke ? 3 : 120)),
    warmupSeconds: Number(value('--warmup-seconds') ?? (smoke ? 3 : 60)),
    dbMiB: Number(value('--db-mib') ?? (smoke ? 2 : 64)),
    rates: value('--rates')?.split(',').map(Number) ?? (smoke ? [10] : [1, 10, 200]),
    tools: tools.filter((t) => t === 'streambed' || linuxX64),
    compaction: (value('--compaction') as 'local' | 'remote' | undefined) ?? 'local',
    cli: streambedCli(argv.includes('--bundle')),
  };
}

function streambedCli(bundle: boolean): string {
  const cli = join(REPO, bundle ? 'dist/streambed.mjs' : 'bin/streambed.mjs');
  if (!existsSync(cli)) throw new Error(`${cli} not found: build the bundle first (node scripts/build.mjs)`);
  return cli;
}

/** Child mode: one long better-sqlite3 connection committing `rate` rows a second for `seconds`. */
async function runWriter(dbPath: string, rate: number, seconds: number): Promise<void> {
  const Database = (await import('better-sqlite3')).default;
  const db = new Database(dbPath);
  db.pragma('journal_mode = wal');
  db.pragma('busy_timeout = 5000');
  const insert = db.prepare('INSERT INTO t (body) VALUES (?)');
  const body = 'x'.repeat(ROW_BYTES);
  const start = Date.now();
  for (let n = 0; Date.now() - start < seconds * 1000; n++) {
    insert.run(body);
    const due = start + ((n + 1) * 1000) / rate;
    const wait = due - Date.now();
    if (wait > 0) await sleep(wait);
  }
  db.close();
}

async function createDatabase(path: string, mib: number): Promise<void> {
  const Database = (await import('better-sqlite3')).default;
  const db = new Database(path);
  db.pragma('journal_mode = wal');
  db.exec('CREATE TABLE t (id INTEGER PRIMARY KEY, body BLOB)');
  const insert = db.prepare('INSERT INTO t (body) VALUES (randomblob(?))');
  const rows = Math.ceil((mib * 1024 * 1024) / 4000);
  db.transaction(() => {
    for (let i = 0; i < rows; i++) insert.run(3900);
  })();
  db.pragma('wal_checkpoint(TRUNCATE)');
  db.close();
}


function configYaml(dbPath: string, endpoint: string, bucket: string, path: string, compaction: string, tool: Tool): string {
  const lines = [
    ...(tool === 'streambed' ? [`compaction: ${compaction}`] : []),
    'dbs:',
    `  - path: ${dbPath}`,
    '    replicas:',
    '      - type: s3',
    `        bucket: ${bucket}`,
    `        path: ${path}`,
    `        endpoint: ${endpoint}`,
    '        region: us-east-1',
    '        force-path-style: true',
    '        sync-interval: 1s',
  ];
  return lines.join('\n') + '\n';
}

function startAgent(tool: Tool, cli: string, configPath: string, logPath: string): ChildProcess {
  const [cmd, args] = tool === 'streambed'
    ? [process.execPath, [cli, 'replicate', '-config', configPath]]
    : [LITESTREAM, ['replicate', '-config', configPath]];
  const child = spawn(cmd, args, { env: { ...process.env, ...CREDS, LOG_LEVEL: 'info' }, stdio: ['ignore', 'pipe', 'pipe'] });
  let log = '';
  child.stdout!.on('data', (d: Buffer) => (log += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (log += d.toString()));
  child.once('exit', () => void writeFile(logPath, log));
  return child;
}

async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return;
  child.kill('SIGTERM');
  await Promise.race([new Promise((r) => child.once('exit', r)), sleep(30_000)]);
  if (child.exitCode === null) child.kill('SIGKILL');
}

/** Agent CPU seconds (user+system) from /proc, for the % of a core over a phase. */
function cpuSeconds(pid: number | undefined): number {
  if (!pid) return 0;
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return 0;
  }
}

function rssMiB(pid: number | undefined): number {
  if (!pid) return 0;
  try {
    const m = /VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) / 1024 : 0;
  } catch {
    return 0;
  }
}

async function runWriterChild(dbPath: string, rate: number, seconds: number): Promise<void> {
  const child = spawn(process.execPath, [SELF, '--writer', dbPath, String(rate), String(seconds)], { stdio: 'inherit' });
  await new Promise((r) => child.once('exit', r));
}

interface Phase {
  name: string;
  seconds: number;
  counts: MeterCounts;
  cpuPct: number;
  /** With `compaction: remote`: what the compaction Lambda did for this phase's notifications. */
  lambda?: LambdaTally;
}

async function measurePhase(name: string, proxy: MeteringProxy, agent: ChildProcess, run: () => Promise<void>, lambdas?: RemoteLambdas): Promise<Phase> {
  const before = proxy.snapshot();
  const lambdaBefore = lambdas?.snapshot();
  const cpu0 = cpuSeconds(agent.pid);
  const t0 = Date.now();
  await run();
  const seconds = (Date.now() - t0) / 1000;
  const phase: Phase = { name, seconds, counts: diffCounts(proxy.snapshot(), before), cpuPct: ((cpuSeconds(agent.pid) - cpu0) / seconds) * 100 };
  if (lambdas && lambdaBefore) phase.lambda = diffTally(lambdas.snapshot(), lambdaBefore);
  return phase;
}

interface RestoreRun {
  seconds: number;
  cpuSeconds: number;
  peakRssMiB: number;
  counts: MeterCounts;
}

/**
 * Runs a restore through the proxy under /usr/bin/time for wall, CPU and peak RSS. streambed skips its integrity
 * check, which issue 8 counts separately and Litestream v0.3.13 does not run (bench/restore.ts measures both ways).
 */
async function measureRestore(tool: Tool, cli: string, proxy: MeteringProxy, configPath: string, dbPath: string, out: string): Promise<RestoreRun> {
  const before = proxy.snapshot();
  const cmd = tool === 'streambed'
    ? [process.execPath, cli, 'restore', '-config', configPath, '-integrity-check', 'none', '-o', out, dbPath]
    : [LITESTREAM, 'restore', '-config', configPath, '-o', out, dbPath];
  const t0 = Date.now();
  const { cpuSeconds, peakRssMiB } = await underTime(cmd, `${tool} restore`);
  return { seconds: (Date.now() - t0) / 1000, cpuSeconds, peakRssMiB, counts: diffCounts(proxy.snapshot(), before) };
}

/** CPU seconds and peak RSS of one command, from GNU time. */
async function underTime(cmd: string[], what: string): Promise<{ cpuSeconds: number; peakRssMiB: number }> {
  const child = spawn('/usr/bin/time', ['-f', 'TIME %U %S %M', ...cmd], { env: { ...process.env, ...CREDS }, stdio: ['ignore', 'pipe', 'pipe'] });
  let err = '';
  child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
  child.stdout!.on('data', (d: Buffer) => (err += d.toString()));
  const code = await new Promise<number | null>((r) => child.once('exit', r));
  const m = /TIME ([\d.]+) ([\d.]+) (\d+)/.exec(err);
  if (code !== 0 || !m) throw new Error(`${what} failed (exit ${code}): ${err.slice(-2000)}`);
  return { cpuSeconds: Number(m[1]) + Number(m[2]), peakRssMiB: Number(m[3]) / 1024 };
}

/** Smallest bytes of a chain of LTX files covering TXID 1..max (what an ideal restore downloads). */
async function neededLtxBytes(endpoint: string, bucket: string, prefix: string): Promise<number> {
  const { S3Client, ListObjectsV2Command } = await import('@aws-sdk/client-s3');
  const client = new S3Client({ endpoint, region: 'us-east-1', forcePathStyle: true, credentials: { accessKeyId: CREDS.AWS_ACCESS_KEY_ID, secretAccessKey: CREDS.AWS_SECRET_ACCESS_KEY } });
  const files: { min: number; max: number; size: number }[] = [];
  let token: string | undefined;
  do {
    const page = await client.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: `${prefix}/`, ContinuationToken: token }));
    for (const o of page.Contents ?? []) {
      const ref = tryParseS3LtxKey(o.Key ?? '');
      if (ref) files.push({ min: ref.minTXID, max: ref.maxTXID, size: o.Size ?? 0 });
    }
    token = page.NextContinuationToken;
  } while (token);
  client.destroy();
  const maxTxid = Math.max(0, ...files.map((f) => f.max));
  // Shortest path over TXIDs: a file is an edge (min-1) → max weighted by its size; snapshots start at min 1.
  const best = new Map<number, number>([[0, 0]]);
  const ends = [...new Set([0, ...files.map((f) => f.max)])].sort((a, b) => a - b);
  for (const end of ends) {
    for (const f of files) {
      if (f.max !== end) continue;
      for (const [reached, cost] of best) {
        if (reached >= f.min - 1 && reached < f.max && (f.min === 1 || reached === f.min - 1)) {
          const c = cost + f.size;
          if (c < (best.get(f.max) ?? Infinity)) best.set(f.max, c);
        }
      }
    }
  }
  return best.get(maxTxid) ?? Number.NaN;
}

function perMinute(p: Phase, kind?: S3OpKind): number {
  const n = kind ? p.counts.requests[kind] : totalRequests(p.counts);
  return (n / p.seconds) * 60;
}

function monthlyDollars(p: Phase): number {
  return (requestCost(p.counts) / p.seconds) * 60 * MINUTES_PER_MONTH;
}

function printPhases(tool: Tool, phases: Phase[]): void {
  console.log(`\n${tool}: S3 requests per minute by kind, requests-only $/DB-month at S3 Standard prices, agent CPU`);
  const kinds: S3OpKind[] = ['LIST', 'GET', 'HEAD', 'PUT', 'COPY', 'POST', 'DELETE'];
  console.log(['phase'.padEnd(14), 'total/min'.padStart(10), ...kinds.map((k) => k.padStart(7)), '$/DB-month'.padStart(11), 'CPU %'.padStart(7), 'L0 files'.padStart(9), 'req/L0'.padStart(7)].join(' '));
  for (const p of phases) {
    console.log([
      p.name.padEnd(14), perMinute(p).toFixed(2).padStart(10), ...kinds.map((k) => perMinute(p, k).toFixed(1).padStart(7)),
      monthlyDollars(p).toFixed(2).padStart(11), p.cpuPct.toFixed(2).padStart(7), String(p.counts.l0Files).padStart(9),
      (p.counts.l0Files > 0 ? (totalRequests(p.counts) / p.counts.l0Files).toFixed(3) : '-').padStart(7),
    ].join(' '));
  }
}

function lambdaDollars(t: LambdaTally): number {
  return requestCost(t.counts) + t.invocations * LAMBDA_PRICE.perInvocation + t.gbSeconds * LAMBDA_PRICE.perGbSecond;
}

/** `compaction: remote`: the compaction Lambda per phase, and the scheduled sweeps per DB-month at their schedules. */
function printLambdas(phases: Phase[], scheduled: ScheduledFigures): void {
  console.log('\nstreambed, compaction: remote: the compaction Lambda (in-process, SQS batches of <= 100 notifications per 20 s window)');
  console.log(['phase'.padEnd(14), 'req/min'.padStart(8), 'LIST'.padStart(6), 'GET'.padStart(6), 'PUT'.padStart(6), 'DELETE'.padStart(7), 'MiB up'.padStart(7), 'inv/min'.padStart(8), 'GB-s/DB-month'.padStart(14), 'Lambda $/DB-month'.padStart(18), 'agent+Lambda $'.padStart(15)].join(' '));
  for (const p of phases) {
    if (!p.lambda) continue;
    const perMin = (n: number): number => (n / p.seconds) * 60;
    const month = (x: number): number => perMin(x) * MINUTES_PER_MONTH;
    const l = p.lambda;
    console.log([
      p.name.padEnd(14), perMin(totalRequests(l.counts)).toFixed(2).padStart(8), perMin(l.counts.requests.LIST).toFixed(1).padStart(6),
      perMin(l.counts.requests.GET).toFixed(1).padStart(6), perMin(l.counts.requests.PUT + l.counts.requests.COPY + l.counts.requests.POST).toFixed(1).padStart(6),
      perMin(l.counts.requests.DELETE).toFixed(1).padStart(7), (l.counts.bytesUp / 2 ** 20).toFixed(1).padStart(7), perMin(l.invocations).toFixed(2).padStart(8), month(l.gbSeconds).toFixed(1).padStart(14),
      month(lambdaDollars(l)).toFixed(2).padStart(18), (month(lambdaDollars(l)) + monthlyDollars(p)).toFixed(2).padStart(15),
    ].join(' '));
  }
  for (const [name, t, perMonth] of [['maintain sweep', scheduled.maintain, LAMBDA_SHAPE.maintainPerMonth], ['retention', scheduled.retention, LAMBDA_SHAPE.retentionPerMonth]] as const) {
    console.log(
      `${name}: ${totalRequests(t.counts)} requests (LIST ${t.counts.requests.LIST}, GET ${t.counts.requests.GET}, PUT ${t.counts.requests.PUT}, DELETE ${t.counts.requests.DELETE}) ` +
        `and ${(t.gbSeconds * 1000).toFixed(1)} GB-ms per database per run; x ${perMonth}/month = $${(lambdaDollars(t) * perMonth).toFixed(3)}/DB-month ` +
        `(an upper bound: one invocation sweeps every database, so its invocation price is shared)`,
    );
  }
}

async function runTool(tool: Tool, opts: Options, endpoint: string, bucket: string, work: string): Promise<CostFigures> {
  const proxy = await startMeteringProxy(endpoint);
  const dbPath = join(work, `${tool}.db`);
  await createDatabase(dbPath, opts.dbMiB);
  const dbBytes = (await stat(dbPath)).size;
  const replicaPath = `${tool}-db`;
  const configPath = join(work, `${tool}.yml`);
  await writeFile(configPath, configYaml(dbPath, proxy.url, bucket, replicaPath, opts.compaction, tool));
  const agent = startAgent(tool, opts.cli, configPath, join(work, `${tool}.log`));
  const lambdas = tool === 'streambed' && opts.compaction === 'remote'
    ? await startRemoteLambdas({ endpoint, bucket, path: replicaPath, credentials: { accessKeyId: CREDS.AWS_ACCESS_KEY_ID, secretAccessKey: CREDS.AWS_SECRET_ACCESS_KEY } })
    : undefined;
  const phases: Phase[] = [];
  try {
    const warm = await measurePhase('new database', proxy, agent, () => sleep(opts.warmupSeconds * 1000), lambdas);
    phases.push(warm);
    const rssIdle = rssMiB(agent.pid);
    // The new database's files are compacted into L1 at the 30 s window and L2 at the 5 min one: that is the
    // aftermath of its writes, not idle cost, so a long idle phase (800 s or more) counts only after both closed.
    const settle = opts.idleSeconds >= 2 * IDLE_SETTLE_SECONDS ? IDLE_SETTLE_SECONDS : 0;
    if (settle > 0) phases.push(await measurePhase('idle, settling', proxy, agent, () => sleep(settle * 1000), lambdas));
    if (opts.idleSeconds > settle) phases.push(await measurePhase('idle', proxy, agent, () => sleep((opts.idleSeconds - settle) * 1000), lambdas));
    for (const rate of opts.rates) {
      phases.push(await measurePhase(`${rate} tx/s`, proxy, agent, () => runWriterChild(dbPath, rate, opts.activeSeconds), lambdas));
    }
    await sleep(3000);
    const rssEnd = rssMiB(agent.pid);
    await stopChild(agent);
    printPhases(tool, phases);
    if (lambdas) printLambdas(phases, await lambdas.stop());
    const total = proxy.snapshot();
    console.log(`${tool}: database ${(dbBytes / 2 ** 20).toFixed(1)} MiB; agent RSS idle ${rssIdle.toFixed(0)} MiB, after load ${rssEnd.toFixed(0)} MiB`);
    console.log(`${tool}: new database, first ${warm.seconds.toFixed(0)} s: uploaded ${(warm.counts.bytesUp / 2 ** 20).toFixed(1)} MiB = ${(warm.counts.bytesUp / dbBytes).toFixed(2)} x the database size`);
    if (tool === 'streambed') {
      console.log(`${tool}: bytes uploaded / bytes of L0 files, whole run: ${(total.bytesUp / Math.max(1, total.bytesUpByClass.l0)).toFixed(2)} (target <= 1.3)`);
    }
    const out = join(work, `${tool}-restored.db`);
    // Start-up: one `replicate -once` with nothing left to upload (start, one listing, exit).
    const startup = tool === 'streambed' ? await underTime([process.execPath, opts.cli, 'replicate', '-config', configPath, '-once'], 'replicate -once') : undefined;
    const restore = await measureRestore(tool, opts.cli, proxy, configPath, dbPath, out);
    const restoredBytes = (await stat(out)).size;
    let needed = `${(restoredBytes / 2 ** 20).toFixed(1)} MiB (restored file size)`;
    let ratio = restore.counts.bytesDown / restoredBytes;
    if (tool === 'streambed') {
      const ltxNeeded = await neededLtxBytes(endpoint, bucket, replicaPath);
      needed = `${(ltxNeeded / 2 ** 20).toFixed(1)} MiB (cheapest covering chain of LTX files)`;
      ratio = restore.counts.bytesDown / ltxNeeded;
    }
    console.log(
      `${tool}: restore ${restore.seconds.toFixed(2)} s wall, ${restore.cpuSeconds.toFixed(2)} CPU-s, peak RSS ${restore.peakRssMiB.toFixed(0)} MiB, ` +
        `${totalRequests(restore.counts)} requests, fetched ${(restore.counts.bytesDown / 2 ** 20).toFixed(1)} MiB; needed ${needed}; fetched/needed ${ratio.toFixed(2)}`,
    );
    if (startup) console.log(`${tool}: replicate -once with nothing to upload: ${startup.cpuSeconds.toFixed(2)} CPU-s, peak RSS ${startup.peakRssMiB.toFixed(0)} MiB`);
    const idle = phases.find((p) => p.name === 'idle');
    const active = phases.filter((p) => p.name.endsWith(' tx/s') && p.counts.l0Files > 0);
    const settled = phases.some((p) => p.name === 'idle, settling');
    return {
      // The target leaves out retention deadlines: an idle phase's DELETEs are retention's (and free on S3).
      idleRequestsPerHour: idle ? ((totalRequests(idle.counts) - idle.counts.requests.DELETE) / idle.seconds) * 3600 : undefined,
      idleNote: idle && `${totalRequests(idle.counts) - idle.counts.requests.DELETE} requests in ${(idle.seconds / 60).toFixed(1)} min` +
        `${settled ? `, after ${IDLE_SETTLE_SECONDS} s for the last writes' L1 and L2 windows` : ''}; retention's DELETEs left out: ${idle.counts.requests.DELETE}`,
      requestsPerL0File: Object.fromEntries(active.map((p) => [p.name, totalRequests(p.counts) / p.counts.l0Files])),
      uploadedPerL0Byte: total.bytesUp / Math.max(1, total.bytesUpByClass.l0),
      imagesUploaded: total.bytesUp / dbBytes,
      runSeconds: phases.reduce((sum, p) => sum + p.seconds, 0),
      restoreFetchedPerNeeded: ratio,
      restoreWallSeconds: restore.seconds,
      restorePeakRssMiB: restore.peakRssMiB,
      agentCpuPct: Object.fromEntries(phases.map((p) => [p.name, p.cpuPct])),
      agentRssMiB: Math.max(rssIdle, rssEnd),
      agentRssNote: `${(dbBytes / 2 ** 20).toFixed(0)} MiB database: ${rssIdle.toFixed(0)} MiB after its first ${opts.warmupSeconds} s, ${rssEnd.toFixed(0)} MiB after the writes; ${opts.cli.includes('dist') ? 'the bundle' : 'the TypeScript sources (--bundle: as installed)'}`,
      startupCpuSeconds: startup?.cpuSeconds,
    };
  } finally {
    await stopChild(agent);
    await lambdas?.stop();
    await proxy.stop();
  }
}

async function main(): Promise<void> {
  const opts = parseOptions(process.argv.slice(2));
  console.log(`cost bench: idle ${opts.idleSeconds} s, ${opts.activeSeconds} s per rate (${opts.rates.join(', ')} tx/s), new database ${opts.dbMiB} MiB, compaction ${opts.compaction}`);
  const s3 = await spawnLocalS3(['--bucket', 'cost']);
  const work = await mkdtemp(join(tmpdir(), 'streambed-cost-'));
  try {
    const figures = new Map<Tool, CostFigures>();
    for (const tool of opts.tools) figures.set(tool, await runTool(tool, opts, s3.endpoint, s3.bucket, work));
    const sb = figures.get('streambed');
    if (sb) printTargets(sb, figures.get('litestream'));
  } finally {
    await s3.stop();
    await rm(work, { recursive: true, force: true });
  }
}

if (process.argv[2] === '--writer') await runWriter(process.argv[3], Number(process.argv[4]), Number(process.argv[5]));
else await main();
