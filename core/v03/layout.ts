// Litestream v0.3 replica layout: `generations/<gen>/snapshots/<index>.snapshot.lz4` and `…/wal/<index>_<offset>.wal.lz4`.

export const GENERATIONS_PREFIX = 'generations/';

export interface SnapshotName {
  kind: 'snapshot';
  generation: string;
  index: number;
}

export interface SegmentName {
  kind: 'segment';
  generation: string;
  index: number;
  /** Byte offset of the segment inside its WAL index. */
  offset: number;
}

const GENERATION = '([0-9a-f]{16})';
const HEX = '([0-9a-f]{1,16})';
const SNAPSHOT_PATH = new RegExp(`^generations/${GENERATION}/snapshots/${HEX}\\.snapshot\\.lz4$`);
const SEGMENT_PATH = new RegExp(`^generations/${GENERATION}/wal/${HEX}_${HEX}\\.wal\\.lz4$`);
/** Some v0.3 development builds kept one folder per index: `wal/<index>/<offset>.wal.lz4`. */
const SEGMENT_PATH_NESTED = new RegExp(`^generations/${GENERATION}/wal/${HEX}/${HEX}\\.wal\\.lz4$`);
const GENERATION_ID = /^[0-9a-f]{16}$/;

function hex(value: string): number | null {
  const n = Number.parseInt(value, 16);
  return Number.isSafeInteger(n) ? n : null;
}

/** Parses a path below the replica root; null for anything else (temporary `.tmp` files, other layouts). */
export function parseV03Path(path: string): SnapshotName | SegmentName | null {
  const snap = SNAPSHOT_PATH.exec(path);
  if (snap) {
    const index = hex(snap[2]);
    return index === null ? null : { kind: 'snapshot', generation: snap[1], index };
  }
  const seg = SEGMENT_PATH.exec(path) ?? SEGMENT_PATH_NESTED.exec(path);
  if (!seg) return null;
  const index = hex(seg[2]);
  const offset = hex(seg[3]);
  return index === null || offset === null ? null : { kind: 'segment', generation: seg[1], index, offset };
}

export function isGenerationId(value: string): boolean {
  return GENERATION_ID.test(value);
}

/** `%08x`, as v0.3 prints indexes and offsets in names. */
export function formatIndex(n: number): string {
  return n.toString(16).padStart(8, '0');
}

/** How messages name a segment: the path v0.3.13 writes, e.g. `generations/…/wal/00000001_00001038.wal.lz4`. */
export function segmentLabel(generation: string, index: number, offset: number): string {
  return `generations/${generation}/wal/${formatIndex(index)}_${formatIndex(offset)}.wal.lz4`;
}

export function snapshotLabel(generation: string, index: number): string {
  return `generations/${generation}/snapshots/${formatIndex(index)}.snapshot.lz4`;
}
