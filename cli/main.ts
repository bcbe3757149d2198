// streambed command line: a static table of subcommands, loaded lazily, and errors mapped to exit codes (0 ok, 1 run-time, 2 usage).
import { Command, CommanderError } from 'commander';
import { exitCodeOf } from '../core/errors.ts';
import { normalizeGoFlags } from './go-flags.ts';

export interface CommandModule {
  register(program: Command): void;
}

/**
 * Every command, one module each under commands/. A static table rather than a directory scan, so a bundler sees
 * each module; the imports stay lazy because loading them all pulls in the AWS SDK and SQLite, which costs seconds
 * on a busy host. test/install/command-table.test.ts checks that the table lists every file of commands/.
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

/** When the first argument names a command only that module is loaded; otherwise (help, typos) all of them. */
export async function buildProgram(commandName?: string): Promise<Command> {
  const program = new Command('streambed')
    .description('Continuous point-in-time backup of SQLite databases to S3, compatible with Litestream v0.5')
    .exitOverride()
    .showHelpAfterError();
  const names = Object.keys(COMMANDS).sort();
  const only = commandName !== undefined && Object.hasOwn(COMMANDS, commandName) ? [commandName] : undefined;
  for (const name of only ?? names) {
    const mod = await COMMANDS[name]();
    mod.register(program);
  }
  return program;
}

export async function main(argv: string[]): Promise<number> {
  const program = await buildProgram(argv[0]);
  try {
    await program.parseAsync(normalizeGoFlags(argv, program), { from: 'user' });
    return typeof process.exitCode === 'number' ? process.exitCode : 0;
  } catch (err) {
    if (err instanceof CommanderError) {
      if (err.code === 'commander.helpDisplayed' || err.code === 'commander.version' || err.exitCode === 0) return 0;
      return 2;
    }
    const message = err instanceof Error ? err.message : String(err);
    process.stderr.write(`streambed: ${message}\n`);
    return exitCodeOf(err);
  }
}

const isEntry = process.argv[1] !== undefined && /streambed(\.mjs)?$|main\.ts$/.test(process.argv[1]);
if (isEntry) {
  const code = await main(process.argv.slice(2));
  // No process.exit: every command closes what it opened, so the process ends by itself once its work is done.
  process.exitCode = code;
}
