// streambed command line: a static table of subcommands, loaded lazily, and errors mapped to exit codes (0 ok, 1 run-time, 2 usage).
import { Command, CommanderError } from 'commander';
import { exitCodeOf } from '../core/errors.ts';
import { EXIT_OK, EXIT_USAGE, recordedExitCode, type ExitCode } from './exit-code.ts';
import { normalizeGoFlags } from './go-flags.ts';
import { litestreamCommandHint, litestreamFlagHint } from './litestream-surface.ts';
import { printErr } from './output.ts';

export interface CommandModule {
  register(program: Command): void;
}

/**
 * Every command, one module each under commands/. A static table rather than a directory scan, so a bundler sees
 * each module; the imports stay lazy because loading them all pulls in the AWS SDK and SQLite, which costs seconds
 * on a busy host. test/cli/command-table.test.ts checks that the table lists every file of commands/.
 */
export const COMMANDS: Readonly<Record<string, () => Promise<CommandModule>>> = {
  compact: () => import('./commands/compact.ts'),
  config: () => import('./commands/config.ts'),
  databases: () => import('./commands/databases.ts'),
  demo: () => import('./commands/demo.ts'),
  generations: () => import('./commands/generations.ts'),
  ltx: () => import('./commands/ltx.ts'),
  ltxfile: () => import('./commands/ltxfile.ts'),
  replicate: () => import('./commands/replicate.ts'),
  restore: () => import('./commands/restore.ts'),
  retention: () => import('./commands/retention.ts'),
  snapshots: () => import('./commands/snapshots.ts'),
  verify: () => import('./commands/verify.ts'),
  version: () => import('./commands/version.ts'),
  wal: () => import('./commands/wal.ts'),
};

/**
 * When the first argument names a command only that module is loaded; otherwise (help, typos) all of them.
 * Commander's errors go through process.stderr (so in-process callers can capture them), and an unknown flag that is
 * one of Litestream's gets a line saying what to use instead.
 */
export async function buildProgram(commandName?: string): Promise<Command> {
  const program = new Command('streambed')
    .description('Continuous point-in-time backup of SQLite databases to S3, compatible with Litestream v0.5')
    .exitOverride()
    .showHelpAfterError()
    .configureOutput({
      writeOut: (text) => process.stdout.write(text),
      writeErr: (text) => process.stderr.write(text),
      outputError: (text, write) => {
        write(text);
        const hint = litestreamFlagHint(commandName, text);
        if (hint) write(`${hint}\n`);
      },
    });
  const names = Object.keys(COMMANDS).sort();
  const only = commandName !== undefined && Object.hasOwn(COMMANDS, commandName) ? [commandName] : undefined;
  for (const name of only ?? names) {
    const mod = await COMMANDS[name]();
    mod.register(program);
  }
  return program;
}

/**
 * Runs one command line in this process and returns its exit code; only the entry point below sets the process's.
 * Output goes to process.stdout and process.stderr, which tests capture by spying on their write methods.
 */
export async function main(argv: readonly string[]): Promise<ExitCode> {
  // `status` and `help status` alike: Litestream's commands that streambed lacks say what to use instead.
  const named = argv[0] === 'help' ? argv[1] : argv[0];
  const litestreamOnly = named !== undefined && !Object.hasOwn(COMMANDS, named) ? litestreamCommandHint(named) : undefined;
  if (litestreamOnly) {
    printErr(`streambed: ${litestreamOnly}`);
    return EXIT_USAGE;
  }
  const program = await buildProgram(argv[0]);
  try {
    await program.parseAsync(normalizeGoFlags(argv, program), { from: 'user' });
    return recordedExitCode(program);
  } catch (err) {
    if (err instanceof CommanderError) {
      if (err.code === 'commander.helpDisplayed' || err.code === 'commander.version' || err.exitCode === 0) return EXIT_OK;
      return EXIT_USAGE;
    }
    const message = err instanceof Error ? err.message : String(err);
    printErr(`streambed: ${message}`);
    return exitCodeOf(err);
  }
}

const isEntry = process.argv[1] !== undefined && /streambed(\.mjs)?$|main\.ts$/.test(process.argv[1]);
if (isEntry) {
  const code = await main(process.argv.slice(2));
  // No process.exit: every command closes what it opened, so the process ends by itself once its work is done.
  process.exitCode = code;
}
