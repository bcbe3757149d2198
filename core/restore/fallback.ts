// After a restore cannot reach its target: the newest earlier TXID the replica really restores, every file read.
import type { TXID } from '../ltx/types.ts';
import type { LtxFileInfo, ReplicaClient } from '../replica/client.ts';
import { restorableMax } from '../retention/points.ts';
import { mapLimit } from '../util/map-limit.ts';
import { planRestore } from './plan.ts';
import { probeFile } from './probe.ts';
import { refKey } from './refs.ts';

export interface FallbackState {
  /** refKey()s of files known to be unusable; grows as probing finds more. */
  exclude: Set<string>;
  /** refKey()s of files already read through without a problem (applied by an attempt, or probed). */
  good: Set<string>;
  /** Called for each newly found unusable file. */
  onUnusable: (file: LtxFileInfo, reason: string) => void;
  parallelism: number;
  signal?: AbortSignal;
}

/**
 * The newest TXID at or before `goal` that a restore reaches without the excluded files, 0 if none. Every file of
 * that plan is known good: files no attempt has read yet are read through and checked, and a bad one is excluded
 * and the search repeats, so the TXID this returns is one `restore -txid` will really produce. Usually nothing is
 * read: when the newest file is the bad one, the fallback plan is the files the failed attempt already applied.
 */
export async function newestRestorable(client: ReplicaClient, files: readonly LtxFileInfo[], goal: TXID, state: FallbackState): Promise<TXID> {
  for (;;) {
    state.signal?.throwIfAborted();
    const usable = files.filter((f) => f.maxTXID <= goal && !state.exclude.has(refKey(f)));
    const txid = restorableMax(usable);
    if (txid === 0) return 0;
    const plan = planRestore(usable, { txid });
    const unread = plan.files.filter((f) => !state.good.has(refKey(f)));
    const reasons = await mapLimit(unread, state.parallelism, (f) => probeFile(client, f));
    let clean = true;
    unread.forEach((f, i) => {
      const reason = reasons[i];
      if (reason === undefined) {
        state.good.add(refKey(f));
        return;
      }
      clean = false;
      state.exclude.add(refKey(f));
      state.onUnusable(f, reason);
    });
    if (clean) return txid;
  }
}
