// Test helpers: drive an application process (Python's sqlite3) that keeps its connection open between statements.
import { spawn } from 'node:child_process';
import type { ChildProcessWithoutNullStreams } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

const SCRIPT = fileURLToPath(new URL('./held-connection.py', import.meta.url));

export interface HeldConnection {
  /** Runs one statement in the application process; rejects with its error. */
  run(sql: string): Promise<string>;
  /** Closes the application's connection and waits for the process to exit. */
  close(): Promise<void>;
}

export async function holdConnection(dbPath: string): Promise<HeldConnection> {
  const child: ChildProcessWithoutNullStreams = spawn('python3', [SCRIPT, dbPath]);
  const lines = createInterface({ input: child.stdout });
  const waiting: Array<(line: string) => void> = [];
  lines.on('line', (line) => waiting.shift()?.(line));
  const next = (): Promise<string> => new Promise((resolve) => waiting.push(resolve));
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<void>((resolve) => child.on('exit', () => resolve()));
  const ready = await Promise.race([next(), exited.then(() => `exited: ${stderr}`)]);
  if (ready !== 'ready') throw new Error(`held connection to ${dbPath} did not start: ${ready}`);
  return {
    async run(sql) {
      const answer = next();
      child.stdin.write(sql.replace(/\n/g, ' ') + '\n');
      const line = await answer;
      if (!line.startsWith('ok')) throw new Error(`application statement failed: ${sql}: ${line}`);
      return line.slice(3);
    },
    async close() {
      child.stdin.end();
      await exited;
    },
  };
}
