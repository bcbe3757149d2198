// Text and JSON for v0.3 restores, plans and listings, and the note `ltx`/`verify` print for a v0.3 replica.
import { formatIndex, snapshotLabel } from './layout.ts';
import type { V03Listing } from './list.ts';
import type { V03Plan } from './plan.ts';
import type { V03RestoreResult } from './restore.ts';

const iso = (d: Date): string => d.toISOString();

export function restoreText(r: V03RestoreResult, reason: string): string {
  const caught = r.framesHeldBySnapshot > 0 ? `; ${r.framesHeldBySnapshot} frame(s) past the target were applied because the snapshot already held them` : '';
  return (
    `restored ${r.outputPath} from Litestream v0.3 generation ${r.generation} (${reason}): snapshot ${formatIndex(r.snapshotIndex)} ` +
    `then ${r.segments} WAL segment(s) in ${r.indexes} index(es), ${r.frames} frame(s), up to ${iso(r.timestamp)}: ` +
    `${r.pages} pages of ${r.pageSize} bytes, ${r.bytes} bytes downloaded${caught}\n`
  );
}

export function restoreJson(r: V03RestoreResult, reason: string): object {
  return {
    format: 'litestream-v0.3',
    reason,
    output: r.outputPath,
    generation: r.generation,
    snapshot_index: formatIndex(r.snapshotIndex),
    snapshot_created: iso(r.snapshotCreatedAt),
    timestamp: iso(r.timestamp),
    wal_indexes: r.indexes,
    segments: r.segments,
    frames: r.frames,
    frames_held_by_snapshot: r.framesHeldBySnapshot,
    page_size: r.pageSize,
    pages: r.pages,
    size: r.pageSize * r.pages,
    bytes: r.bytes,
  };
}

export function planText(p: V03Plan, output: string, reason: string): string {
  const lines = [
    `restore plan for ${output}: Litestream v0.3 generation ${p.generation} (${reason})`,
    `  snapshot ${snapshotLabel(p.generation, p.snapshot.index)} ${p.snapshot.size} bytes ${iso(p.snapshot.createdAt)}`,
  ];
  for (const s of p.segments) lines.push(`  wal ${formatIndex(s.index)}_${formatIndex(s.offset)} ${s.size} bytes ${iso(s.createdAt)}`);
  if (p.snapshotIndexTail.length > 0) lines.push(`  (+${p.snapshotIndexTail.length} later segment(s) of index ${formatIndex(p.snapshot.index)} read to place the snapshot)`);
  return lines.join('\n') + '\n';
}

export function planJson(p: V03Plan, output: string, reason: string): object {
  const file = (f: { path: string; size: number; createdAt: Date }): object => ({ path: f.path, size: f.size, created: iso(f.createdAt) });
  return {
    dry_run: true,
    format: 'litestream-v0.3',
    reason,
    output,
    generation: p.generation,
    snapshot: file(p.snapshot),
    segments: p.segments.map(file),
    snapshot_index_tail: p.snapshotIndexTail.map(file),
    bytes: p.snapshot.size + p.segments.reduce((n, s) => n + s.size, 0),
  };
}

/** One line per generation: id, counts and time span. */
export function generationsSummary(listing: V03Listing): string {
  return listing.generations
    .map((g) => `  ${g.id}: ${g.snapshots.length} snapshot(s), ${g.segments.length} WAL segment(s), ${iso(g.createdAt)} to ${iso(g.updatedAt)}`)
    .join('\n');
}

/** What `ltx` and `verify` say about a replica holding v0.3 backups; `ltxFiles` is how many LTX files it also holds. */
export function v03Note(listing: V03Listing, command: 'ltx' | 'verify', ltxFiles: number): string {
  const head =
    ltxFiles === 0
      ? `${listing.location} holds a Litestream v0.3 backup (generations/ with LZ4 snapshots and WAL segments), not LTX files.`
      : `${listing.location} also holds Litestream v0.3 backups (generations/), which \`${command}\` does not read.`;
  const what =
    command === 'ltx'
      ? '`streambed ltx` lists LTX files (Litestream v0.5 format) only; list v0.3 backups with `streambed generations` and `streambed snapshots`.'
      : '`streambed verify` checks LTX files only; to check a v0.3 backup, restore it (`streambed restore -o <path> <target>`), which verifies every WAL frame checksum and runs PRAGMA quick_check.';
  return [
    head,
    generationsSummary(listing),
    what,
    'Restore a v0.3 backup with `streambed restore` (optionally -timestamp, -generation); replicating with streambed starts LTX files beside it.',
  ].join('\n') + '\n';
}
