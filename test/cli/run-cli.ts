// Runs the CLI two ways: main(argv) in this process (output captured), and the real binary as a child process.
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { vi } from 'vitest';
import { main } from '../../cli/main.ts';

export interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

export const BIN = fileURLToPath(new URL('../../bin/streambed.mjs', import.meta.url));

/** Environment that keeps a developer's own config out of the test. */
const NO_CONFIG = { STREAMBED_CONFIG: '', LITESTREAM_CONFIG: '', LOG_LEVEL: '' };

let running: Promise<unknown> = Promise.resolve();

/**
 * main(argv) in this process, with whatever it writes to stdout and stderr captured. Calls run one after another
 * (also under Promise.all), since the capture replaces the process-wide writers.
 */
export function runMain(...argv: string[]): Promise<CliRun> {
  const run = running.then(() => captureMain(argv));
  running = run.catch(() => undefined);
  return run;
}

async function captureMain(argv: string[]): Promise<CliRun> {
  let stdout = '';
  let stderr = '';
  const saved = Object.fromEntries(Object.keys(NO_CONFIG).map((k) => [k, process.env[k]]));
  Object.assign(process.env, NO_CONFIG);
  const out = vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => ((stdout += String(chunk)), true));
  const err = vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => ((stderr += String(chunk)), true));
  try {
    const code = await main(argv);
    return { code, stdout, stderr };
  } finally {
    out.mockRestore();
    err.mockRestore();
    for (const [k, v] of Object.entries(saved)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  }
}

/** bin/streambed.mjs as a child process; `onStdout` sees the output so far (e.g. to send a signal). */
export function spawnCli(args: string[], options: { onStdout?: (text: string, child: ChildProcess) => void; env?: NodeJS.ProcessEnv } = {}): Promise<CliRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], {
      env: { ...process.env, ...NO_CONFIG, ...options.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => {
      stdout += c.toString();
      options.onStdout?.(stdout, child);
    });
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}
