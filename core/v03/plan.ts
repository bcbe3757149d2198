// Chooses what a v0.3 restore applies: one generation, its newest usable snapshot, then WAL segments in order.
import { NoBackupsError, TxNotAvailableError } from '../restore/errors.ts';
import { UsageError } from '../errors.ts';
import { formatIndex, isGenerationId, segmentLabel, snapshotLabel } from './layout.ts';
import type { V03Generation, V03Listing, V03Segment, V03Snapshot } from './list.ts';

export interface V03Target {
  /** Use files written at or before this instant (v0.3 compares file times inclusively). */
  timestamp?: Date;
  /** Restore from this generation only (16 hex digits). */
  generation?: string;
}

export interface V03Plan {
  location: string;
  generation: string;
  snapshot: V03Snapshot;
  /** Applied in this order: indexes from the snapshot's on, offsets ascending; cut before the first one written after the target. */
  segments: V03Segment[];
  /**
   * Segments of the snapshot's own index written after the target. A snapshot can already hold pages of frames
   * uploaded after it, and replaying only the older frames over those pages would mix two states; the restore reads
   * these to find how far the snapshot reaches (see restore.ts).
   */
  snapshotIndexTail: V03Segment[];
}

const iso = (d: Date): string => d.toISOString();

export function planV03Restore(listing: V03Listing, target: V03Target = {}): V03Plan {
  if (target.generation !== undefined && !isGenerationId(target.generation)) {
    throw new UsageError(`-generation must be a v0.3 generation id of 16 lowercase hex digits, not "${target.generation}"`);
  }
  const candidates = withSnapshots(listing, target.generation);
  const chosen = target.timestamp ? atTime(candidates, target.timestamp, listing.location) : newest(candidates);
  const all = chosen.generation.segments.filter((s) => s.index >= chosen.snapshot.index);
  const cut = target.timestamp ? firstAfter(all, target.timestamp) : all.length;
  const segments = all.slice(0, cut);
  checkNames(chosen.generation.id, chosen.snapshot, segments);
  const snapshotIndexTail = all.slice(cut).filter((s) => s.index === chosen.snapshot.index);
  return { location: listing.location, generation: chosen.generation.id, snapshot: chosen.snapshot, segments, snapshotIndexTail };
}

function withSnapshots(listing: V03Listing, generation: string | undefined): V03Generation[] {
  if (listing.generations.length === 0) throw new NoBackupsError(listing.location);
  const gens = generation === undefined ? listing.generations : listing.generations.filter((g) => g.id === generation);
  if (gens.length === 0) {
    const known = listing.generations.map((g) => g.id).join(', ');
    throw new UsageError(`generation ${generation} not found in ${listing.location}; its v0.3 generations are: ${known}`);
  }
  const usable = gens.filter((g) => g.snapshots.length > 0);
  if (usable.length === 0) {
    const which = generation === undefined ? 'no v0.3 generation' : `generation ${generation}`;
    throw new TxNotAvailableError(`cannot restore from ${listing.location}: ${which} has a snapshot to start from (generations/<id>/snapshots/ is empty)`, 0);
  }
  return usable;
}

/** Latest: the generation with the newest file, from its newest snapshot. */
function newest(gens: V03Generation[]): { generation: V03Generation; snapshot: V03Snapshot } {
  const generation = gens.reduce((best, g) => (g.updatedAt > best.updatedAt ? g : best));
  return { generation, snapshot: generation.snapshots[generation.snapshots.length - 1] };
}

/** At a time: in each generation the newest snapshot written at or before it; the generation whose one is latest. */
function atTime(gens: V03Generation[], at: Date, location: string): { generation: V03Generation; snapshot: V03Snapshot } {
  let best: { generation: V03Generation; snapshot: V03Snapshot } | undefined;
  for (const generation of gens) {
    const usable = generation.snapshots.filter((s) => s.createdAt.getTime() <= at.getTime());
    const snapshot = usable[usable.length - 1];
    if (snapshot && (!best || snapshot.createdAt > best.snapshot.createdAt)) best = { generation, snapshot };
  }
  if (best) return best;
  const earliest = gens.flatMap((g) => g.snapshots).reduce((a, b) => (b.createdAt < a.createdAt ? b : a));
  throw new TxNotAvailableError(
    `cannot restore to ${iso(at)}: no v0.3 snapshot in ${location} was written at or before it ` +
      `(the earliest is ${snapshotLabel(earliest.generation, earliest.index)}, written ${iso(earliest.createdAt)})`,
    0,
  );
}

/**
 * Names alone show most gaps: every index from the snapshot's on must be present and start at offset 0. Offsets
 * inside an index are checked against decompressed sizes while applying.
 */
function checkNames(generation: string, snapshot: V03Snapshot, segments: V03Segment[]): void {
  let expected = snapshot.index;
  for (let i = 0; i < segments.length; i++) {
    const s = segments[i];
    const startsIndex = i === 0 || segments[i - 1].index !== s.index;
    if (!startsIndex) continue;
    if (s.index !== expected) {
      throw new Error(
        `v0.3 generation ${generation} is missing WAL index ${formatIndex(expected)}: the next segment is ${segmentLabel(generation, s.index, s.offset)}; ` +
          `restore to an earlier -timestamp or pick another -generation`,
      );
    }
    if (s.offset !== 0) {
      throw new Error(
        `v0.3 generation ${generation}, WAL index ${formatIndex(s.index)}: the first segment starts at offset ${formatIndex(s.offset)}, not 0 ` +
          `(${segmentLabel(generation, s.index, 0)} is missing)`,
      );
    }
    expected += 1;
  }
}

/** Index of the first segment written after `at`: the plan keeps the unbroken run before it. */
function firstAfter(segments: V03Segment[], at: Date): number {
  const i = segments.findIndex((s) => s.createdAt.getTime() > at.getTime());
  return i === -1 ? segments.length : i;
}
