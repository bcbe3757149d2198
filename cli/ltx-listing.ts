// Listing a replica's LTX files, shared by `ltx` and its deprecated name `wal`.
import type { Command } from 'commander';
import { UsageError } from '../core/errors.ts';
import { formatTXID } from '../core/layout/names.ts';
import { listLevel } from '../core/listing/listing.ts';
import { MAX_LEVEL } from '../core/ltx/types.ts';
import type { LtxFileInfo, ReplicaClient } from '../core/replica/client.ts';
import { openReplicaClient } from '../core/replica/open.ts';
import { v03Explanation } from '../core/v03/index.ts';
import { resolveCommandTarget, withConfigFlags, type ConfigFlags } from './config-flags.ts';
import { EXIT_OK, type ExitCode } from './exit-code.ts';
import { formatTable, printErr, printJson } from './output.ts';

export interface LtxFlags extends ConfigFlags {
  level: string;
  json?: boolean;
}

export function parseLevelFlag(value: string): number[] {
  if (value === 'all') return Array.from({ length: MAX_LEVEL + 1 }, (_, i) => i);
  if (!/^\d$/.test(value)) throw new UsageError(`-level must be 0-${MAX_LEVEL} or "all", not "${value}"`);
  return [Number(value)];
}

/** The files of `levels`, level by level, each in TXID order. */
export async function listFiles(client: ReplicaClient, levels: number[]): Promise<LtxFileInfo[]> {
  return (await Promise.all(levels.map((level) => listLevel(client, level)))).flat();
}

export function ltxJson(files: LtxFileInfo[]): Array<{ level: number; min_txid: string; max_txid: string; size: number; created: string }> {
  return files.map((f) => ({
    level: f.level, min_txid: formatTXID(f.minTXID), max_txid: formatTXID(f.maxTXID), size: f.size, created: f.createdAt.toISOString(),
  }));
}

/** The arguments and options `ltx` takes; `wal` registers the same ones. */
export function withLtxOptions(command: Command): Command {
  return withConfigFlags(command.argument('<target>', 'DB_PATH (from the configuration) or REPLICA_URL'))
    .option('--level <n>', 'level 0-9, or "all" (the default: every level)', 'all')
    .option('--json', 'print JSON');
}

export async function runLtx(target: string, flags: LtxFlags): Promise<ExitCode> {
  const levels = parseLevelFlag(flags.level);
  const resolved = await resolveCommandTarget(target, flags);
  const client = openReplicaClient(resolved.replica.options);
  let files: LtxFileInfo[];
  let v03: string | undefined;
  try {
    files = await listFiles(client, levels);
    v03 = await v03Explanation(client, 'ltx', files.length);
  } finally {
    await client.close();
  }
  if (v03) printErr(v03);
  if (flags.json) {
    printJson(ltxJson(files));
    return EXIT_OK;
  }
  const rows = [['level', 'min_txid', 'max_txid', 'size', 'created']];
  for (const f of ltxJson(files)) rows.push([String(f.level), f.min_txid, f.max_txid, String(f.size), f.created]);
  process.stdout.write(formatTable(rows));
  return EXIT_OK;
}
