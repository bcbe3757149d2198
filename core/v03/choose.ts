// Litestream v0.5's rule for a replica holding both v0.3 generations and LTX files: which format a restore reads.
import { SNAPSHOT_LEVEL, type TXID } from '../ltx/types.ts';
import type { LtxFileInfo, ReplicaClient } from '../replica/client.ts';
import { listReplicaFiles } from '../restore/list.ts';
import { withWrittenTimestamps } from '../restore/timestamps.ts';
import { UsageError } from '../errors.ts';
import { listV03, v03UpdatedAt, type V03Listing, type V03Snapshot } from './list.ts';

export interface FormatTarget {
  txid?: TXID;
  timestamp?: Date;
  generation?: string;
}

export type FormatChoice = { format: 'ltx'; reason: string } | { format: 'v03'; reason: string; listing: V03Listing };

const iso = (d: Date): string => d.toISOString();

/**
 * - `-generation` names a v0.3 history, `-txid` an LTX one.
 * - With `-timestamp`: the format whose newest snapshot at or before it is newer (v0.3: file time ≤ T; LTX: written
 *   timestamp < T, as each restore path itself selects); ties go to LTX.
 * - Otherwise: the format with the most recent file of any kind; ties go to LTX.
 */
export async function chooseFormat(client: ReplicaClient, target: FormatTarget): Promise<FormatChoice> {
  if (target.generation !== undefined && target.txid !== undefined) {
    throw new UsageError('-generation selects a Litestream v0.3 backup, which has no TXIDs: use -timestamp with it, not -txid');
  }
  if (target.txid !== undefined || !client.listObjects) return { format: 'ltx', reason: 'LTX files are the only ones with TXIDs' };
  const listing = await listV03(client);
  if (target.generation !== undefined) {
    if (listing.generations.length === 0) {
      throw new UsageError(`-generation applies to Litestream v0.3 backups, and ${client.location} holds no generations/ folder`);
    }
    return { format: 'v03', reason: `-generation ${target.generation}`, listing };
  }
  if (listing.generations.length === 0) return { format: 'ltx', reason: 'no v0.3 generations' };
  const ltx = await listReplicaFiles(client);
  if (ltx.length === 0) return { format: 'v03', reason: 'the replica holds only Litestream v0.3 backups', listing };
  return target.timestamp ? byTimestamp(client, listing, ltx, target.timestamp) : byRecency(listing, ltx);
}

function byRecency(listing: V03Listing, ltx: LtxFileInfo[]): FormatChoice {
  const v03 = v03UpdatedAt(listing)!;
  const newestLtx = new Date(ltx.reduce((max, f) => Math.max(max, f.createdAt.getTime()), 0));
  if (v03 > newestLtx) return { format: 'v03', reason: `its newest v0.3 file (${iso(v03)}) is newer than its newest LTX file (${iso(newestLtx)})`, listing };
  return { format: 'ltx', reason: `its newest LTX file (${iso(newestLtx)}) is at least as new as its newest v0.3 file (${iso(v03)})` };
}

async function byTimestamp(client: ReplicaClient, listing: V03Listing, ltx: LtxFileInfo[], at: Date): Promise<FormatChoice> {
  let v03: V03Snapshot | undefined;
  for (const g of listing.generations) {
    for (const s of g.snapshots) if (s.createdAt.getTime() <= at.getTime() && (!v03 || s.createdAt > v03.createdAt)) v03 = s;
  }
  if (!v03) return { format: 'ltx', reason: `no v0.3 snapshot was written at or before ${iso(at)}` };
  const snapshots = await withWrittenTimestamps(client, ltx.filter((f) => f.level === SNAPSHOT_LEVEL), at);
  const usable = snapshots.filter((s) => s.createdAt.getTime() < at.getTime());
  const best = usable.reduce<LtxFileInfo | undefined>((b, s) => (!b || s.createdAt > b.createdAt ? s : b), undefined);
  if (!best || v03.createdAt > best.createdAt) {
    const than = best ? `than the newest LTX snapshot before it (${iso(best.createdAt)})` : '(no LTX snapshot before it)';
    return { format: 'v03', reason: `the newest v0.3 snapshot at or before ${iso(at)} (${iso(v03.createdAt)}) is newer ${than}`, listing };
  }
  return { format: 'ltx', reason: `the newest LTX snapshot before ${iso(at)} (${iso(best.createdAt)}) is at least as new as the v0.3 one (${iso(v03.createdAt)})` };
}
