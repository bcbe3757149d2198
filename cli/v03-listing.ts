// Listing a Litestream v0.3 backup, shared by the v0.3-era commands `generations` and `snapshots`.
import type { Command } from 'commander';
import { UsageError } from '../core/errors.ts';
import { openReplicaClient } from '../core/replica/open.ts';
import { listV03, type V03Listing } from '../core/v03/index.ts';
import { resolveCommandTarget, withConfigFlags, type ConfigFlags } from './config-flags.ts';
import { printErr } from './output.ts';

export interface V03ListFlags extends ConfigFlags {
  json?: boolean;
}

const WHAT_INSTEAD =
  'LTX replicas (Litestream v0.5 and streambed) are one history of TXIDs, without generations: list their files with ' +
  '`streambed ltx <target>` (snapshots: `-level 9`) and restore a point with `streambed restore -txid` or `-timestamp`';

/** The replica's v0.3 listing; a usage error saying what to use instead when it holds no v0.3 backup. */
export async function loadV03Listing(command: string, target: string, flags: V03ListFlags): Promise<V03Listing> {
  const resolved = await resolveCommandTarget(target, flags);
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
  printErr(`note: ${client.location} holds a Litestream v0.3 backup; restore it with \`streambed restore\` (-timestamp, -generation)`);
  return listing;
}

export function withV03ListOptions(command: Command): Command {
  return withConfigFlags(command.argument('<target>', 'DB_PATH (from the configuration) or REPLICA_URL')).option('--json', 'print JSON');
}
