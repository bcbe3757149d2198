// Snapshot level (L9) built by merging the newest snapshot with the later files, never by re-reading the live database.
import type { LtxFileInfo, ReplicaClient } from '../replica/client.ts';
import { formatTXID } from '../layout/names.ts';
import { SNAPSHOT_LEVEL } from '../ltx/types.ts';
import { chainEnd, selectChain } from '../listing/chain.ts';
import { lastWrittenAt, listReplica, newestFile, nonSnapshotFiles } from '../listing/listing.ts';
import type { ReplicaListing } from '../listing/listing.ts';
import { mergeFilesToReplica } from './merge.ts';
import type { StepOutcome } from './report.ts';
import { isDue, windowStart } from './schedule.ts';
import type { MaintenanceSettings } from './settings.ts';

export interface SnapshotSelection {
  due: boolean;
  base?: LtxFileInfo;
  /** Files applied on top of the base (from TXID 1 when there is no snapshot yet). */
  chain: LtxFileInfo[];
}

/**
 * The newest snapshot, then the furthest-reaching contiguous files of every level (the highest, coarsest levels
 * win ties, so few inputs are read). Without a snapshot the chain must start at TXID 1: the agent's first L0 file
 * is a full snapshot of the database, and so is every compaction that starts with it.
 */
export function selectSnapshotInputs(listing: ReplicaListing, interval: number, now: Date): SnapshotSelection {
  const snapshots = listing[SNAPSHOT_LEVEL].filter((f) => f.minTXID === 1);
  const base = newestFile(snapshots);
  const due = base === undefined || isDue(lastWrittenAt(snapshots), now, interval);
  const chain = due ? selectChain(base?.maxTXID ?? 0, nonSnapshotFiles(listing)) : [];
  return { due, base, chain };
}

export async function buildSnapshot(client: ReplicaClient, settings: MaintenanceSettings, now: Date = new Date()): Promise<StepOutcome> {
  const started = Date.now();
  const listing = await listReplica(client);
  const { due, base, chain } = selectSnapshotInputs(listing, settings.snapshotInterval, now);
  const level = SNAPSHOT_LEVEL;
  if (!due) return { level, status: 'not-due', reason: `a snapshot was already written in the window starting ${windowStart(now, settings.snapshotInterval).toISOString()}` };
  if (chain.length === 0) {
    const reached = chainEnd(base?.maxTXID ?? 0, chain);
    const pending = nonSnapshotFiles(listing).some((f) => f.maxTXID > reached);
    if (pending) {
      return { level, status: 'stalled', reason: base ? `no file continues from snapshot TXID ${formatTXID(base.maxTXID)}` : 'no file starts at TXID 0000000000000001 and there is no snapshot to start from' };
    }
    return { level, status: 'up-to-date' };
  }
  const inputs = base ? [base, ...chain] : chain;
  const outcome = await mergeFilesToReplica(client, inputs, level, { tmpDir: settings.tmpDir });
  settings.logger?.info({ level, maxTXID: formatTXID(outcome.file.maxTXID), inputs: inputs.length, size: outcome.file.size }, 'wrote snapshot');
  return {
    level,
    status: 'written',
    written: outcome.file,
    inputs: inputs.map(({ level: l, minTXID, maxTXID }) => ({ level: l, minTXID, maxTXID })),
    inputBytes: outcome.inputBytes,
    durationMs: Date.now() - started,
  };
}
