// Chooses the LTX files a restore applies (spec §4): the TXID the greedy furthest-reaching walk reaches, by the cheapest chain.
import { SNAPSHOT_LEVEL, type TXID } from '../ltx/types.ts';
import type { LtxFileInfo } from '../replica/client.ts';
import { UsageError } from '../errors.ts';
import { NoBackupsError, NonContiguousError, TxNotAvailableError } from './errors.ts';
import { cheapestChain } from './chain.ts';
import { formatTXID, refKey } from './refs.ts';

export interface RestoreTarget {
  /** Inclusive: restore the state right after this transaction. */
  txid?: TXID;
  /** Restore from files whose timestamp is strictly before this instant. */
  timestamp?: Date;
}

export interface RestorePlan {
  /** Files in the order they are applied; the first one starts at TXID 1. */
  files: LtxFileInfo[];
  /** The TXID the restored database will be at. */
  txid: TXID;
  /** The L9 snapshot the plan starts from, if any. */
  snapshot?: LtxFileInfo;
  /** Bytes the plan downloads: the sum of its files' sizes. */
  bytes: number;
}

export interface PlanOptions {
  /** Files to ignore, as `refKey()` strings (missing or corrupt files found during a restore). */
  exclude?: ReadonlySet<string>;
  /** For messages only, e.g. `s3://bucket/db`. */
  location?: string;
}

export function planRestore(files: readonly LtxFileInfo[], target: RestoreTarget = {}, options: PlanOptions = {}): RestorePlan {
  if (target.txid !== undefined && target.timestamp !== undefined) {
    throw new UsageError('cannot restore to both a TXID and a timestamp; choose one');
  }
  const location = options.location ?? 'replica';
  if (files.length === 0) throw new NoBackupsError(location);
  const exclude = options.exclude ?? new Set<string>();
  const eligible = files.filter((f) => !exclude.has(refKey(f)) && withinTarget(f, target));

  const snapshot = newestSnapshot(eligible);
  const plan: LtxFileInfo[] = snapshot ? [snapshot] : [];
  const candidates = eligible.filter((f) => f.level < SNAPSHOT_LEVEL).sort((a, b) => a.minTXID - b.minTXID);
  let current = snapshot?.maxTXID ?? 0;
  while (target.txid === undefined || current < target.txid) {
    const next = furthestReaching(candidates, current);
    if (!next) break;
    plan.push(next);
    current = next.maxTXID;
  }

  if (plan.length === 0) throw nothingUsable(files, target, location);
  if (target.txid !== undefined && current < target.txid) {
    throw new TxNotAvailableError(
      `cannot restore to TXID ${formatTXID(target.txid)}: the files in ${location} reach TXID ${formatTXID(current)} at most`,
      current,
      target.txid,
    );
  }
  if (target.txid === undefined) {
    // A file beyond the reached TXID means a gap: restoring "the latest" would silently drop transactions.
    const beyond = candidates.find((f) => f.maxTXID > current);
    if (beyond) throw new NonContiguousError(current, beyond);
  }
  // The walk fixes the TXID (as Litestream's plan would reach it); the files are the cheapest chain to that TXID, so
  // no file is fetched whose range another chosen file already covers (issue 8: a snapshot plus an L2 from TXID 1).
  const chain = cheapestChain(eligible, current) ?? plan;
  const first = chain[0];
  return {
    files: chain,
    txid: current,
    snapshot: first?.level === SNAPSHOT_LEVEL ? first : undefined,
    bytes: chain.reduce((sum, f) => sum + f.size, 0),
  };
}

function withinTarget(file: LtxFileInfo, target: RestoreTarget): boolean {
  if (target.txid !== undefined) return file.maxTXID <= target.txid;
  if (target.timestamp !== undefined) return file.createdAt.getTime() < target.timestamp.getTime();
  return true;
}

function newestSnapshot(files: readonly LtxFileInfo[]): LtxFileInfo | undefined {
  let best: LtxFileInfo | undefined;
  for (const f of files) {
    if (f.level !== SNAPSHOT_LEVEL || f.minTXID !== 1) continue;
    if (!best || f.maxTXID > best.maxTXID || (f.maxTXID === best.maxTXID && f.createdAt < best.createdAt)) best = f;
  }
  return best;
}

/** Among files that start at or before current+1 and go past current: largest max, then smaller min, higher level, older. */
function furthestReaching(sortedByMin: readonly LtxFileInfo[], current: TXID): LtxFileInfo | undefined {
  let best: LtxFileInfo | undefined;
  for (const f of sortedByMin) {
    if (f.minTXID > current + 1) break;
    if (f.maxTXID <= current) continue;
    if (!best || better(f, best)) best = f;
  }
  return best;
}

function better(a: LtxFileInfo, b: LtxFileInfo): boolean {
  if (a.maxTXID !== b.maxTXID) return a.maxTXID > b.maxTXID;
  if (a.minTXID !== b.minTXID) return a.minTXID < b.minTXID;
  if (a.level !== b.level) return a.level > b.level;
  return a.createdAt.getTime() < b.createdAt.getTime();
}

function nothingUsable(files: readonly LtxFileInfo[], target: RestoreTarget, location: string): Error {
  const earliest = files.reduce((min, f) => Math.min(min, f.maxTXID), Infinity);
  if (target.txid !== undefined) {
    return new TxNotAvailableError(
      `cannot restore to TXID ${formatTXID(target.txid)}: no usable backup in ${location} ends at or before it ` +
        `(the earliest file ends at TXID ${formatTXID(earliest)})`,
      0,
      target.txid,
    );
  }
  if (target.timestamp !== undefined) {
    return new TxNotAvailableError(
      `cannot restore to ${target.timestamp.toISOString()}: no usable backup in ${location} was written before it`,
      0,
    );
  }
  return new TxNotAvailableError(
    `cannot restore from ${location}: no usable file starts at TXID 0000000000000001 (the earliest file ends at TXID ${formatTXID(earliest)}); ` +
      'the replica has no snapshot to start from',
    0,
  );
}
