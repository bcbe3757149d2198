// Runs the real streambed CLI as a child process (test helper).
import { spawn } from 'node:child_process';
import path from 'node:path';

export const REPO_ROOT = path.resolve(import.meta.dirname, '../..');

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Environment without variables that would change how a config is read. */
export function cleanEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const k of Object.keys(env)) {
    if (/^(STREAMBED_|LITESTREAM_|LOG_LEVEL$)/.test(k)) delete env[k];
  }
  return { ...env, ...extra };
}

/** The CLI these tests run: the sources, or the bundle with TEST_CLI=dist (after `node scripts/build.mjs`). */
const CLI = path.join(REPO_ROOT, process.env.TEST_CLI === 'dist' ? 'dist/streambed.mjs' : 'bin/streambed.mjs');

export function runCli(args: string[], env: NodeJS.ProcessEnv = cleanEnv()): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], { cwd: REPO_ROOT, env });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

/** True when the text looks like a JavaScript stack trace. */
export function hasStackTrace(text: string): boolean {
  return /^\s+at .+[(:]\S+:\d+/m.test(text) || /\n\s+at /.test(text);
}
