// Furthest-reaching selection of TXID-contiguous LTX files, shared by compaction, snapshots, retention and verify.
import type { LtxFileInfo } from '../replica/client.ts';
import type { TXID } from '../ltx/types.ts';

/**
 * Orders candidates the way restore does (spec §4): largest MaxTXID first, then the smaller MinTXID,
 * the higher level, the older file. A total order, so every caller picks the same chain from the same listing.
 */
function better(a: LtxFileInfo, b: LtxFileInfo): boolean {
  if (a.maxTXID !== b.maxTXID) return a.maxTXID > b.maxTXID;
  if (a.minTXID !== b.minTXID) return a.minTXID < b.minTXID;
  if (a.level !== b.level) return a.level > b.level;
  return a.createdAt.getTime() < b.createdAt.getTime();
}

/**
 * Picks, from the state at TXID `start`, a chain of files that each begin at or before the current position + 1 and
 * end beyond it, always taking the one that reaches furthest. Applying the chain in order to the state at `start`
 * gives the state at the last file's MaxTXID: pages are full images, so re-applying an overlapping prefix is harmless.
 */
export function selectChain(start: TXID, candidates: readonly LtxFileInfo[], limit: TXID = Number.MAX_SAFE_INTEGER): LtxFileInfo[] {
  const sorted = candidates.filter((f) => f.maxTXID <= limit).sort((a, b) => a.minTXID - b.minTXID);
  const chain: LtxFileInfo[] = [];
  let position = start;
  let next = 0;
  for (;;) {
    // Files skipped at an earlier step all end at or before the position, so only newly eligible ones can extend it.
    let best: LtxFileInfo | undefined;
    while (next < sorted.length && sorted[next].minTXID <= position + 1) {
      const f = sorted[next++];
      if (f.maxTXID > position && (best === undefined || better(f, best))) best = f;
    }
    if (best === undefined) return chain;
    chain.push(best);
    position = best.maxTXID;
  }
}

/** The TXID a chain reaches from `start` (start itself when the chain is empty). */
export function chainEnd(start: TXID, chain: readonly LtxFileInfo[]): TXID {
  return chain.length === 0 ? start : chain[chain.length - 1].maxTXID;
}
