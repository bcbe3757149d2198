// Real Litestream v0.3.13 backups (file replica): restored by streambed at the latest point, at sampled times and by generation.
import Database from 'better-sqlite3';
import { execFile } from 'node:child_process';
import { cp, mkdir, readdir, readFile, rm, utimes, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeLtxToBuffer } from '../../core/ltx/encoder.ts';
import { newHeader } from '../../core/ltx/header.ts';
import { FileReplicaClient } from '../../core/replica/file.ts';
import { listV03, restoreV03, restoreV03IfChosen, type V03Listing } from '../../core/v03/index.ts';
import { seededRandom } from '../harness/prng.ts';
import { makeTempDir, removeTempDir } from '../harness/tmp.ts';
import {
  createSourceDb,
  LitestreamProcess,
  litestreamMissing,
  litestreamRestore,
  removeLitestreamMeta,
  runWriter,
  waitForQuiet,
  writeConfig,
  type Commit,
} from './litestream-v03.ts';
import { ExpectedStates, inspect } from './workload.ts';

const missing = litestreamMissing();
if (missing) console.warn(`skipping the Litestream v0.3.13 binary tests: ${missing}`);

const BIN = new URL('../../bin/streambed.mjs', import.meta.url).pathname;
const PHASE = { count: 100, intervalMs: 12, pauseEvery: 35, pauseMs: 250 };

interface Phase {
  commits: Commit[];
  /** The generation the phase's writes went to. */
  generation: string;
}

let dir: string;
let dbPath: string;
let replicaDir: string;
let phases: Phase[];
let commits: Commit[];
let listing: V03Listing;
let expected: ExpectedStates;
const started = Date.now();

describe.skipIf(missing !== undefined)('real Litestream v0.3.13 backups (file replica)', () => {
  beforeAll(async () => {
    dir = await makeTempDir('v03-binary');
    dbPath = join(dir, 'db.sqlite');
    replicaDir = join(dir, 'replica');
    const config = join(dir, 'litestream.yml');
    createSourceDb(dbPath);
    await writeConfig(config, dbPath, { type: 'file', path: replicaDir });
    phases = [];
    let seq = 1;
    let known = new Set<string>();
    for (let p = 0; p < 3; p++) {
      // A fresh shadow WAL is how Litestream v0.3 loses continuity; it then starts a new generation.
      if (p > 0) await removeLitestreamMeta(dbPath);
      const litestream = new LitestreamProcess(config);
      await litestream.waitForLog(/new generation/);
      const written = await runWriter(dbPath, seq, PHASE);
      seq += written.length;
      await waitForQuiet(replicaDir, 400);
      if (p === 1) litestream.child.kill('SIGKILL'); // one phase ends without a clean shutdown
      await litestream.stop();
      const ids = new Set((await listV03(new FileReplicaClient(replicaDir))).generations.map((g) => g.id));
      const fresh = [...ids].filter((id) => !known.has(id));
      expect(fresh, `phase ${p} should start one new generation`).toHaveLength(1);
      known = ids;
      phases.push({ commits: written, generation: fresh[0] });
    }
    commits = phases.flatMap((p) => p.commits);
    listing = await listV03(new FileReplicaClient(replicaDir));
    expected = new ExpectedStates();
    console.log(`v0.3 backup generated in ${Date.now() - started} ms: ${commits.length} commits`);
  });

  afterAll(async () => {
    expected?.close();
    if (dir) await removeTempDir(dir);
  });

  it('holds several generations, several snapshots each, many WAL segments over many WAL indexes', () => {
    const summary = listing.generations.map((g) => ({
      generation: g.id,
      snapshots: g.snapshots.length,
      segments: g.segments.length,
      indexes: new Set(g.segments.map((s) => s.index)).size,
    }));
    console.log('v0.3 replica:', JSON.stringify(summary));
    expect(summary).toHaveLength(3);
    for (const g of summary) {
      expect(g.snapshots).toBeGreaterThanOrEqual(2);
      expect(g.indexes).toBeGreaterThanOrEqual(3);
    }
    expect(summary.reduce((n, g) => n + g.segments, 0)).toBeGreaterThanOrEqual(60);
  });

  it('restores the latest state: the source database exactly', async () => {
    const out = join(dir, 'latest.db');
    const result = await restoreV03(new FileReplicaClient(replicaDir), { outputPath: out, integrityCheck: 'full' });
    const source = inspect(dbPath);
    expect(source.seq).toBe(commits.at(-1)!.seq);
    expect(inspect(out)).toEqual(source);
    expect(result.generation).toBe(phases[2].generation);
    console.log(`latest: ${JSON.stringify({ ...result, outputPath: undefined })}`);
  });

  it('restores the latest state through the CLI, as Litestream v0.3.13 does', async () => {
    const out = join(dir, 'cli.db');
    const r = await runCli(['restore', '-o', out, pathToFileURL(replicaDir).href]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`Litestream v0.3 generation ${phases[2].generation}`);
    const theirs = join(dir, 'litestream-latest.db');
    expect((await litestreamRestore(['-o', theirs, pathToFileURL(replicaDir).href])).code).toBe(0);
    expect(inspect(out)).toEqual(inspect(theirs));
    expect(inspect(out).seq).toBe(commits.at(-1)!.seq);
  });

  it('restores each generation with -generation to the state its phase ended with', async () => {
    for (const phase of phases) {
      const out = join(dir, `gen-${phase.generation}.db`);
      const outcome = await restoreV03IfChosen(new FileReplicaClient(replicaDir), { outputPath: out, generation: phase.generation });
      expect(outcome).toBeDefined();
      const last = phase.commits.at(-1)!.seq;
      expect(inspect(out)).toEqual({ seq: last, digest: expected.digestAt(last) });
    }
  });

  it('restores sampled timestamps to a committed state of the source, never behind Litestream v0.3.13 itself', async () => {
    const random = seededRandom(20260312);
    const samples: number[] = [];
    for (const phase of phases) {
      const from = phase.commits[0].end;
      const to = phase.commits.at(-1)!.end + 300;
      for (let i = 0; i < 3; i++) samples.push(Math.round(from + random() * (to - from)));
    }
    // Right after a snapshot is written: its index's later segments may not be uploaded yet.
    for (const g of listing.generations) for (const s of g.snapshots.slice(1, 3)) samples.push(s.createdAt.getTime() + 1 + Math.floor(random() * 60));
    const stats = { samples: samples.length, oursMs: 0, litestreamMs: 0, placedSnapshots: 0, framesHeldBySnapshot: 0, equalToLitestream: 0, aheadOfLitestream: 0, litestreamUnusable: 0, exactSourceState: 0, maxLagCommits: 0 };
    for (const at of samples) {
      const T = new Date(at);
      const ours = join(dir, `ts-${at}.db`);
      let t0 = Date.now();
      const result = await restoreV03(new FileReplicaClient(replicaDir), { outputPath: ours, timestamp: T, force: true });
      stats.oursMs += Date.now() - t0;
      if (result.segmentsPastTarget > 0) stats.placedSnapshots += 1;
      stats.framesHeldBySnapshot += result.framesHeldBySnapshot;
      const got = inspect(ours);
      // A state the source really had, committed (begun) no later than T.
      expect(got.digest, `restore at ${T.toISOString()} is not a committed state`).toBe(expected.digestAt(got.seq));
      if (got.seq > 0) expect(commits.find((c) => c.seq === got.seq)!.begin).toBeLessThanOrEqual(at);
      const source = commits.filter((c) => c.end <= at).at(-1)?.seq ?? 0;
      if (got.seq === source) stats.exactSourceState += 1;
      stats.maxLagCommits = Math.max(stats.maxLagCommits, source - got.seq);

      const theirs = join(dir, `ls-${at}.db`);
      t0 = Date.now();
      const ls = await litestreamRestore(['-o', theirs, '-timestamp', T.toISOString(), pathToFileURL(replicaDir).href]);
      stats.litestreamMs += Date.now() - t0;
      const their = ls.code === 0 ? inspectOrUndefined(theirs) : undefined;
      if (!their || their.digest !== expected.digestAt(their.seq)) {
        stats.litestreamUnusable += 1;
        console.log(`Litestream v0.3.13 at ${T.toISOString()}: ${their ? `state of no commit (claims ${their.seq}), ours ${got.seq}` : `failed: ${ls.log.trim().split('\n').at(-1)}`}`);
      } else if (their.seq === got.seq) {
        stats.equalToLitestream += 1;
      } else {
        expect(got.seq, `at ${T.toISOString()} Litestream restored a later state`).toBeGreaterThan(their.seq);
        stats.aheadOfLitestream += 1;
      }
      await rm(theirs, { force: true });
    }
    console.log(`timestamps: ${JSON.stringify(stats)}`);
    expect(stats.equalToLitestream).toBeGreaterThan(samples.length / 2);
  });

  it('picks the format with the newer backup when the replica also holds LTX files', async () => {
    const mixed = join(dir, 'mixed');
    await cp(replicaDir, mixed, { recursive: true, preserveTimestamps: true });
    const client = new FileReplicaClient(mixed);
    // An LTX snapshot written after the first generation's last snapshot and before the second generation's first.
    const lastOfFirst = listing.generations.find((g) => g.id === phases[0].generation)!.snapshots.at(-1)!.createdAt.getTime();
    const firstOfSecond = listing.generations.find((g) => g.id === phases[1].generation)!.snapshots[0].createdAt.getTime();
    const between = new Date(Math.round((lastOfFirst + firstOfSecond) / 2));
    const ltxDir = join(mixed, 'ltx', '9');
    await mkdir(ltxDir, { recursive: true });
    const ltx = await buildLtxSnapshot(join(dir, 'ltx-src.db'));
    await writeFile(join(ltxDir, '0000000000000001-0000000000000001.ltx'), ltx);
    await utimes(join(ltxDir, '0000000000000001-0000000000000001.ltx'), between, between);

    const latest = await restoreV03IfChosen(client, { outputPath: join(dir, 'm-latest.db') });
    expect(latest?.text).toContain('newer than its newest LTX file');
    const beforeLtx = await restoreV03IfChosen(client, { outputPath: join(dir, 'm-before.db'), timestamp: new Date(between.getTime() - 1) });
    expect(beforeLtx).toBeDefined();
    // After the LTX snapshot and before the second generation's first snapshot: the LTX one is newer.
    const afterLtx = await restoreV03IfChosen(client, { outputPath: join(dir, 'm-after.db'), timestamp: new Date(Math.round((between.getTime() + firstOfSecond) / 2)) });
    expect(afterLtx).toBeUndefined();
    expect(await readdir(dir)).not.toContain('m-after.db');
  });
});

function inspectOrUndefined(path: string): { seq: number; digest: string } | undefined {
  try {
    return inspect(path);
  } catch {
    return undefined;
  }
}

function runCli(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [BIN, ...args], { env: { ...process.env, STREAMBED_CONFIG: '', LITESTREAM_CONFIG: '' } }, (err, stdout, stderr) => {
      resolve({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stdout, stderr });
    });
  });
}

/** A one-page LTX snapshot of a tiny database, enough for the format rule to see an LTX backup. */
async function buildLtxSnapshot(path: string): Promise<Uint8Array> {
  const db = new Database(path);
  db.pragma('page_size = 4096');
  db.exec('CREATE TABLE x(a)');
  db.close();
  const file = await readFile(path);
  const pages = Array.from({ length: file.length / 4096 }, (_, i) => ({ pgno: i + 1, data: file.subarray(i * 4096, (i + 1) * 4096) }));
  return encodeLtxToBuffer(newHeader({ pageSize: 4096, commit: pages.length, minTXID: 1, maxTXID: 1, timestamp: Date.now() }), pages);
}
