// `streambed demo`: the end-to-end tour (write, replicate, compact, restore, verify); needs no AWS account.
import type { Command } from 'commander';
import { UsageError } from '../../core/errors.ts';
import { runDemo } from '../../agent/demo.ts';
import { createLogger } from '../../agent/logger.ts';
import { EXIT_FAILURE, EXIT_OK, exitCodeAction } from '../exit-code.ts';
import { print } from '../output.ts';

interface DemoFlags {
  s3?: boolean;
  seconds: string;
  keep?: boolean;
  logLevel?: string;
}

export function register(program: Command): void {
  program
    .command('demo')
    .description('write to a sample database, replicate it, compact, restore and verify (no AWS account needed)')
    .option('--s3', 'replicate to a local S3 emulator (fauxqs, an optional dependency) on 127.0.0.1 instead of a file:// replica')
    .option('--seconds <n>', 'how long the writer runs', '5')
    .option('--keep', 'keep the temporary directory')
    .option('--log-level <level>', 'agent log level (default: silent)')
    .action(
      exitCodeAction(async (flags: DemoFlags) => {
        const seconds = Number(flags.seconds);
        if (!Number.isFinite(seconds) || seconds <= 0 || seconds > 3600) throw new UsageError(`-seconds must be a number of seconds between 0 and 3600, not "${flags.seconds}"`);
        const logger = flags.logLevel ? createLogger({ level: flags.logLevel as 'info', stderr: true }) : undefined;
        const result = await runDemo({ s3: flags.s3 === true, seconds, keep: flags.keep === true, logger });
        if (flags.keep) print(`  kept ${result.dir}`);
        return result.ok ? EXIT_OK : EXIT_FAILURE;
      }),
    );
}
