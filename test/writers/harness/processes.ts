// role: start the matrix's writer and reader scripts as child processes and collect their JSON events.
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { CliWriterOptions, NodeWriterOptions, PythonWriterOptions, WriterEvent } from './writer-options.ts';

const here = (name: string): string => fileURLToPath(new URL(`./${name}`, import.meta.url));

export const SQLITE3 = '/usr/bin/sqlite3';
export const PYTHON3 = 'python3';
export const NODE_WRITER = here('node-writer.ts');
export const PY_WRITER = here('py-writer.py');
export const PY_READER = here('py-reader.py');
export const CLI_WRITER = here('cli-writer.sh');

/** The sqlite3 CLI cases must fail, never pass silently, on a machine without Debian's sqlite3. */
export function requireSqliteCli(): void {
  if (!existsSync(SQLITE3)) {
    throw new Error(`${SQLITE3} is missing: install Debian's sqlite3 package (apt-get install -y sqlite3); .ci/run does this in CI`);
  }
}

export interface Running {
  readonly name: string;
  readonly child: ChildProcess;
  readonly events: WriterEvent[];
  /** Resolves when the process exited (never rejects); check `code`. */
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string }>;
}

export function startProcess(name: string, command: string, args: string[]): Running {
  const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  const events: WriterEvent[] = [];
  let pending = '';
  let stderr = '';
  child.stdout!.on('data', (chunk: Buffer) => {
    pending += chunk.toString();
    const lines = pending.split('\n');
    pending = lines.pop() ?? '';
    for (const line of lines) {
      if (!line.trim()) continue;
      try {
        events.push(JSON.parse(line) as WriterEvent);
      } catch {
        events.push({ event: 'output', at: Date.now(), text: line });
      }
    }
  });
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string }>((resolve) => {
    child.on('error', (err) => resolve({ code: -1, signal: null, stderr: `${stderr}${err.message}` }));
    child.on('close', (code, signal) => resolve({ code, signal, stderr }));
  });
  return { name, child, events, exited };
}

export function startNodeWriter(opts: NodeWriterOptions): Running {
  return startProcess(opts.writer, process.execPath, [NODE_WRITER, JSON.stringify(opts)]);
}

export function startPythonWriter(opts: PythonWriterOptions): Running {
  return startProcess(opts.writer, PYTHON3, [PY_WRITER, JSON.stringify(opts)]);
}

export function startCliWriter(opts: CliWriterOptions): Running {
  requireSqliteCli();
  const pause = ((opts.sleepMs ?? 0) / 1000).toFixed(3);
  return startProcess(opts.writer, 'bash', [CLI_WRITER, opts.db, opts.log, opts.writer, String(opts.durationMs ?? 5000), pause, SQLITE3]);
}

export function startPythonReader(db: string, holdMs: number): Running {
  return startProcess('reader', PYTHON3, [PY_READER, db, String(holdMs)]);
}

/** Resolves once the process printed an event with this name (or rejects when it exited first). */
export async function waitForEvent(run: Running, name: string, timeoutMs = 15_000): Promise<WriterEvent> {
  const deadline = Date.now() + timeoutMs;
  let exited = false;
  void run.exited.then(() => (exited = true));
  for (;;) {
    const found = run.events.find((e) => e.event === name);
    if (found) return found;
    if (exited) throw new Error(`${run.name} exited before printing "${name}": ${(await run.exited).stderr.slice(-1000)}`);
    if (Date.now() > deadline) throw new Error(`${run.name} printed no "${name}" within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
