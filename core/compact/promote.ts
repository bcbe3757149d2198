// The first snapshot of a replica becomes its first L9 snapshot by a server-side copy, so no level re-uploads that image.
import type { LtxFileInfo, ReplicaClient } from '../replica/client.ts';
import { formatTXID } from '../layout/names.ts';
import { SNAPSHOT_LEVEL } from '../ltx/types.ts';
import { listLevel, newestFile } from '../listing/listing.ts';
import type { StepOutcome } from './report.ts';
import type { MaintenanceSettings } from './settings.ts';

/** S3 CopyObject copies at most 5 GiB in one request; a larger first image is left to the snapshot merge. */
const MAX_PROMOTE_BYTES = 5 * 1024 ** 3;

/**
 * The L0 file to promote: the newest L0 file starting at TXID 1 (the agent's first file is a full image of the
 * database, a snapshot in LTX terms), when level 9 holds no snapshot yet. Compaction levels then start after it
 * (see selectLevelInputs), so L1..Ln carry changes only and a restore reads the image once.
 */
export function selectPromotion(l0: readonly LtxFileInfo[], snapshots: readonly LtxFileInfo[]): LtxFileInfo | undefined {
  if (snapshots.some((f) => f.minTXID === 1)) return undefined;
  const first = newestFile(l0.filter((f) => f.minTXID === 1));
  return first && first.size <= MAX_PROMOTE_BYTES ? first : undefined;
}

export async function promoteFirstSnapshot(client: ReplicaClient, settings: MaintenanceSettings): Promise<StepOutcome> {
  const level = SNAPSHOT_LEVEL;
  if (!client.copyLtxFile) return { level, status: 'up-to-date', reason: `${client.location} has no server-side copy` };
  const [l0, snapshots] = await Promise.all([listLevel(client, 0), listLevel(client, SNAPSHOT_LEVEL)]);
  const source = selectPromotion(l0, snapshots);
  if (!source) return { level, status: 'up-to-date' };
  const started = Date.now();
  const written = await client.copyLtxFile(source, { level, minTXID: source.minTXID, maxTXID: source.maxTXID });
  settings.logger?.info({ level, maxTXID: formatTXID(written.maxTXID), size: written.size }, 'promoted the first snapshot to level 9 by copy');
  return {
    level,
    status: 'written',
    written,
    inputs: [{ level: source.level, minTXID: source.minTXID, maxTXID: source.maxTXID }],
    inputBytes: 0,
    durationMs: Date.now() - started,
  };
}
