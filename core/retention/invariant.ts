// THE retention invariant, as a function: what must stay restorable after a retention pass.
import type { LtxFileInfo } from '../replica/client.ts';
import { formatLtxFileName, formatTXID } from '../layout/names.ts';
import { SNAPSHOT_LEVEL } from '../ltx/types.ts';
import type { TXID } from '../ltx/types.ts';
import { restorePoints } from './points.ts';

export interface RetentionPolicy {
  snapshotRetention: number;
  l0Retention: number;
}

export interface RetentionWindow {
  /** Snapshots written at or before this instant are outside the window. */
  cutoff: Date;
  /** L0 files written before this instant may give way to compacted files. */
  l0Cutoff: Date;
  /**
   * The newest snapshot written at or before the cutoff: the state the window starts from. Keeping it (Litestream
   * does not) is what makes the earliest instants of the window restorable.
   */
  anchor?: LtxFileInfo;
  /** TXID from which restore points are kept: the anchor's MaxTXID, or 0 when every snapshot is in the window. */
  startTXID: TXID;
}

export function retentionWindow(files: readonly LtxFileInfo[], policy: RetentionPolicy, now: Date): RetentionWindow {
  const cutoff = new Date(now.getTime() - policy.snapshotRetention);
  const l0Cutoff = new Date(now.getTime() - policy.l0Retention);
  let anchor: LtxFileInfo | undefined;
  for (const f of files) {
    if (f.level !== SNAPSHOT_LEVEL || f.minTXID !== 1 || f.createdAt.getTime() > cutoff.getTime()) continue;
    if (!anchor || f.maxTXID > anchor.maxTXID || (f.maxTXID === anchor.maxTXID && f.createdAt > anchor.createdAt)) anchor = f;
  }
  return { cutoff, l0Cutoff, anchor, startTXID: anchor?.maxTXID ?? 0 };
}

/**
 * The restore points that retention must keep, given the files before it ran:
 * - the newest restorable TXID;
 * - from the window start on, the end of every compacted file and snapshot (older instants stay restorable at
 *   compaction granularity);
 * - the end of every L0 file younger than l0-retention (recent instants stay restorable to the transaction).
 */
export function requiredPoints(before: readonly LtxFileInfo[], policy: RetentionPolicy, now: Date): Map<TXID, LtxFileInfo | undefined> {
  const window = retentionWindow(before, policy, now);
  const points = restorePoints(before);
  const reasons = new Map<TXID, LtxFileInfo>();
  for (const f of before) {
    if (f.level > 0 || f.createdAt.getTime() >= window.l0Cutoff.getTime()) reasons.set(f.maxTXID, f);
  }
  const required = new Map<TXID, LtxFileInfo | undefined>();
  for (const p of points) if (p >= window.startTXID && reasons.has(p)) required.set(p, reasons.get(p));
  if (points.length > 0) required.set(points[points.length - 1], reasons.get(points[points.length - 1]));
  return required;
}

/** What the deletion of `before` minus `after` would break; empty when the invariant holds. */
export function invariantViolations(before: readonly LtxFileInfo[], after: readonly LtxFileInfo[], policy: RetentionPolicy, now: Date): string[] {
  const kept = new Set(restorePoints(after));
  const violations: string[] = [];
  for (const [txid, file] of requiredPoints(before, policy, now)) {
    if (kept.has(txid)) continue;
    const why = file ? `the end of level ${file.level} file ${formatLtxFileName(file.minTXID, file.maxTXID)}` : 'the newest position';
    violations.push(`TXID ${formatTXID(txid)} (${why}) would no longer be restorable`);
  }
  return violations;
}
