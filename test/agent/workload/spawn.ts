// Test helpers: run the workload scripts as child processes under the same Node binary.
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export const WRITER = fileURLToPath(new URL('./writer.ts', import.meta.url));
export const SYNCER = fileURLToPath(new URL('./syncer.ts', import.meta.url));
export const READER = fileURLToPath(new URL('./reader.ts', import.meta.url));

export function startScript(script: string, args: string[]): ChildProcess {
  return spawn(process.execPath, [script, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
}

/** Resolves with stdout when the process exits 0; rejects with its stderr otherwise. */
export function waitForExit(child: ChildProcess): Promise<string> {
  let out = '';
  let err = '';
  child.stdout?.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (err += d.toString()));
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('exit', (code, signal) => {
      if (code === 0) resolve(out);
      else reject(new Error(`child exited with ${code ?? signal}: ${err.slice(-2000)}`));
    });
  });
}

/** Runs the random writer to completion: ops operations, optional autocheckpoint, random sleeps up to sleepMs. */
export function runWriter(dbPath: string, seed: number, ops: number, autocheckpoint = 0, sleepMs = 0): Promise<string> {
  return waitForExit(startScript(WRITER, [dbPath, String(seed), String(ops), String(autocheckpoint), String(sleepMs)]));
}
