// Restore benchmark. Default: a synthetic replica in fauxqs (child process), plain parallel GETs vs restoreDatabase.
// --peer litestream: a real SQLite database replicated by Litestream v0.3.13 and by streambed to file replicas, then
// both CLIs restore it to fresh paths, alternating, --runs times (wall, CPU-s, peak RSS from /usr/bin/time).
// Both also time the CLI restoring the same replica (--cli src: the TypeScript sources, dist: the bundle; or both).
// Usage: node bench/restore.ts [--size-mib 1024] [--l0 1000] [--parallelism 8] [--page-size 4096] [--storage memory|disk] [--cli src,dist]
//        node bench/restore.ts --peer litestream [--size-mib 512] [--runs 3] [--cli src,dist] [--keep DIR]
// --keep DIR builds the database and both replicas in DIR once and leaves them there for the next run.
import { spawn } from 'node:child_process';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import { compactLtx } from '../core/ltx/compactor.ts';
import { LtxDecoder } from '../core/ltx/decoder.ts';
import { encodeLtx, encodeLtxToBuffer } from '../core/ltx/encoder.ts';
import { newHeader } from '../core/ltx/header.ts';
import type { LtxFileRef, ReplicaClient } from '../core/replica/client.ts';
import type { ReplicaOptions, S3ReplicaOptions } from '../core/replica/options.ts';
import { withReplicaClient } from '../core/replica/open.ts';
import { mapLimit } from '../core/util/map-limit.ts';
import { planReplicaRestore, restoreDatabase } from '../core/restore/restore.ts';
import type { Timed } from './restore-peer.ts';
import { collect, single, snapshotPages, txnPages } from './synthetic-pages.ts';

const SELF = new URL(import.meta.url).pathname;
const MiB = 1024 * 1024;
const BASE_TIME = Date.UTC(2026, 0, 1);

const { values: args } = parseArgs({
  options: {
    'size-mib': { type: 'string', default: '1024' },
    l0: { type: 'string', default: '1000' },
    parallelism: { type: 'string', default: '8' },
    'page-size': { type: 'string', default: '4096' },
    phase: { type: 'string' },
    dir: { type: 'string' },
    s3: { type: 'string' },
    out: { type: 'string' },
    storage: { type: 'string', default: 'memory' },
    'buffer-mib': { type: 'string' },
    'chunk-mib': { type: 'string' },
    /** Extra restore runs, e.g. "16:2,32:4": window MiB:chunk MiB. */
    variants: { type: 'string' },
    peer: { type: 'string' },
    runs: { type: 'string', default: '3' },
    cli: { type: 'string', default: 'src' },
    keep: { type: 'string' },
  },
});

// ---- synthetic pages: ~40% random bytes, the rest repetitive, so LZ4 gets a realistic ~1.6x ----
async function fauxqsPhase(): Promise<void> {
  const { startLocalS3 } = await import('../test/harness/local-s3.ts');
  // fauxqs's disk store reads the WHOLE object for every GET, ranged or not (readFileSync in getObject), which
  // would make ranged restores quadratic in a way no real S3 is; memory storage lives in this child process only.
  const s3 = await startLocalS3(args.storage === 'disk' ? { s3StorageDir: args.dir } : {});
  const bucket = await s3.createBucket('bench');
  process.stdout.write(`READY ${JSON.stringify(s3.s3Options(bucket, 'bench/db.sqlite'))}\n`);
  process.stdin.resume();
  process.stdin.on('end', () => void s3.stop().then(() => process.exit(0)));
}

/** Peak of each process.memoryUsage() field, sampled every 20 ms: where the peak RSS is (heap, Buffers, or neither). */
function memoryProbe(): () => Record<string, number> {
  const peak: Record<string, number> = {};
  const sample = (): void => {
    for (const [k, v] of Object.entries(process.memoryUsage())) peak[k] = Math.max(peak[k] ?? 0, Math.round(v / MiB));
  };
  sample();
  const timer = setInterval(sample, 20);
  return () => {
    clearInterval(timer);
    sample();
    return peak;
  };
}

async function baselinePhase(client: ReplicaClient): Promise<object> {
  const plan = await planReplicaRestore(client);
  const probe = memoryProbe();
  const parallelism = Number(args.parallelism);
  const cpu = process.cpuUsage();
  const start = performance.now();
  const sizes = await mapLimit(plan.files, parallelism, async (f) => {
    let n = 0;
    for await (const chunk of await client.openLtxFile(f)) n += (chunk as Uint8Array).byteLength;
    return n;
  });
  const seconds = (performance.now() - start) / 1000;
  const bytes = sizes.reduce((a, b) => a + b, 0);
  const used = process.cpuUsage(cpu);
  log(`baseline memory peaks (MiB): ${JSON.stringify(probe())}`);
  return { files: plan.files.length, bytes, seconds, cpuSeconds: (used.user + used.system) / 1e6, rssMiB: process.resourceUsage().maxRSS / 1024 };
}

/** The CPU floor of a restore: the same parallel GETs, each file LZ4-decoded and CRC-64-checked, nothing written. */
async function decodePhase(client: ReplicaClient): Promise<object> {
  const plan = await planReplicaRestore(client);
  const probe = memoryProbe();
  const cpu = process.cpuUsage();
  const start = performance.now();
  const sizes = await mapLimit(plan.files, Number(args.parallelism), async (f) => {
    let n = 0;
    const counted = async function* (): AsyncGenerator<Uint8Array> {
      for await (const chunk of await client.openLtxFile(f)) {
        n += (chunk as Uint8Array).byteLength;
        yield chunk as Uint8Array;
      }
    };
    const decoder = new LtxDecoder(counted(), `L${f.level}`, { pageRing: 1 });
    await decoder.header();
    for (;;) {
      const next = decoder.readPage();
      if ((next instanceof Promise ? await next : next) === null) break;
    }
    await decoder.trailer();
    return n;
  });
  const seconds = (performance.now() - start) / 1000;
  const used = process.cpuUsage(cpu);
  log(`decode baseline memory peaks (MiB): ${JSON.stringify(probe())}`);
  return { files: plan.files.length, bytes: sizes.reduce((a, b) => a + b, 0), seconds, cpuSeconds: (used.user + used.system) / 1e6, rssMiB: process.resourceUsage().maxRSS / 1024 };
}

async function restorePhase(client: ReplicaClient): Promise<object> {
  const out = args.out as string;
  const start = performance.now();
  const since = (): string => `${((performance.now() - start) / 1000).toFixed(2)} s`;
  const logger = {
    debug: (): void => undefined,
    info: (o: object, m: string) => log(`${since()} ${m} ${JSON.stringify(o)}`),
    warn: (o: object, m: string) => log(`${m} ${JSON.stringify(o)}`),
    error: (o: object, m: string) => log(`${m} ${JSON.stringify(o)}`),
  };
  const probe = memoryProbe();
  const cpu = process.cpuUsage();
  const result = await restoreDatabase(client, {
    outputPath: out, parallelism: Number(args.parallelism), integrityCheck: 'none', force: true, logger,
    maxBufferedBytes: args['buffer-mib'] ? Number(args['buffer-mib']) * MiB : undefined,
    chunkSize: args['chunk-mib'] ? Number(args['chunk-mib']) * MiB : undefined,
  });
  const used = process.cpuUsage(cpu);
  log(`restore memory peaks (MiB): ${JSON.stringify(probe())}`);
  log(`${since()} restore done`);
  const seconds = (performance.now() - start) / 1000;
  const dbBytes = (await stat(out)).size;
  return { files: result.files.length, bytes: result.bytes, dbBytes, txid: result.txid, seconds, cpuSeconds: (used.user + used.system) / 1e6, rssMiB: process.resourceUsage().maxRSS / 1024 };
}

export function runChild(phase: string, extra: string[]): Promise<Record<string, number>> {
  return new Promise((resolve, reject) => {
    // BENCH_NODE_ARGS (e.g. "--cpu-prof") goes to the measured child only.
    const nodeArgs = (process.env.BENCH_NODE_ARGS ?? '').split(' ').filter(Boolean);
    const child = spawn(process.execPath, [...nodeArgs, SELF, '--phase', phase, ...extra], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.on('exit', (code) => (code === 0 ? resolve(JSON.parse(out) as Record<string, number>) : reject(new Error(`${phase} phase exited with ${code}`))));
  });
}

// ---- building the replica ----
async function buildReplica(client: ReplicaClient, pageCount: number, pageSize: number, l0Count: number): Promise<void> {
  const ts = (txid: number) => new Date(BASE_TIME + txid * 1000);
  const put = (ref: LtxFileRef, body: Uint8Array | AsyncIterable<Uint8Array>) => client.writeLtxFile(ref, body);
  let t = performance.now();
  const snap = newHeader({ pageSize, commit: pageCount, minTXID: 1, maxTXID: 1, timestamp: ts(1).getTime() });
  await put({ level: 9, minTXID: 1, maxTXID: 1 }, encodeLtx(snap, snapshotPages(pageCount, pageSize), { chunkSize: 4 * MiB }));
  log(`snapshot uploaded in ${((performance.now() - t) / 1000).toFixed(1)} s`);
  t = performance.now();

  const l0: Buffer[] = [];
  for (let txid = 2; txid <= l0Count + 1; txid++) {
    const header = newHeader({ pageSize, commit: pageCount, minTXID: txid, maxTXID: txid, timestamp: ts(txid).getTime() });
    l0.push(Buffer.from(await encodeLtxToBuffer(header, txnPages(txid, pageCount, pageSize))));
  }
  await mapLimit(l0, 16, (buf, i) => put({ level: 0, minTXID: i + 2, maxTXID: i + 2 }, buf));
  // L1 every 100 TXIDs, leaving the newest ~5% in L0 only; L2 over the first half.
  const lastCompacted = 1 + Math.floor((l0Count * 0.95) / 100) * 100;
  const l1: Array<{ min: number; max: number; buf: Buffer }> = [];
  for (let min = 2; min + 99 <= lastCompacted; min += 100) {
    const inputs = l0.slice(min - 2, min + 98).map((b, i) => ({ source: single(b), name: `L0 ${min + i}` }));
    const { stream } = await compactLtx(inputs);
    const buf = await collect(stream);
    l1.push({ min, max: min + 99, buf });
    await put({ level: 1, minTXID: min, maxTXID: min + 99 }, buf);
  }
  const half = l1.slice(0, Math.floor(l1.length / 2));
  if (half.length > 1) {
    const { stream } = await compactLtx(half.map((f) => ({ source: single(f.buf), name: `L1 ${f.min}` })));
    const max = half.at(-1)!.max;
    await put({ level: 2, minTXID: 2, maxTXID: max }, await collect(stream));
  }
  log(`${l0Count} L0, ${l1.length} L1 and ${half.length > 1 ? 1 : 0} L2 files uploaded in ${((performance.now() - t) / 1000).toFixed(1)} s`);
}

/** The CLI restoring the same replica through its s3:// URL, as a user would run it, under /usr/bin/time. */
async function timeClis(options: S3ReplicaOptions, out: string): Promise<Array<[string, Timed]>> {
  const { checkClis, timed } = await import('./restore-peer.ts');
  const query = new URLSearchParams({ endpoint: options.endpoint ?? '', region: options.region ?? 'us-east-1', 'force-path-style': 'true' });
  const url = `s3://${options.bucket}/${options.path}?${query}`;
  const env = { AWS_ACCESS_KEY_ID: options.accessKeyId ?? '', AWS_SECRET_ACCESS_KEY: options.secretAccessKey ?? '' };
  const rows: Array<[string, Timed]> = [];
  for (const [name, cli] of checkClis(String(args.cli).split(','))) {
    await rm(out, { force: true });
    rows.push([name, await timed(['node', cli, 'restore', '-integrity-check', 'none', '-parallelism', String(args.parallelism), '-o', out, url], env)]);
  }
  return rows;
}

function log(msg: string): void {
  process.stderr.write(`[bench] ${msg}\n`);
}

async function main(): Promise<void> {
  const sizeMiB = Number(args['size-mib']);
  const pageSize = Number(args['page-size']);
  const l0Count = Number(args.l0);
  const pageCount = Math.floor((sizeMiB * MiB) / pageSize);
  const dir = await mkdtemp(join(tmpdir(), 'streambed-bench-restore-'));
  const server = spawn(process.execPath, [SELF, '--phase', 'fauxqs', '--dir', join(dir, 's3'), '--storage', String(args.storage)], { stdio: ['pipe', 'pipe', 'inherit'] });
  try {
    const line = await new Promise<string>((resolve, reject) => {
      createInterface({ input: server.stdout! }).on('line', (l) => l.startsWith('READY ') && resolve(l.slice(6)));
      server.on('exit', (code) => reject(new Error(`fauxqs exited with ${code}`)));
    });
    const options = JSON.parse(line) as S3ReplicaOptions;
    log(`building a ${sizeMiB} MiB database (${pageCount} pages of ${pageSize}) + ${l0Count} L0 files in fauxqs`);
    await withReplicaClient(options, (client) => buildReplica(client, pageCount, pageSize, l0Count));
    const s3 = Buffer.from(JSON.stringify(options)).toString('base64');
    const common = ['--s3', s3, '--parallelism', String(args.parallelism)];
    const base = await runChild('baseline', common);
    const decode = await runChild('decode', common);
    const rest = await runChild('restore', [...common, '--out', join(dir, 'restored.db')]);
    const extra: Array<[string, Record<string, number>]> = [];
    for (const v of (args.variants ?? '').split(',').filter(Boolean)) {
      const [buf, chunk] = v.split(':');
      // Each run restores to a new path: replacing the previous output would time the old file's deletion too.
      await rm(join(dir, 'restored.db'), { force: true });
      extra.push([`restoreDatabase, window ${buf} MiB, chunk ${chunk} MiB`, await runChild('restore', [...common, '--out', join(dir, 'restored.db'), '--buffer-mib', buf, '--chunk-mib', chunk])]);
    }
    const cliRows = await timeClis(options, join(dir, 'restored.db'));
    const mbps = (bytes: number, s: number) => bytes / 1e6 / s;
    const rows = [
      ['measure', 'files', 'LTX MB', 'seconds', 'LTX MB/s', 'db MB/s', 'CPU-s', 'CPU-s/GiB', 'peak RSS MiB'],
      ...([['baseline: parallel GETs, discard', base], ['baseline: GETs + LZ4 decode + CRC-64', decode], ['restoreDatabase', rest], ...extra] as Array<[string, Record<string, number>]>).map(([name, r]) => [
        name, r.files, (r.bytes / 1e6).toFixed(1), r.seconds.toFixed(2), mbps(r.bytes, r.seconds).toFixed(1), r.dbBytes ? mbps(r.dbBytes, r.seconds).toFixed(1) : '-',
        r.cpuSeconds.toFixed(2), (r.cpuSeconds / (r.bytes / 2 ** 30)).toFixed(2), r.rssMiB.toFixed(0),
      ]),
    ];
    const widths = rows[0].map((_, c) => Math.max(...rows.map((r) => String(r[c]).length)));
    for (const r of rows) process.stdout.write(r.map((v, c) => String(v).padEnd(widths[c])).join('  ') + '\n');
    const ratio = mbps(rest.bytes, rest.seconds) / mbps(base.bytes, base.seconds);
    const cpuRatio = rest.cpuSeconds / decode.cpuSeconds;
    for (const [name, t] of cliRows) {
      process.stdout.write(`CLI ${name} (whole process, module loading included, no check): ${t.wall.toFixed(2)} s, ${t.cpu.toFixed(2)} CPU-s (${(t.cpu / (rest.bytes / 2 ** 30)).toFixed(2)} CPU-s/GiB), peak RSS ${t.rssMiB.toFixed(0)} MiB\n`);
    }
    process.stdout.write(`restore/baseline throughput ratio: ${ratio.toFixed(2)} (target >= 0.6); restore CPU-s / (GET + decode + CRC) CPU-s: ${cpuRatio.toFixed(2)} (target <= 2); restored ${(rest.dbBytes / MiB).toFixed(0)} MiB at TXID ${rest.txid}, parallelism ${args.parallelism}\n`);
  } finally {
    server.stdin!.end();
    await new Promise((r) => server.once('exit', r));
    await rm(dir, { recursive: true, force: true });
  }
}

const phase = args.phase;
if (args.peer === 'litestream') await (await import('./restore-peer.ts')).litestreamPeer({ sizeMiB: Number(args['size-mib']), clis: String(args.cli).split(','), runs: Number(args.runs), parallelism: Number(args.parallelism), keep: args.keep, runChild });
else if (args.peer !== undefined) throw new Error(`--peer must be litestream, not "${args.peer}"`);
else if (phase === 'fauxqs') await fauxqsPhase();
else if (phase === 'baseline' || phase === 'decode' || phase === 'restore') {
  const options = JSON.parse(Buffer.from(args.s3 as string, 'base64').toString()) as ReplicaOptions;
  const run = phase === 'baseline' ? baselinePhase : phase === 'decode' ? decodePhase : restorePhase;
  const result = await withReplicaClient(options, run);
  process.stdout.write(JSON.stringify(result));
} else await main();
