// Drives the Litestream v0.3.13 binary (npm @flydotio/litestream-linux-x64) to make real v0.3 backups for tests.
import Database from 'better-sqlite3';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readdir, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { SCHEMA } from './workload.ts';

export const LITESTREAM_BIN = fileURLToPath(new URL('../../node_modules/@flydotio/litestream-linux-x64/litestream', import.meta.url));
const WRITER = fileURLToPath(new URL('./writer-process.ts', import.meta.url));

/** Why the real-binary tests cannot run here, or undefined when they can. */
export function litestreamMissing(): string | undefined {
  if (process.platform !== 'linux' || process.arch !== 'x64') return `the Litestream v0.3.13 binary is linux-x64 only (this is ${process.platform}-${process.arch})`;
  if (!existsSync(LITESTREAM_BIN)) return `optional dependency @flydotio/litestream-linux-x64 is not installed (${LITESTREAM_BIN} missing)`;
  return undefined;
}

export interface Commit {
  seq: number;
  /** Date.now() before the transaction began and after it committed. */
  begin: number;
  end: number;
}

export interface WriterPhase {
  count: number;
  intervalMs: number;
  pauseEvery: number;
  pauseMs: number;
}

export function createSourceDb(path: string): void {
  const db = new Database(path);
  db.pragma('journal_mode = WAL');
  db.exec(SCHEMA);
  db.close();
}

/** A Litestream v0.3 config (its keys) replicating `dbPath` to a file replica or an S3 bucket. */
export async function writeConfig(path: string, dbPath: string, replica: Record<string, string>): Promise<void> {
  const lines = [
    'dbs:',
    `  - path: ${dbPath}`,
    '    monitor-interval: 50ms',
    '    checkpoint-interval: 700ms',
    '    min-checkpoint-page-count: 48',
    '    replicas:',
    ...Object.entries({ 'sync-interval': '100ms', 'snapshot-interval': '900ms', ...replica }).map(([k, v], i) => `${i === 0 ? '      - ' : '        '}${k}: ${v}`),
  ];
  await writeFile(path, lines.join('\n') + '\n');
}

export class LitestreamProcess {
  readonly child: ChildProcess;
  log = '';
  private readonly exited: Promise<void>;

  constructor(configPath: string) {
    this.child = spawn(LITESTREAM_BIN, ['replicate', '-config', configPath], { stdio: ['ignore', 'pipe', 'pipe'] });
    this.child.stdout!.on('data', (d: Buffer) => (this.log += d.toString()));
    this.child.stderr!.on('data', (d: Buffer) => (this.log += d.toString()));
    this.exited = new Promise((resolve) => this.child.once('exit', () => resolve()));
  }

  async waitForLog(pattern: RegExp, timeoutMs = 10_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!pattern.test(this.log)) {
      if (this.child.exitCode !== null) throw new Error(`litestream exited (${this.child.exitCode}) before logging ${pattern}:\n${this.log}`);
      if (Date.now() > deadline) throw new Error(`litestream did not log ${pattern} within ${timeoutMs} ms:\n${this.log}`);
      await sleep(20);
    }
  }

  async stop(): Promise<void> {
    if (this.child.exitCode === null) this.child.kill('SIGTERM');
    await this.exited;
  }
}

/** Runs the writer process for one phase and returns its commits. */
export async function runWriter(dbPath: string, from: number, phase: WriterPhase): Promise<Commit[]> {
  const args = [WRITER, dbPath, String(from), String(phase.count), String(phase.intervalMs), String(phase.pauseEvery), String(phase.pauseMs)];
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (err += d.toString()));
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
  if (code !== 0) throw new Error(`writer process failed (${code}): ${err}`);
  return out.trim().split('\n').map((line) => JSON.parse(line) as Commit);
}

/** Waits until no file under `dir` changed for `quietMs` (Litestream has uploaded what it had). */
export async function waitForQuiet(dir: string, quietMs: number, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const newest = await newestMtime(dir);
    if (Date.now() - newest >= quietMs) return;
    if (Date.now() > deadline) throw new Error(`files under ${dir} kept changing for ${timeoutMs} ms`);
    await sleep(50);
  }
}

async function newestMtime(dir: string): Promise<number> {
  let newest = 0;
  for (const entry of await readdir(dir, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile()) continue;
    const s = await stat(join(entry.parentPath, entry.name)).catch(() => undefined);
    if (s) newest = Math.max(newest, s.mtimeMs);
  }
  return newest;
}

/** Litestream v0.3 keeps its shadow WAL here; removing it forces a new generation on the next start. */
export async function removeLitestreamMeta(dbPath: string): Promise<void> {
  const i = dbPath.lastIndexOf('/');
  await rm(join(dbPath.slice(0, i), `.${dbPath.slice(i + 1)}-litestream`), { recursive: true, force: true });
}

/** `litestream restore` (v0.3.13) into `out`; the result and its log. */
export function litestreamRestore(args: string[]): Promise<{ code: number; log: string }> {
  return new Promise((resolve) => {
    const child = spawn(LITESTREAM_BIN, ['restore', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let log = '';
    child.stdout.on('data', (d: Buffer) => (log += d.toString()));
    child.stderr.on('data', (d: Buffer) => (log += d.toString()));
    child.once('exit', (code) => resolve({ code: code ?? 1, log }));
  });
}
