// Where a maintenance pass runs: on the agent's own thread when it reads little, in the worker thread when it reads much.
import type { LtxFileInfo } from '../core/replica/client.ts';
import type { MaintenanceSettings } from '../core/compact/settings.ts';
import { selectLevelInputs } from '../core/compact/level.ts';
import { selectPromotion } from '../core/compact/promote.ts';
import { selectSnapshotInputs } from '../core/compact/snapshot.ts';
import { newestFile, type ReplicaListing } from '../core/listing/listing.ts';
import { MAX_LEVEL, SNAPSHOT_LEVEL } from '../core/ltx/types.ts';

/**
 * Passes that read at most this many bytes run on the agent's thread. Merging 4 MiB of incompressible L0 files took
 * ~0.15 s of CPU there, in pieces of at most ~25 ms of event-loop delay, which a replication loop syncing every
 * second barely notices; a worker thread is a second V8 isolate with its own copy of the AWS SDK (~28 MiB of RSS in
 * the agent, ~0.2 s of CPU to start), paid only for big passes. Figures: docs/benchmarks.md, Agent footprint.
 */
export const INLINE_PASS_MAX_BYTES = 4 * 1024 * 1024;

type PlacementSettings = Pick<MaintenanceSettings, 'levels' | 'snapshotInterval' | 'promoteFirstSnapshot'>;

/**
 * The bytes a pass at `now` would read, from the same selections the pass makes (core/compact): each due level's
 * inputs and, when the snapshot is due, its base and chain. Files the pass writes are added as it would add them
 * (created now, sized as their inputs), so the snapshot's chain may include them; a promotion is a server-side copy.
 */
export function passInputBytes(files: readonly LtxFileInfo[], settings: PlacementSettings, now: Date): number {
  const listing: ReplicaListing = Array.from({ length: MAX_LEVEL + 1 }, () => []);
  for (const f of files) listing[f.level].push(f);
  const sum = (fs: readonly LtxFileInfo[]): number => fs.reduce((n, f) => n + f.size, 0);
  if (settings.promoteFirstSnapshot) {
    const first = selectPromotion(listing[0], listing[SNAPSHOT_LEVEL]);
    if (first) listing[SNAPSHOT_LEVEL].push({ ...first, level: SNAPSHOT_LEVEL, createdAt: now });
  }
  let bytes = 0;
  for (let level = 1; level <= settings.levels.length; level++) {
    const snapshotTXID = listing[level].length === 0 ? (newestFile(listing[SNAPSHOT_LEVEL].filter((f) => f.minTXID === 1))?.maxTXID ?? 0) : 0;
    const { inputs } = selectLevelInputs(listing[level - 1], listing[level], settings.levels[level - 1], now, snapshotTXID);
    if (inputs.length === 0) continue;
    const size = sum(inputs);
    bytes += size;
    listing[level].push({ level, minTXID: inputs[0].minTXID, maxTXID: inputs[inputs.length - 1].maxTXID, size, createdAt: now });
  }
  const snapshot = selectSnapshotInputs(listing, settings.snapshotInterval, now);
  if (snapshot.chain.length > 0) bytes += sum(snapshot.chain) + (snapshot.base?.size ?? 0);
  return bytes;
}
