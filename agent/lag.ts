// Replication lag statistics: percentiles, and commit → acknowledgement lag from the agent's upload events.
import type { UploadEvent } from './replicator.ts';

export interface LagSummary {
  count: number;
  p50: number;
  p99: number;
  max: number;
}

export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return NaN;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[i];
}

export function summarizeLag(values: readonly number[]): LagSummary {
  const sorted = [...values].sort((a, b) => a - b);
  return { count: sorted.length, p50: percentile(sorted, 50), p99: percentile(sorted, 99), max: sorted[sorted.length - 1] ?? NaN };
}

/**
 * Commit → acknowledgement lag of every commit. A commit made before a sync started reading the WAL is shipped by
 * that sync's file at the latest, so each commit is charged to the first uploaded file whose sync started after it
 * (conservative: a commit that raced a sync is charged to the next file).
 */
export function commitLags(commitTimes: readonly number[], uploads: readonly UploadEvent[], options: { allShipped?: boolean } = {}): number[] {
  const files = uploads.filter((u) => u.syncStartedAt !== undefined).sort((a, b) => a.txid - b.txid);
  const commits = [...commitTimes].sort((a, b) => a - b);
  const lags: number[] = [];
  let f = 0;
  for (const c of commits) {
    while (f < files.length && (files[f].syncStartedAt as number) < c) f++;
    if (f < files.length) lags.push(files[f].ackAt - c);
    // Everything reached the replica and no later file exists, so the commit raced into the last file.
    else if (options.allShipped && files.length > 0) lags.push(files[files.length - 1].ackAt - c);
  }
  return lags;
}
