// `streambed version`: prints the package version.
import type { Command } from 'commander';
// Imported rather than read from disk, so the bundle in dist/ carries it and needs no path back to package.json.
import pkg from '../../package.json' with { type: 'json' };
import { EXIT_OK, exitCodeAction } from '../exit-code.ts';
import { print } from '../output.ts';

export function packageVersion(): string {
  return pkg.version;
}

export function register(program: Command): void {
  program
    .command('version')
    .description('print the streambed version')
    .action(
      exitCodeAction(() => {
        print(`streambed v${packageVersion()}`);
        return EXIT_OK;
      }),
    );
}
