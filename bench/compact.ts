// Compaction benchmark: a synthetic replica (1 GiB snapshot, L1/L2, ~1000 L0 files) compacted from fauxqs or a file
// replica, against a same-run baseline that only downloads the inputs and uploads an object of the output's size.
// Usage: node bench/compact.ts [--size-mib 1024] [--l0 1000] [--replica s3|file] [--storage disk|memory] [--page-size 4096] [--default-heap]
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import { buildSnapshot, compactLevel, selectLevelInputs, selectSnapshotInputs } from '../core/compact/index.ts';
import type { MaintenanceSettings } from '../core/compact/index.ts';
import { listLevel, listReplica } from '../core/listing/listing.ts';
import { mapLimit } from '../core/util/map-limit.ts';
import { compactLtx } from '../core/ltx/compactor.ts';
import { encodeLtx, encodeLtxToBuffer } from '../core/ltx/encoder.ts';
import { newHeader } from '../core/ltx/header.ts';
import type { LtxFileInfo, LtxFileRef, ReplicaClient } from '../core/replica/client.ts';
import { withReplicaClient } from '../core/replica/open.ts';
import type { ReplicaOptions } from '../core/replica/options.ts';
import { behindLtxHeader, collect, randomBytesStream, single, snapshotPages, txnPages } from './synthetic-pages.ts';

const SELF = new URL(import.meta.url).pathname;
const MiB = 1024 * 1024;
const BASE_TIME = Date.UTC(2026, 0, 1);

/** The V8 setting the compaction Lambdas run with (infra/function.ts). */
const COMPACTION_NODE_FLAG = '--max-semi-space-size=4';

const { values: args } = parseArgs({
  options: {
    'size-mib': { type: 'string', default: '1024' },
    l0: { type: 'string', default: '1000' },
    'page-size': { type: 'string', default: '4096' },
    replica: { type: 'string', default: 's3' },
    storage: { type: 'string', default: 'disk' },
    phase: { type: 'string' },
    dir: { type: 'string' },
    options: { type: 'string' },
    /** Diagnostic: force a full GC this often in the measured phases (needs node --expose-gc), to tell garbage from live memory. */
    'gc-every-ms': { type: 'string' },
    'default-heap': { type: 'boolean', default: false },
    /** S3 multipart parts in flight (the replica's `concurrency` setting; default 5). */
    'upload-concurrency': { type: 'string' },
  },
});

function log(msg: string): void {
  process.stderr.write(`[bench] ${msg}\n`);
}

// ---- synthetic pages: ~40% random bytes, the rest repetitive, so LZ4 finds a realistic ratio ----
async function buildReplica(client: ReplicaClient, pageCount: number, pageSize: number, l0Count: number): Promise<void> {
  const ts = (txid: number) => new Date(BASE_TIME + txid * 1000);
  const put = (ref: LtxFileRef, body: Uint8Array | AsyncIterable<Uint8Array>) => client.writeLtxFile(ref, body);
  const encodeTxn = (txid: number) =>
    encodeLtxToBuffer(newHeader({ pageSize, commit: pageCount, minTXID: txid, maxTXID: txid, timestamp: ts(txid).getTime() }), txnPages(txid, pageCount, pageSize));
  let t = performance.now();
  const snap = newHeader({ pageSize, commit: pageCount, minTXID: 1, maxTXID: 1, timestamp: ts(1).getTime() });
  await put({ level: 9, minTXID: 1, maxTXID: 1 }, encodeLtx(snap, snapshotPages(pageCount, pageSize), { chunkSize: 4 * MiB }));
  log(`snapshot written in ${((performance.now() - t) / 1000).toFixed(1)} s`);
  t = performance.now();
  const l1: Buffer[] = [];
  for (let min = 2; min + 99 <= l0Count + 1; min += 100) {
    const inputs = [];
    for (let txid = min; txid < min + 100; txid++) inputs.push({ source: single(await encodeTxn(txid)), name: `txn ${txid}` });
    const buf = await collect((await compactLtx(inputs)).stream);
    l1.push(buf);
    await put({ level: 1, minTXID: min, maxTXID: min + 99 }, buf);
  }
  const half = l1.slice(0, Math.floor(l1.length / 2));
  if (half.length > 1) {
    const buf = await collect((await compactLtx(half.map((b, i) => ({ source: single(b), name: `L1 ${i}` })))).stream);
    await put({ level: 2, minTXID: 2, maxTXID: 1 + half.length * 100 }, buf);
  }
  const first = 2 + l1.length * 100;
  const txids = Array.from({ length: l0Count }, (_, i) => first + i);
  await mapLimit(txids, 16, async (txid) => put({ level: 0, minTXID: txid, maxTXID: txid }, await encodeTxn(txid)));
  log(`${l1.length} L1, ${half.length > 1 ? 1 : 0} L2 and ${l0Count} L0 files written in ${((performance.now() - t) / 1000).toFixed(1)} s`);
}

// ---- measurement phases, each in its own process so peak RSS belongs to it alone ----
interface PhaseResult {
  inputs: number;
  inputBytes: number;
  outputBytes: number;
  seconds: number;
  peakRssMiB: number;
}

async function measured(run: () => Promise<{ inputs: number; inputBytes: number; outputBytes: number }>): Promise<PhaseResult> {
  let peak = process.memoryUsage().rss;
  const timer = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 20);
  const gc = (globalThis as { gc?: () => void }).gc;
  const gcTimer = args['gc-every-ms'] && gc ? setInterval(gc, Number(args['gc-every-ms'])) : undefined;
  const start = performance.now();
  try {
    const r = await run();
    return { ...r, seconds: (performance.now() - start) / 1000, peakRssMiB: Math.max(peak, process.memoryUsage().rss) / MiB };
  } finally {
    clearInterval(timer);
    clearInterval(gcTimer);
  }
}

const settings: MaintenanceSettings = { levels: [30_000, 300_000, 3_600_000], snapshotInterval: 86_400_000, snapshotRetention: 86_400_000, l0Retention: 300_000, retentionEnabled: false };
const later = () => new Date(Date.now() + 86_400_000);

/** What compaction cannot beat: read every input once and write an object of the output's size. */
async function baseline(client: ReplicaClient, inputs: LtxFileInfo[], outputBytes: number) {
  const sizes = await mapLimit(inputs, 8, async (f) => {
    let n = 0;
    for await (const chunk of await client.openLtxFile(f)) n += (chunk as Uint8Array).byteLength;
    return n;
  });
  const scratch = { level: 8, minTXID: 1, maxTXID: 1 };
  await client.writeLtxFile(scratch, behindLtxHeader(outputBytes, randomBytesStream, BASE_TIME));
  await client.deleteLtxFiles([scratch]);
  return { inputs: inputs.length, inputBytes: sizes.reduce((a, b) => a + b, 0), outputBytes };
}

async function phase(name: string, client: ReplicaClient, tmpDir: string): Promise<PhaseResult> {
  const now = later();
  const s = { ...settings, tmpDir };
  switch (name) {
    case 'baseline-l1': {
      const sel = selectLevelInputs(await listLevel(client, 0), await listLevel(client, 1), settings.levels[0], now);
      const expected = sel.inputs.reduce((n, f) => n + f.size, 0) * 0.9; // merged output is a little smaller
      return measured(() => baseline(client, sel.inputs, Math.floor(expected)));
    }
    case 'compact-l1':
      return measured(async () => {
        const r = await compactLevel(client, 1, s, now);
        if (r.status !== 'written') throw new Error(`L1 compaction: ${r.status} ${r.reason ?? ''}`);
        return { inputs: r.inputs!.length, inputBytes: r.inputBytes!, outputBytes: r.written!.size };
      });
    case 'baseline-snapshot': {
      const sel = selectSnapshotInputs(await listReplica(client), settings.snapshotInterval, now);
      const inputs = sel.base ? [sel.base, ...sel.chain] : sel.chain;
      return measured(() => baseline(client, inputs, sel.base?.size ?? 0));
    }
    case 'snapshot':
      return measured(async () => {
        const r = await buildSnapshot(client, s, now);
        if (r.status !== 'written') throw new Error(`snapshot: ${r.status} ${r.reason ?? ''}`);
        return { inputs: r.inputs!.length, inputBytes: r.inputBytes!, outputBytes: r.written!.size };
      });
    default:
      throw new Error(`unknown phase ${name}`);
  }
}

async function fauxqsPhase(): Promise<void> {
  const { startLocalS3 } = await import('../test/harness/local-s3.ts');
  const s3 = await startLocalS3(args.storage === 'disk' ? { s3StorageDir: args.dir } : {});
  const bucket = await s3.createBucket('bench');
  process.stdout.write(`READY ${JSON.stringify(s3.s3Options(bucket, 'bench/db.sqlite'))}\n`);
  process.stdin.resume();
  process.stdin.on('end', () => void s3.stop().then(() => process.exit(0)));
}

function runChild(name: string, options: ReplicaOptions, tmpDir: string): Promise<PhaseResult> {
  return new Promise((resolve, reject) => {
    const encoded = Buffer.from(JSON.stringify(options)).toString('base64');
    const gcArgs = args['gc-every-ms'] ? ['--gc-every-ms', String(args['gc-every-ms'])] : [];
    // The compaction hosts cap V8's young generation (Lambda: NODE_OPTIONS, agent: the worker's resourceLimits);
    // measure the same configuration unless --default-heap asks for V8's defaults.
    const nodeFlags = [...(args['gc-every-ms'] ? ['--expose-gc'] : []), ...(args['default-heap'] ? [] : [COMPACTION_NODE_FLAG])];
    const child = spawn(process.execPath, [...nodeFlags, SELF, '--phase', name, '--options', encoded, '--dir', tmpDir, ...gcArgs], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.on('exit', (code) => (code === 0 ? resolve(JSON.parse(out) as PhaseResult) : reject(new Error(`${name} phase exited with ${code}`))));
  });
}

async function startFauxqs(dir: string) {
  const server = spawn(process.execPath, [SELF, '--phase', 'fauxqs', '--dir', join(dir, 's3'), '--storage', String(args.storage)], { stdio: ['pipe', 'pipe', 'inherit'] });
  const line = await new Promise<string>((resolve, reject) => {
    createInterface({ input: server.stdout! }).on('line', (l) => l.startsWith('READY ') && resolve(l.slice(6)));
    server.on('exit', (code) => reject(new Error(`fauxqs exited with ${code}`)));
  });
  return { options: JSON.parse(line) as ReplicaOptions, stop: async () => (server.stdin!.end(), await new Promise((r) => server.once('exit', r))) };
}

async function main(): Promise<void> {
  const sizeMiB = Number(args['size-mib']);
  const pageSize = Number(args['page-size']);
  const l0Count = Number(args.l0);
  const pageCount = Math.floor((sizeMiB * MiB) / pageSize);
  const dir = await mkdtemp(join(tmpdir(), 'streambed-bench-compact-'));
  const server = args.replica === 's3' ? await startFauxqs(dir) : undefined;
  const options: ReplicaOptions = server?.options ?? { type: 'file', path: join(dir, 'replica') };
  if (options.type === 's3' && args['upload-concurrency']) options.concurrency = Number(args['upload-concurrency']);
  try {
    log(`building a ${sizeMiB} MiB database (${pageCount} pages of ${pageSize}) with ${l0Count} L0 files in a ${options.type} replica`);
    await withReplicaClient(options, (client) => buildReplica(client, pageCount, pageSize, l0Count));
    const results: Array<[string, PhaseResult]> = [];
    for (const name of ['baseline-l1', 'compact-l1', 'baseline-snapshot', 'snapshot']) {
      results.push([name, await runChild(name, options, dir)]);
      log(`${name}: ${JSON.stringify(results.at(-1)![1])}`);
    }
    const rows = [['phase', 'inputs', 'in MB', 'out MB', 'seconds', 'MB/s (in+out)', 'peak RSS MiB']];
    for (const [name, r] of results) {
      const mb = (r.inputBytes + r.outputBytes) / 1e6;
      rows.push([name, String(r.inputs), (r.inputBytes / 1e6).toFixed(1), (r.outputBytes / 1e6).toFixed(1), r.seconds.toFixed(2), (mb / r.seconds).toFixed(1), r.peakRssMiB.toFixed(0)]);
    }
    const widths = rows[0].map((_, c) => Math.max(...rows.map((r) => r[c].length)));
    const s3Note = options.type === 's3' ? ` (fauxqs, ${args.storage} storage, upload concurrency ${options.concurrency ?? 5})` : '';
    process.stdout.write(`compaction benchmark: ${sizeMiB} MiB database, ${l0Count} L0 files, ${options.type} replica${s3Note}\n`);
    for (const r of rows) process.stdout.write(r.map((v, c) => v.padEnd(widths[c])).join('  ') + '\n');
  } finally {
    await server?.stop();
    await rm(dir, { recursive: true, force: true });
  }
}

const phaseName = args.phase;
if (phaseName === 'fauxqs') await fauxqsPhase();
else if (phaseName) {
  const options = JSON.parse(Buffer.from(args.options as string, 'base64').toString()) as ReplicaOptions;
  const result = await withReplicaClient(options, (client) => phase(phaseName, client, args.dir as string));
  process.stdout.write(JSON.stringify(result) + '\n');
} else await main();
