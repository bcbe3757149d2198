// `replicate -exec`: runs the application as a child process through the shell and forwards SIGINT/SIGTERM to it.
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';

export interface ExecChild {
  child: ChildProcess;
  /** Resolves with the exit code the parent should use: the child's code, or 128 + signal number. */
  exited: Promise<number>;
  /** Sends a signal to the child (used when the agent itself must stop). */
  kill(signal?: NodeJS.Signals): void;
}

const FORWARDED: NodeJS.Signals[] = ['SIGINT', 'SIGTERM'];
const SIGNAL_NUMBERS: Record<string, number> = { SIGHUP: 1, SIGINT: 2, SIGQUIT: 3, SIGKILL: 9, SIGTERM: 15 };

/** Starts `command` via `/bin/sh -c` with inherited stdio; while it runs, SIGINT/SIGTERM go to the child. */
export function runExec(command: string, env: NodeJS.ProcessEnv = process.env): ExecChild {
  if (!command.trim()) throw new Error('exec: the command is empty');
  const child = spawn(command, { shell: true, stdio: 'inherit', env });
  const forward = (signal: NodeJS.Signals): void => {
    if (child.exitCode === null && child.signalCode === null) child.kill(signal);
  };
  for (const s of FORWARDED) process.on(s, forward);
  const exited = new Promise<number>((resolve, reject) => {
    child.once('error', (err) => {
      for (const s of FORWARDED) process.off(s, forward);
      reject(new Error(`exec: cannot start "${command}": ${err.message}`));
    });
    child.once('exit', (code, signal) => {
      for (const s of FORWARDED) process.off(s, forward);
      resolve(code ?? 128 + (signal ? (SIGNAL_NUMBERS[signal] ?? 1) : 1));
    });
  });
  return { child, exited, kill: (signal = 'SIGTERM') => forward(signal) };
}
