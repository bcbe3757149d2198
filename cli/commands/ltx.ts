// `streambed ltx`: lists the LTX files of a replica (one level, or all) as a table or JSON.
import type { Command } from 'commander';
import { resolveTarget } from '../../core/config/resolve.ts';
import { UsageError } from '../../core/errors.ts';
import { formatTXID } from '../../core/layout/names.ts';
import { MAX_LEVEL } from '../../core/ltx/types.ts';
import type { LtxFileInfo, ReplicaClient } from '../../core/replica/client.ts';
import { openReplicaClient } from '../../core/replica/open.ts';
import { v03Explanation } from '../../core/v03/index.ts';
import { formatTable } from './databases.ts';

export interface LtxFlags {
  config?: string;
  expandEnv?: boolean;
  level: string;
  json?: boolean;
}

export function parseLevelFlag(value: string): number[] {
  if (value === 'all') return Array.from({ length: MAX_LEVEL + 1 }, (_, i) => i);
  if (!/^\d$/.test(value)) throw new UsageError(`-level must be 0-${MAX_LEVEL} or "all", not "${value}"`);
  return [Number(value)];
}

export async function listFiles(client: ReplicaClient, levels: number[]): Promise<LtxFileInfo[]> {
  const out: LtxFileInfo[] = [];
  for (const level of levels) for await (const f of client.listLtxFiles(level)) out.push(f);
  return out;
}


export function ltxJson(files: LtxFileInfo[]): object[] {
  return files.map((f) => ({
    level: f.level, min_txid: formatTXID(f.minTXID), max_txid: formatTXID(f.maxTXID), size: f.size, created: f.createdAt.toISOString(),
  }));
}

/** The options `ltx` takes; `wal` (its deprecated name) registers the same ones. */
export function withLtxOptions(command: Command): Command {
  return command
    .argument('<target>', 'DB_PATH (from the configuration) or REPLICA_URL')
    .option('--config <path>', 'configuration file')
    .option('--no-expand-env', 'do not expand environment variables in the configuration file')
    .option('--level <n>', 'level 0-9, or "all" (the default: every level)', 'all')
    .option('--json', 'print JSON');
}

export async function runLtx(target: string, flags: LtxFlags): Promise<void> {
  const levels = parseLevelFlag(flags.level);
  const resolved = await resolveTarget(target, { configPath: flags.config, expandEnv: flags.expandEnv !== false });
  const client = openReplicaClient(resolved.replica.options);
  let files: LtxFileInfo[];
  let v03: string | undefined;
  try {
    files = await listFiles(client, levels);
    v03 = await v03Explanation(client, 'ltx', files.length);
  } finally {
    await client.close();
  }
  if (v03) process.stderr.write(v03);
  if (flags.json) {
    process.stdout.write(JSON.stringify(ltxJson(files), null, 2) + '\n');
    return;
  }
  const rows = [['level', 'min_txid', 'max_txid', 'size', 'created']];
  for (const f of ltxJson(files) as Array<Record<string, string | number>>) {
    rows.push([String(f.level), String(f.min_txid), String(f.max_txid), String(f.size), String(f.created)]);
  }
  process.stdout.write(formatTable(rows));
}

export function register(program: Command): void {
  withLtxOptions(program.command('ltx').description("list a replica's LTX files")).action(runLtx);
}
