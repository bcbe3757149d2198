// `streambed config`: prints the effective configuration (defaults applied, secrets redacted) as JSON.
import type { Command } from 'commander';
import { effectiveConfigJson } from '../../core/config/effective.ts';
import { loadConfigFromFlags, withConfigFlags, type ConfigFlags } from '../config-flags.ts';
import { EXIT_OK, exitCodeAction } from '../exit-code.ts';
import { printErr, printJson } from '../output.ts';

export function register(program: Command): void {
  withConfigFlags(program.command('config').description('print the effective configuration as JSON (durations in ms, sizes in bytes, secrets redacted)')).action(
    exitCodeAction(async (flags: ConfigFlags) => {
      const config = await loadConfigFromFlags(flags);
      for (const note of config.notes ?? []) printErr(`streambed: note: ${note}`);
      printJson(effectiveConfigJson(config));
      return EXIT_OK;
    }),
  );
}
