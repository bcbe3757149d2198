// Same-run restore comparison with Litestream v0.3.13: one real SQLite database, a file replica for each tool, both CLIs timed.
import { spawn } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { mkdir, mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { encodeDatabaseSnapshot } from '../core/ltx/database.ts';
import { FileReplicaClient } from '../core/replica/file.ts';

const REPO = new URL('..', import.meta.url).pathname;
const LITESTREAM = join(REPO, 'node_modules/@flydotio/litestream-linux-x64/litestream');
/** The CLI as run from the sources (TypeScript through Node's type stripping) and as installed users run it (esbuild bundle). */
const CLIS: Record<string, string> = { src: join(REPO, 'bin/streambed.mjs'), dist: join(REPO, 'dist/streambed.mjs') };
const MiB = 1024 * 1024;

export interface Timed {
  wall: number;
  cpu: number;
  rssMiB: number;
}

interface PeerOptions {
  sizeMiB: number;
  /** Which CLIs to time: 'src' and/or 'dist' (build it first: node scripts/build.mjs). */
  clis: string[];
  runs: number;
  parallelism: number;
  /** A folder that keeps the database and both replicas between runs (built on the first). */
  keep?: string;
  runChild(phase: string, extra: string[]): Promise<Record<string, number>>;
}

export async function litestreamPeer(options: PeerOptions): Promise<void> {
  if (!existsSync(LITESTREAM)) throw new Error(`${LITESTREAM} not found: the peer needs the optional @flydotio/litestream-linux-x64 (linux x64)`);
  if (!existsSync('/usr/bin/time')) throw new Error('/usr/bin/time not found: it measures the peak RSS of each restore (Debian package "time")');
  const clis = checkClis(options.clis);
  const dir = options.keep ?? (await mkdtemp(join(tmpdir(), 'streambed-bench-peer-')));
  try {
    const db = join(dir, 'src.db');
    const ltx = await buildReplicas(db, dir, options.sizeMiB);
    const dbBytes = (await stat(db)).size;
    log(`database ${(dbBytes / MiB).toFixed(0)} MiB; Litestream snapshot ${(litestreamBytes(join(dir, 'ls-replica')) / 1e6).toFixed(1)} MB, LTX snapshot ${(ltx.size / 1e6).toFixed(1)} MB`);

    const load = [loadavg()[0]];
    const replica = Buffer.from(JSON.stringify({ type: 'file', path: join(dir, 'sb-replica') })).toString('base64');
    const common = ['--s3', replica, '--parallelism', String(options.parallelism)];
    const floors = new Map<string, Timed>();
    for (const [name, cli] of clis) floors.set(name, await timed(['node', cli, 'restore', '-h']));
    const decodes: Array<Record<string, number>> = [];
    const inProcess: Array<Record<string, number>> = [];
    const rows: Record<string, Timed[]> = { litestream: [] };
    const none = (name: string): string => `streambed ${name} -integrity-check none`;
    const quick = (name: string): string => `streambed ${name} (quick_check)`;
    for (const [name] of clis) [rows[none(name)], rows[quick(name)]] = [[], []];
    for (let r = 0; r < options.runs; r++) {
      const out = (name: string): string => join(dir, `out-${name}-${r}.db`);
      rows.litestream.push(await timed([LITESTREAM, 'restore', '-o', out('ls'), `file://${join(dir, 'ls-replica')}`]));
      for (const [name, cli] of clis) {
        rows[none(name)].push(await timed(['node', cli, 'restore', '-integrity-check', 'none', '-o', out(`none-${name}`), `file://${join(dir, 'sb-replica')}`]));
        rows[quick(name)].push(await timed(['node', cli, 'restore', '-o', out(`quick-${name}`), `file://${join(dir, 'sb-replica')}`]));
        await rm(out(`none-${name}`));
        await rm(out(`quick-${name}`));
      }
      decodes.push(await options.runChild('decode', common));
      inProcess.push(await options.runChild('restore', [...common, '--out', out('inproc')]));
      load.push(loadavg()[0]);
      for (const name of ['ls', 'inproc']) await rm(out(name), { force: true });
    }

    const gib = ltx.size / 2 ** 30;
    const print = (s: string): boolean => process.stdout.write(`${s}\n`);
    print(`restore of a ${(dbBytes / MiB).toFixed(0)} MiB database from a file replica, ${options.runs} runs each (wall s / CPU-s / peak RSS MiB):`);
    for (const [name, runs] of Object.entries(rows)) {
      print(`  ${name.padEnd(38)} ${runs.map((t) => `${t.wall.toFixed(2)} / ${t.cpu.toFixed(2)} / ${t.rssMiB.toFixed(0)}`).join('   ')}`);
    }
    const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
    const med = (name: string, k: keyof Timed): number => median(rows[name].map((t) => t[k]));
    for (const [name, floor] of floors) {
      print(`  CLI module-load floor, ${name} (restore -h): ${floor.wall.toFixed(2)} s / ${floor.cpu.toFixed(2)} CPU-s / ${floor.rssMiB.toFixed(0)} MiB`);
    }
    for (const [name] of clis) {
      print(`${name}: median wall streambed/litestream ${(med(none(name), 'wall') / med('litestream', 'wall')).toFixed(2)} (target <= 1); CPU-s ratio ${(med(none(name), 'cpu') / med('litestream', 'cpu')).toFixed(2)}`);
      print(`${name}: median peak RSS ${med(none(name), 'rssMiB').toFixed(0)} MiB without the check (target <= 128), ${med(quick(name), 'rssMiB').toFixed(0)} MiB with quick_check; litestream ${med('litestream', 'rssMiB').toFixed(0)} MiB`);
    }
    const cpuPerGiB = (runs: Array<Record<string, number>>): string => runs.map((r) => (r.cpuSeconds / gib).toFixed(2)).join(', ');
    const medianOf = (runs: Array<Record<string, number>>, k: string): number => median(runs.map((r) => r[k]));
    print(`in-process, no module load, no check (bench process with the S3 SDK loaded), CPU-s/GiB of LTX:`);
    print(`  read + LZ4 decode + CRC-64 baseline ${cpuPerGiB(decodes)}; peak RSS ${decodes.map((r) => r.rssMiB.toFixed(0)).join(', ')} MiB`);
    print(`  restoreDatabase                     ${cpuPerGiB(inProcess)}; peak RSS ${inProcess.map((r) => r.rssMiB.toFixed(0)).join(', ')} MiB; wall ${inProcess.map((r) => r.seconds.toFixed(2)).join(', ')} s`);
    print(`median CPU-s restoreDatabase / baseline: ${(medianOf(inProcess, 'cpuSeconds') / medianOf(decodes, 'cpuSeconds')).toFixed(2)} (target <= 2)`);
    print(`load average (1 min) before and after each round: ${load.map((l) => l.toFixed(1)).join(', ')} on ${navigator.hardwareConcurrency} cores`);
  } finally {
    if (!options.keep) await rm(dir, { recursive: true, force: true });
  }
}

/** The database and a file replica for each tool; a folder that already has them (--keep) is reused as is. */
async function buildReplicas(db: string, dir: string, sizeMiB: number): Promise<{ size: number }> {
  const sbSnapshot = join(dir, 'sb-replica', 'ltx', '0', '0000000000000001-0000000000000001.ltx');
  if (existsSync(sbSnapshot) && existsSync(join(dir, 'ls-replica'))) return { size: statSync(sbSnapshot).size };
  await mkdir(dir, { recursive: true });
  buildDatabase(db, sizeMiB);
  await litestreamSnapshot(db, join(dir, 'ls-replica'), dir);
  checkpoint(db); // Litestream added its own tables through the WAL; the LTX snapshot reads the main file
  const { stream } = await encodeDatabaseSnapshot(db, 1);
  return new FileReplicaClient(join(dir, 'sb-replica')).writeLtxFile({ level: 0, minTXID: 1, maxTXID: 1 }, stream);
}

/** The CLIs to time, by name; a missing bundle says how to build it. */
export function checkClis(names: string[]): Array<[string, string]> {
  return names.map((name) => {
    const cli = CLIS[name];
    if (!cli) throw new Error(`--cli takes src and/or dist (comma-separated), not "${name}"`);
    if (!existsSync(cli)) throw new Error(`${cli} not found: build the bundle first (node scripts/build.mjs)`);
    return [name, cli];
  });
}

/** Rows of 400 random bytes plus a repetitive note: about as compressible as Litestream's snapshot of it shows. */
function buildDatabase(path: string, sizeMiB: number): void {
  const db = new Database(path);
  try {
    db.pragma('journal_mode = WAL');
    db.exec('CREATE TABLE t(id INTEGER PRIMARY KEY, body BLOB, note TEXT)');
    const insert = db.prepare("INSERT INTO t(body, note) VALUES (randomblob(400), printf('row %d of a restore benchmark, some repetitive text to compress %d', ?, ?))");
    const batch = db.transaction((base: number) => {
      for (let i = base; i < base + 20000; i++) insert.run(i, i % 97);
    });
    for (let base = 0; (db.pragma('page_count', { simple: true }) as number) * 4096 < sizeMiB * MiB; base += 20000) batch(base);
    db.pragma('wal_checkpoint(TRUNCATE)');
  } finally {
    db.close();
  }
}

function checkpoint(path: string): void {
  const db = new Database(path);
  try {
    db.pragma('wal_checkpoint(TRUNCATE)');
  } finally {
    db.close();
  }
}

/** Runs `litestream replicate` until its first snapshot is written, then stops it. */
async function litestreamSnapshot(db: string, replica: string, dir: string): Promise<void> {
  const config = join(dir, 'litestream.yml');
  await writeFile(config, `dbs:\n  - path: ${db}\n    replicas:\n      - type: file\n        path: ${replica}\n`);
  const child = spawn(LITESTREAM, ['replicate', '-config', config], { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  await new Promise<void>((resolve, reject) => {
    const onData = (d: Buffer): void => {
      output += d.toString();
      if (output.includes('wal segment written')) resolve();
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.on('exit', (code) => reject(new Error(`litestream replicate exited with ${code} before its snapshot:\n${output}`)));
  });
  child.kill('SIGTERM');
  await new Promise((r) => child.once('exit', r));
}

/** Bytes of Litestream's snapshot files (what its restore reads, besides a few WAL segments). */
function litestreamBytes(replica: string): number {
  const files = readdirSync(replica, { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.snapshot.lz4'));
  return files.reduce((sum, f) => sum + statSync(join(replica, f)).size, 0);
}

/** Wall, user+sys CPU and peak RSS of one command, from GNU time (covers the whole process, module loading included). */
export function timed(argv: string[], env?: Record<string, string>): Promise<Timed> {
  return new Promise((resolve, reject) => {
    const child = spawn('/usr/bin/time', ['-f', 'TIMED %e %U %S %M', ...argv], { stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, ...env } });
    let err = '';
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.on('exit', (code) => {
      const m = /TIMED ([\d.]+) ([\d.]+) ([\d.]+) (\d+)/.exec(err);
      if (code !== 0 || !m) return reject(new Error(`${argv.join(' ')} failed (${code}):\n${err}`));
      resolve({ wall: Number(m[1]), cpu: Number(m[2]) + Number(m[3]), rssMiB: Number(m[4]) / 1024 });
    });
  });
}

function log(msg: string): void {
  process.stderr.write(`[bench] ${msg}\n`);
}
