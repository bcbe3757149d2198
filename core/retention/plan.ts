// Decides which files retention deletes (spec §3), then proves with the invariant that nothing in the window is lost.
import type { LtxFileInfo } from '../replica/client.ts';
import { MAX_LEVEL, SNAPSHOT_LEVEL } from '../ltx/types.ts';
import { chainEnd, selectChain } from '../listing/chain.ts';
import { newestFile } from '../listing/listing.ts';
import { invariantViolations, retentionWindow } from './invariant.ts';
import { restorePoints } from './points.ts';
import type { RetentionPolicy, RetentionWindow } from './invariant.ts';

export interface RetentionSettings extends RetentionPolicy {
  /** Compaction intervals of L1..Ln: level N keeps what level N+1 has not merged yet. */
  levels: readonly number[];
}

export interface RetentionPlan {
  delete: LtxFileInfo[];
  window: RetentionWindow;
  /** Why fewer files are deleted than the rules allow, if they are. */
  notes: string[];
}

function byLevel(files: readonly LtxFileInfo[]): LtxFileInfo[][] {
  const levels: LtxFileInfo[][] = Array.from({ length: MAX_LEVEL + 1 }, () => []);
  for (const f of files) levels[f.level].push(f);
  for (const l of levels) l.sort((a, b) => a.minTXID - b.minTXID || a.maxTXID - b.maxTXID);
  return levels;
}

/** The longest prefix of `files` (in TXID order) whose every file passes `deletable`: retention never punches holes. */
function deletablePrefix(files: readonly LtxFileInfo[], deletable: (f: LtxFileInfo) => boolean): LtxFileInfo[] {
  const out: LtxFileInfo[] = [];
  for (const f of files) {
    if (!deletable(f)) break;
    out.push(f);
  }
  return out;
}

/** L9: snapshots older than the retention go, except the newest and the window's anchor. */
function snapshotDeletions(snapshots: readonly LtxFileInfo[], window: RetentionWindow): LtxFileInfo[] {
  const newest = newestFile(snapshots.filter((f) => f.minTXID === 1));
  return snapshots.filter((f) => f.minTXID === 1 && f !== newest && f !== window.anchor && f.createdAt.getTime() <= window.cutoff.getTime());
}

/**
 * L1..L8: files ending before the window start go, except each level's newest (it marks where the next
 * compaction continues) and files the next level has not merged yet.
 */
function levelDeletions(levels: readonly LtxFileInfo[][], window: RetentionWindow, top: number): LtxFileInfo[] {
  const out: LtxFileInfo[] = [];
  for (let level = 1; level < SNAPSHOT_LEVEL; level++) {
    const files = levels[level];
    const newest = newestFile(files);
    const merged = level < top ? (newestFile(levels[level + 1])?.maxTXID ?? 0) : Number.MAX_SAFE_INTEGER;
    out.push(...deletablePrefix(files, (f) => f !== newest && f.maxTXID < window.startTXID && f.maxTXID <= merged));
  }
  return out;
}

/**
 * L0: files older than l0-retention go once compacted files cover them: a chain of kept L1+ files and snapshots
 * reaches past them from the window start, and L1 has merged them. The newest L0 file anchors the position.
 */
function l0Deletions(levels: readonly LtxFileInfo[][], keptAbove: readonly LtxFileInfo[], window: RetentionWindow, top: number): LtxFileInfo[] {
  const covered = chainEnd(window.startTXID, selectChain(window.startTXID, keptAbove));
  const merged = top >= 1 ? (newestFile(levels[1])?.maxTXID ?? 0) : Number.MAX_SAFE_INTEGER;
  const limit = Math.min(covered, merged);
  const newest = newestFile(levels[0]);
  const prefix = deletablePrefix(levels[0], (f) => f !== newest && f.maxTXID <= limit && f.createdAt.getTime() < window.l0Cutoff.getTime());
  // Young L0 files are restore points to the transaction: the oldest of them must still be reachable once the
  // prefix is gone (the L0 files after it continue from there), or the prefix shrinks until it is.
  const firstYoung = levels[0].find((f) => f.createdAt.getTime() >= window.l0Cutoff.getTime());
  if (!firstYoung) return prefix;
  const reachesYoung = (n: number): boolean => restorePoints([...keptAbove, ...levels[0].slice(n)]).includes(firstYoung.maxTXID);
  // Deleting fewer files never removes a restore point, so the longest safe prefix is found by bisection.
  let lo = 0;
  let hi = prefix.length;
  while (lo < hi) {
    const mid = (lo + hi + 1) >>> 1;
    if (reachesYoung(mid)) lo = mid;
    else hi = mid - 1;
  }
  return prefix.slice(0, lo);
}

function without(files: readonly LtxFileInfo[], removed: readonly LtxFileInfo[]): LtxFileInfo[] {
  const gone = new Set(removed);
  return files.filter((f) => !gone.has(f));
}

/** The rules alone, without the invariant check; exported for tests that prove the rules never need the fallback. */
export function planByRules(files: readonly LtxFileInfo[], settings: RetentionSettings, now: Date): { window: RetentionWindow; snapshots: LtxFileInfo[]; levels: LtxFileInfo[]; l0: LtxFileInfo[] } {
  const window = retentionWindow(files, settings, now);
  const levels = byLevel(files);
  const top = settings.levels.length;
  const snapshots = snapshotDeletions(levels[SNAPSHOT_LEVEL], window);
  const levelFiles = levelDeletions(levels, window, top);
  const keptAbove = without(files.filter((f) => f.level > 0 && (f.level < SNAPSHOT_LEVEL || f.minTXID === 1)), [...snapshots, ...levelFiles]);
  const l0 = l0Deletions(levels, keptAbove, window, top);
  return { window, snapshots, levels: levelFiles, l0 };
}

/**
 * The files to delete. The rules keep the invariant on any bucket our compaction produces; on stranger buckets
 * (gaps, foreign files) the plan falls back to deleting less until `invariantViolations` is empty.
 */
export function planRetention(files: readonly LtxFileInfo[], settings: RetentionSettings, now: Date): RetentionPlan {
  const rules = planByRules(files, settings, now);
  const holds = (deleted: readonly LtxFileInfo[]): boolean => invariantViolations(files, without(files, deleted), settings, now).length === 0;
  const full = [...rules.snapshots, ...rules.levels, ...rules.l0];
  if (holds(full)) return { delete: full, window: rules.window, notes: [] };

  const notes = [`the retention rules would break ${invariantViolations(files, without(files, full), settings, now)[0]}; deleting less`];
  // Deleting fewer files never removes a restore point, so the longest safe L0 prefix can be found by bisection.
  const base = [...rules.snapshots, ...rules.levels];
  if (holds(base)) {
    let lo = 0;
    let hi = rules.l0.length;
    while (lo < hi) {
      const mid = (lo + hi + 1) >>> 1;
      if (holds([...base, ...rules.l0.slice(0, mid)])) lo = mid;
      else hi = mid - 1;
    }
    return { delete: [...base, ...rules.l0.slice(0, lo)], window: rules.window, notes };
  }
  if (holds(rules.snapshots)) return { delete: [...rules.snapshots], window: rules.window, notes };
  notes.push('no deletion keeps every restore point of the window; nothing deleted');
  return { delete: [], window: rules.window, notes };
}
