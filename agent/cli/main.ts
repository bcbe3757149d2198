// streambed command line: loads every subcommand from ./commands and maps errors to exit codes (0 ok, 1 run-time, 2 usage).
import { readdirSync } from 'node:fs';
import { Command, CommanderError } from 'commander';
import { exitCodeOf } from '../../core/errors.ts';
import { normalizeGoFlags } from './go-flags.ts';

export interface CommandModule {
  register(program: Command): void;
}

/**
 * Each command lives in commands/<name>.ts. Loading them all pulls in the AWS SDK and SQLite, which costs
 * seconds on a busy host, so when the first argument names a command only that module is loaded.
 */
export async function buildProgram(commandName?: string): Promise<Command> {
  const program = new Command('streambed')
    .description('Continuous point-in-time backup of SQLite databases to S3, compatible with Litestream v0.5')
    .exitOverride()
    .showHelpAfterError();
  const dir = new URL('./commands/', import.meta.url);
  const all = readdirSync(dir).filter((f) => f.endsWith('.ts')).sort();
  const only = commandName !== undefined && all.includes(`${commandName}.ts`) ? [`${commandName}.ts`] : undefined;
  for (const file of only ?? all) {
    const mod = (await import(new URL(file, dir).href)) as CommandModule;
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
  process.exitCode = code;
  // After a failure, timers, watchers or pooled sockets left by the failed command must not keep the process
  // alive; stderr is synchronous for files and pipes on Linux, so nothing printed is lost.
  if (code !== 0) process.exit(code);
}
