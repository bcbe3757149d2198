// The cheapest chain of LTX files from TXID 1 to a goal TXID: fewest bytes, then fewest files, then least overlap.
import { SNAPSHOT_LEVEL, type TXID } from '../ltx/types.ts';
import type { LtxFileInfo } from '../replica/client.ts';

/** A way to reach one TXID: its cost and the last file of the chain (the chain is followed through `prev`). */
interface Route {
  bytes: number;
  files: number;
  /** Sum of the files' TXID spans: ties go to the chain that re-applies the fewest transactions. */
  span: number;
  file?: LtxFileInfo;
  prev?: Route;
}

/**
 * A file [min, max] may follow a database at TXID s when min ≤ s + 1 ≤ max (it holds the newest copy of every page
 * changed in min..max, so an overlap is harmless, only wasteful). Routes are settled in TXID order, so when a file
 * ending at t is examined every state below t is final: one pass over the files sorted by their end, with a
 * range-minimum tree over the states. Returns undefined when the goal cannot be reached exactly.
 */
export function cheapestChain(files: readonly LtxFileInfo[], goal: TXID): LtxFileInfo[] | undefined {
  const usable = files.filter((f) => f.maxTXID <= goal && f.minTXID <= f.maxTXID && (f.level !== SNAPSHOT_LEVEL || f.minTXID === 1)).sort((a, b) => a.maxTXID - b.maxTXID || a.minTXID - b.minTXID);
  const states = [0, ...new Set(usable.map((f) => f.maxTXID))];
  const tree = new RouteTree(states);
  tree.set(0, { bytes: 0, files: 0, span: 0 });
  for (const f of usable) {
    const prev = tree.best(f.minTXID - 1, f.maxTXID - 1);
    if (!prev) continue;
    const route: Route = { bytes: prev.bytes + f.size, files: prev.files + 1, span: prev.span + (f.maxTXID - f.minTXID + 1), file: f, prev };
    tree.offer(f.maxTXID, route);
  }
  let route = tree.at(goal);
  if (!route?.file) return undefined;
  const chain: LtxFileInfo[] = [];
  for (; route?.file; route = route.prev) chain.push(route.file);
  return chain.reverse();
}

function cheaper(a: Route, b: Route): boolean {
  if (a.bytes !== b.bytes) return a.bytes < b.bytes;
  if (a.files !== b.files) return a.files < b.files;
  if (a.span !== b.span) return a.span < b.span;
  const fa = a.file;
  const fb = b.file;
  if (!fa || !fb) return !fa && !!fb;
  if (fa.level !== fb.level) return fa.level > fb.level;
  return fa.createdAt.getTime() < fb.createdAt.getTime();
}

function pick(a: Route | undefined, b: Route | undefined): Route | undefined {
  if (!a) return b;
  if (!b) return a;
  return cheaper(b, a) ? b : a;
}

/** Best route per state (states sorted ascending), with the best over a TXID range in O(log n). */
class RouteTree {
  readonly #states: number[];
  readonly #size: number;
  readonly #nodes: Array<Route | undefined>;

  constructor(states: number[]) {
    this.#states = states;
    this.#size = Math.max(1, states.length);
    this.#nodes = new Array<Route | undefined>(2 * this.#size);
  }

  set(state: number, route: Route): void {
    this.offer(state, route);
  }

  /** Keeps `route` for `state` if it is cheaper than the one known. */
  offer(state: number, route: Route): void {
    let i = this.#indexOf(state) + this.#size;
    const known = this.#nodes[i];
    if (known && !cheaper(route, known)) return;
    this.#nodes[i] = route;
    for (i >>= 1; i >= 1; i >>= 1) this.#nodes[i] = pick(this.#nodes[2 * i], this.#nodes[2 * i + 1]);
  }

  at(state: number): Route | undefined {
    const i = this.#indexOf(state);
    return i < 0 ? undefined : this.#nodes[i + this.#size];
  }

  /** The cheapest route to any state in [lo, hi]. */
  best(lo: number, hi: number): Route | undefined {
    let l = lowerBound(this.#states, lo) + this.#size;
    let r = lowerBound(this.#states, hi + 1) + this.#size;
    let out: Route | undefined;
    while (l < r) {
      if (l & 1) out = pick(out, this.#nodes[l++]);
      if (r & 1) out = pick(out, this.#nodes[--r]);
      l >>= 1;
      r >>= 1;
    }
    return out;
  }

  #indexOf(state: number): number {
    const i = lowerBound(this.#states, state);
    return this.#states[i] === state ? i : -1;
  }
}

function lowerBound(sorted: readonly number[], value: number): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (sorted[mid] < value) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
