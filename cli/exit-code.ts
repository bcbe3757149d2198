// Commands return their exit code; this carries it from a commander action back to main(), which sets it once.
import { Command } from 'commander';

/** 0 success, 1 failure at run time, 2 usage; 130 / 143 after SIGINT / SIGTERM. */
export type ExitCode = number;
export const EXIT_OK = 0;
export const EXIT_FAILURE = 1;
export const EXIT_USAGE = 2;

const codes = new WeakMap<Command, ExitCode>();

function rootOf(command: Command): Command {
  let root = command;
  while (root.parent) root = root.parent;
  return root;
}

/**
 * Wraps a command's run function as a commander action. Commander passes the declared arguments, the options and
 * then the command itself; the code is recorded on the root program, where main() reads it after parsing.
 */
export function exitCodeAction<A extends unknown[]>(run: (...args: A) => Promise<ExitCode> | ExitCode): (...args: A) => Promise<void> {
  return async (...args: A) => {
    const code = await run(...args);
    const command = args.findLast((a): a is Command => a instanceof Command);
    if (command) codes.set(rootOf(command), code);
  };
}

/** The code the action that ran returned; 0 when none ran (e.g. `help`). */
export function recordedExitCode(program: Command): ExitCode {
  return codes.get(program) ?? EXIT_OK;
}
