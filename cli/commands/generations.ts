// `streambed generations`: Litestream v0.3's command. Lists a v0.3 backup's generations; LTX replicas have none.
import type { Command } from 'commander';
import { resolveTarget } from '../../core/config/resolve.ts';
import { UsageError } from '../../core/errors.ts';
import { openReplicaClient } from '../../core/replica/open.ts';
import { listV03, type V03Listing } from '../../core/v03/index.ts';
import { formatTable } from './databases.ts';

export interface V03ListFlags {
  config?: string;
  expandEnv?: boolean;
  json?: boolean;
}

const WHAT_INSTEAD =
  'LTX replicas (Litestream v0.5 and streambed) are one history of TXIDs, without generations: list their files with ' +
  '`streambed ltx <target>` (snapshots: `-level 9`) and restore a point with `streambed restore -txid` or `-timestamp`';

/** The replica's v0.3 listing; a usage error saying what to use instead when it holds no v0.3 backup. */
export async function loadV03Listing(command: string, target: string, flags: V03ListFlags): Promise<V03Listing> {
  const resolved = await resolveTarget(target, { configPath: flags.config, expandEnv: flags.expandEnv !== false });
  const client = openReplicaClient(resolved.replica.options);
  let listing: V03Listing;
  try {
    listing = await listV03(client);
  } finally {
    await client.close();
  }
  if (listing.generations.length === 0) {
    throw new UsageError(`\`${command}\` is a Litestream v0.3 command and ${client.location} holds no v0.3 backup (no generations/ folder). ${WHAT_INSTEAD}`);
  }
  process.stderr.write(`note: ${client.location} holds a Litestream v0.3 backup; restore it with \`streambed restore\` (-timestamp, -generation)\n`);
  return listing;
}

export function withV03ListOptions(command: Command): Command {
  return command
    .argument('<target>', 'DB_PATH (from the configuration) or REPLICA_URL')
    .option('--config <path>', 'configuration file')
    .option('--no-expand-env', 'do not expand environment variables in the configuration file')
    .option('--json', 'print JSON');
}

export function register(program: Command): void {
  withV03ListOptions(program.command('generations').description('list the generations of a Litestream v0.3 backup (LTX replicas have none)')).action(
    async (target: string, flags: V03ListFlags) => {
      const listing = await loadV03Listing('generations', target, flags);
      const rows = listing.generations.map((g) => ({
        generation: g.id,
        snapshots: g.snapshots.length,
        segments: g.segments.length,
        start: g.createdAt.toISOString(),
        end: g.updatedAt.toISOString(),
      }));
      if (flags.json) return void process.stdout.write(JSON.stringify(rows, null, 2) + '\n');
      const table = [['generation', 'snapshots', 'wal_segments', 'start', 'end']];
      for (const r of rows) table.push([r.generation, String(r.snapshots), String(r.segments), r.start, r.end]);
      process.stdout.write(formatTable(table));
    },
  );
}
