// How commands print: one line-oriented writer for stdout and stderr, JSON, and Go-tabwriter-style tables.
import type { ReplicaOptions } from '../core/replica/options.ts';

/** Everything goes through process.stdout/stderr, so tests that run main(argv) in-process can capture it. */
export function print(text: string): void {
  process.stdout.write(text.endsWith('\n') ? text : `${text}\n`);
}

export function printErr(text: string): void {
  process.stderr.write(text.endsWith('\n') ? text : `${text}\n`);
}

export function printJson(value: unknown, replacer?: (key: string, value: unknown) => unknown): void {
  process.stdout.write(`${JSON.stringify(value, replacer, 2)}\n`);
}

/** Left-aligned columns separated by two spaces, like Go's tabwriter. */
export function formatTable(rows: string[][]): string {
  const widths: number[] = [];
  for (const row of rows) row.forEach((cell, i) => (widths[i] = Math.max(widths[i] ?? 0, cell.length)));
  return rows.map((row) => row.map((c, i) => (i === row.length - 1 ? c : c.padEnd(widths[i]))).join('  ')).join('\n') + '\n';
}

/** A replica location without secrets, e.g. `s3://bucket/path` or `file:///backups/db`. */
export function describeReplica(options: ReplicaOptions): string {
  if (options.type === 'file') return `file://${options.path}`;
  const where = `s3://${options.bucket}${options.path ? `/${options.path}` : ''}`;
  return options.endpoint ? `${where} (endpoint ${options.endpoint})` : where;
}
