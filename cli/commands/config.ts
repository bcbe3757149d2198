// `streambed config`: prints the effective configuration (defaults applied, secrets redacted) as JSON.
import type { Command } from 'commander';
import { UsageError } from '../../core/errors.ts';
import { effectiveConfigJson } from '../../core/config/effective.ts';
import { loadConfigFile } from '../../core/config/load.ts';
import { DEFAULT_CONFIG_PATHS, resolveConfigPath } from '../../core/config/resolve.ts';

interface ConfigFlags {
  config?: string;
  expandEnv: boolean;
  ignoreUnknown?: boolean;
}

export function register(program: Command): void {
  program
    .command('config')
    .description('print the effective configuration as JSON (durations in ms, sizes in bytes, secrets redacted)')
    .option('--config <path>', 'config file (default $STREAMBED_CONFIG, $LITESTREAM_CONFIG, /etc/streambed.yml, /etc/litestream.yml)')
    .option('--no-expand-env', 'do not expand $VAR / ${VAR} in the config file')
    .option('--ignore-unknown', 'accept config keys streambed does not use (a note per key); also STREAMBED_IGNORE_UNKNOWN=1')
    .action(async (flags: ConfigFlags) => {
      const path = resolveConfigPath(flags.config);
      if (!path) {
        throw new UsageError(`no config file: pass -config PATH or set STREAMBED_CONFIG (looked for ${DEFAULT_CONFIG_PATHS.join(', ')})`);
      }
      const config = await loadConfigFile(path, { expandEnv: flags.expandEnv, ignoreUnknown: flags.ignoreUnknown });
      for (const note of config.notes ?? []) process.stderr.write(`streambed: note: ${note}\n`);
      process.stdout.write(`${JSON.stringify(effectiveConfigJson(config), null, 2)}\n`);
    });
}
