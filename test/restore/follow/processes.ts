// Test helpers for follow mode: the follower (`streambed restore -f`), the writer and the sampler as child processes.
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';

const STREAMBED = fileURLToPath(new URL('../../../bin/streambed.mjs', import.meta.url));
export const WRITER = fileURLToPath(new URL('./writer.ts', import.meta.url));
export const SAMPLER = fileURLToPath(new URL('./sampler.ts', import.meta.url));

export interface Proc {
  child: ChildProcess;
  stdout(): string;
  stderr(): string;
  /** Exit code, or 128 + signal number style text when killed. */
  exited: Promise<number | string>;
}

export function startProc(args: string[], env: NodeJS.ProcessEnv = {}): Proc {
  const child = spawn(process.execPath, args, {
    env: { ...process.env, STREAMBED_CONFIG: '', LITESTREAM_CONFIG: '', LOG_LEVEL: '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stdout?.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (err += d.toString()));
  const exited = new Promise<number | string>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code, signal) => resolve(code ?? String(signal)));
  });
  return { child, stdout: () => out, stderr: () => err, exited };
}

/** `streambed restore -f` with the given extra arguments. */
export function startFollower(replicaUrl: string, output: string, extra: string[] = []): Proc {
  return startProc([STREAMBED, 'restore', '-f', ...extra, '-o', output, replicaUrl]);
}

/** Runs the writer to completion (rows from..to, one per transaction). */
export async function runWriter(db: string, from: number, to: number, intervalMs: number): Promise<void> {
  const p = startProc([WRITER, db, String(from), String(to), String(intervalMs)]);
  const code = await p.exited;
  if (code !== 0) throw new Error(`writer exited ${code}: ${p.stderr().slice(-2000)}`);
}

export async function waitFor(cond: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

/** Rows of t in a copy, read through a fresh read-only connection (0 when it cannot be read yet). */
export function rowsIn(path: string): number {
  try {
    const db = new Database(path, { readonly: true, fileMustExist: true });
    try {
      return (db.prepare('SELECT count(*) AS n FROM t').get() as { n: number }).n;
    } finally {
      db.close();
    }
  } catch {
    return 0;
  }
}
