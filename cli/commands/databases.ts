// `streambed databases`: lists the configured databases and where each one replicates to.
import { join } from 'node:path';
import type { Command } from 'commander';
import type { ReplicaOptions } from '../../core/replica/options.ts';
import { loadCommandConfig, type ConfigFlags } from './replicate.ts';

/** A replica location without secrets, e.g. `s3://bucket/path` or `file:///backups/db`. */
export function describeReplica(options: ReplicaOptions): string {
  if (options.type === 'file') return `file://${options.path}`;
  const where = `s3://${options.bucket}${options.path ? `/${options.path}` : ''}`;
  return options.endpoint ? `${where} (endpoint ${options.endpoint})` : where;
}

/** Left-aligned columns separated by two spaces, like Go's tabwriter. */
export function formatTable(rows: string[][]): string {
  const widths: number[] = [];
  for (const row of rows) row.forEach((cell, i) => (widths[i] = Math.max(widths[i] ?? 0, cell.length)));
  return rows.map((row) => row.map((c, i) => (i === row.length - 1 ? c : c.padEnd(widths[i]))).join('  ')).join('\n') + '\n';
}

export function register(program: Command): void {
  program
    .command('databases')
    .description('list the databases in the configuration file')
    .option('--config <path>', 'configuration file')
    .option('--no-expand-env', 'do not expand environment variables in the configuration file')
    .action(async (flags: ConfigFlags) => {
      const config = await loadCommandConfig(flags);
      const rows = [['path', 'replica']];
      for (const db of config.dbs) rows.push([db.path, describeReplica(db.replica.options)]);
      // A directory entry's databases are found at run time: the row names the entry and the replica base path.
      for (const d of config.dirs ?? []) {
        rows.push([join(d.dir, d.recursive ? `**/${d.pattern}` : d.pattern), `${describeReplica(d.template.replica.options)}/<relative path>`]);
      }
      process.stdout.write(formatTable(rows));
    });
}
