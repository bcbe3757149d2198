// `streambed version`: prints the package version.
import { readFileSync } from 'node:fs';
import type { Command } from 'commander';

export function packageVersion(): string {
  const pkg = JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as { version: string };
  return pkg.version;
}

export function register(program: Command): void {
  program
    .command('version')
    .description('print the streambed version')
    .action(() => {
      process.stdout.write(`streambed v${packageVersion()}\n`);
    });
}
