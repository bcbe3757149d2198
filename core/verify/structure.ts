// Checks the shape of a replica from its listing alone: level contiguity, snapshot names, restorability.
import type { LtxFileInfo, ReplicaClient } from '../replica/client.ts';
import { SNAPSHOT_LEVEL } from '../ltx/types.ts';
import type { ReplicaListing } from '../compact/listing.ts';
import { restorableMax } from '../retention/points.ts';
import { fileProblem } from './report.ts';
import type { VerifyProblem } from './report.ts';

/**
 * Within L0..L8, each file must start right after the furthest TXID seen so far. A file starting beyond it leaves a
 * gap (an error: TXIDs the level never had). A file starting at or before it overlaps: harmless for restore, which
 * re-applies full page images, and the natural trace of two compactions racing, so it is only a warning.
 */
export function levelProblems(client: ReplicaClient, level: number, files: readonly LtxFileInfo[]): VerifyProblem[] {
  const problems: VerifyProblem[] = [];
  const sorted = [...files].sort((a, b) => a.minTXID - b.minTXID || a.maxTXID - b.maxTXID);
  let reach = 0;
  for (const f of sorted) {
    if (f.minTXID > f.maxTXID) {
      problems.push(fileProblem(client, f, 'name', `name says MinTXID ${f.minTXID} > MaxTXID ${f.maxTXID}`));
      continue;
    }
    if (reach > 0 && f.minTXID > reach + 1) {
      problems.push(fileProblem(client, f, 'gap', `level ${level} has no file for TXIDs ${reach + 1}-${f.minTXID - 1} before this file`));
    } else if (reach > 0 && f.minTXID <= reach) {
      const how = f.maxTXID <= reach ? 'is covered entirely by earlier files' : `overlaps earlier files up to TXID ${reach}`;
      problems.push(fileProblem(client, f, 'overlap', `level ${level}: this file ${how}`, 'warning'));
    }
    reach = Math.max(reach, f.maxTXID);
  }
  return problems;
}

export function snapshotProblems(client: ReplicaClient, files: readonly LtxFileInfo[]): VerifyProblem[] {
  return files
    .filter((f) => f.minTXID !== 1)
    .map((f) => fileProblem(client, f, 'name', `the snapshot level only holds snapshots (MinTXID 1), but this file starts at TXID ${f.minTXID}`));
}

/** The newest TXID in any file must be reachable by a restore; otherwise the replica silently lost transactions. */
export function restorabilityProblems(client: ReplicaClient, listing: ReplicaListing): VerifyProblem[] {
  const files = listing.flat();
  if (files.length === 0) return [{ kind: 'missing', severity: 'error', message: `${client.location} holds no LTX files` }];
  const newest = files.reduce((max, f) => Math.max(max, f.maxTXID), 0);
  const reached = restorableMax(files);
  if (reached >= newest) return [];
  return [
    {
      kind: 'missing',
      severity: 'error',
      minTXID: reached + 1,
      maxTXID: newest,
      message:
        reached === 0
          ? `no snapshot and no file starting at TXID 1: nothing in ${client.location} can be restored`
          : `a restore stops at TXID ${reached}: no chain of files reaches TXIDs ${reached + 1}-${newest}`,
    },
  ];
}

export function structureProblems(client: ReplicaClient, listing: ReplicaListing): VerifyProblem[] {
  const problems: VerifyProblem[] = [];
  for (let level = 0; level < SNAPSHOT_LEVEL; level++) problems.push(...levelProblems(client, level, listing[level]));
  problems.push(...snapshotProblems(client, listing[SNAPSHOT_LEVEL]));
  problems.push(...restorabilityProblems(client, listing));
  return problems;
}
