// Which TXIDs a replica can be restored to exactly: the checkable half of the retention invariant.
import type { LtxFileInfo } from '../replica/client.ts';
import { SNAPSHOT_LEVEL } from '../ltx/types.ts';
import type { TXID } from '../ltx/types.ts';

function isSnapshotFile(f: LtxFileInfo): boolean {
  return f.level === SNAPSHOT_LEVEL;
}

/**
 * Every TXID t such that some chain of files leads from an empty database (TXID 0) or a snapshot to exactly t:
 * each file starts at or before the position + 1 and ends beyond it. These are the TXIDs `restore -txid t` can
 * reach; restore's greedy plan finds a chain whenever one exists. Runs in O(n log n).
 */
export function restorePoints(files: readonly LtxFileInfo[]): TXID[] {
  const byMax = [...files].sort((a, b) => a.maxTXID - b.maxTXID || a.minTXID - b.minTXID);
  // Points are appended in increasing order: a file only reaches from points below its own MaxTXID.
  const points: TXID[] = [0];
  for (const f of byMax) {
    if (points[points.length - 1] === f.maxTXID) continue;
    if (isSnapshotFile(f) ? f.minTXID === 1 : reachesFrom(points, f)) points.push(f.maxTXID);
  }
  return points.slice(1);
}

/** True if a reachable point p has f.minTXID - 1 <= p < f.maxTXID. */
function reachesFrom(points: readonly TXID[], f: LtxFileInfo): boolean {
  let lo = 0;
  let hi = points.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (points[mid] < f.minTXID - 1) lo = mid + 1;
    else hi = mid;
  }
  return lo < points.length && points[lo] < f.maxTXID;
}

/** The newest TXID the replica can be restored to (0: none). */
export function restorableMax(files: readonly LtxFileInfo[]): TXID {
  const points = restorePoints(files);
  return points.length === 0 ? 0 : points[points.length - 1];
}
