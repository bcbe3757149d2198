// Test helper: simulates a replica's file listing over time (agent L0 uploads, maintenance passes), without bytes.
import { selectLevelInputs } from '../../core/compact/level.ts';
import { selectSnapshotInputs } from '../../core/compact/snapshot.ts';
import type { ReplicaListing } from '../../core/listing/listing.ts';
import { SNAPSHOT_LEVEL } from '../../core/ltx/types.ts';
import type { LtxFileInfo } from '../../core/replica/client.ts';
import { planRetention } from '../../core/retention/plan.ts';
import type { RetentionSettings } from '../../core/retention/plan.ts';

export interface SimEvent {
  /** Milliseconds after the start. */
  at: number;
  /** 'maintain': compaction then retention; 'compact' and 'retain': one of them (a failed or partial pass). */
  kind: 'commit' | 'maintain' | 'compact' | 'retain';
  /** For commits: how many TXIDs the L0 file covers. */
  txns?: number;
}

export interface SimOptions extends RetentionSettings {
  snapshotInterval: number;
  /** 's3': a written file is stamped with the write time; 'file': with its last transaction's time. */
  stamps: 's3' | 'file';
  retentionEnabled: boolean;
}

export interface SimPass {
  now: Date;
  before: LtxFileInfo[];
  deleted: LtxFileInfo[];
}

function toListing(files: readonly LtxFileInfo[]): ReplicaListing {
  const listing: ReplicaListing = Array.from({ length: SNAPSHOT_LEVEL + 1 }, () => []);
  for (const f of files) listing[f.level].push(f);
  for (const l of listing) l.sort((a, b) => a.minTXID - b.minTXID || a.maxTXID - b.maxTXID);
  return listing;
}

/** Runs the events; returns the final files and every retention pass (with what it saw and deleted). */
export function simulate(start: number, events: readonly SimEvent[], options: SimOptions): { files: LtxFileInfo[]; passes: SimPass[] } {
  let files: LtxFileInfo[] = [];
  const stampOf = new Map<LtxFileInfo, number>();
  const passes: SimPass[] = [];
  let txid = 0;
  const write = (level: number, inputs: LtxFileInfo[], at: number): void => {
    const lastStamp = stampOf.get(inputs[inputs.length - 1]) ?? at;
    const created = options.stamps === 's3' ? at : lastStamp;
    const f: LtxFileInfo = { level, minTXID: inputs[0].minTXID, maxTXID: inputs[inputs.length - 1].maxTXID, size: 100, createdAt: new Date(created) };
    if (files.some((g) => g.level === f.level && g.minTXID === f.minTXID && g.maxTXID === f.maxTXID)) return; // same key
    stampOf.set(f, lastStamp);
    files.push(f);
  };
  for (const e of [...events].sort((a, b) => a.at - b.at)) {
    const at = start + e.at;
    if (e.kind === 'commit') {
      const n = e.txns ?? 1;
      const f: LtxFileInfo = { level: 0, minTXID: txid + 1, maxTXID: txid + n, size: 100, createdAt: new Date(at) };
      txid += n;
      stampOf.set(f, at);
      files.push(f);
      continue;
    }
    const now = new Date(at);
    for (let level = 1; e.kind !== 'retain' && level <= options.levels.length; level++) {
      const listing = toListing(files);
      const sel = selectLevelInputs(listing[level - 1], listing[level], options.levels[level - 1], now);
      if (sel.inputs.length > 0) write(level, sel.inputs, at);
    }
    const snap = e.kind === 'retain' ? undefined : selectSnapshotInputs(toListing(files), options.snapshotInterval, now);
    if (snap && snap.chain.length > 0 && (snap.base || snap.chain[0].minTXID === 1)) write(SNAPSHOT_LEVEL, snap.base ? [snap.base, ...snap.chain] : snap.chain, at);
    if (options.retentionEnabled && e.kind !== 'compact') {
      const plan = planRetention(files, options, now);
      passes.push({ now, before: files, deleted: plan.delete });
      const gone = new Set(plan.delete);
      files = files.filter((f) => !gone.has(f));
    }
  }
  return { files, passes };
}
