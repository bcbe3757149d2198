// Checks the shape of a replica: level contiguity and snapshot names from the listing, restorability past bad files.
import type { LtxFileInfo, ReplicaClient } from '../replica/client.ts';
import { formatTXID } from '../layout/names.ts';
import { SNAPSHOT_LEVEL } from '../ltx/types.ts';
import type { ReplicaListing } from '../listing/listing.ts';
import { restorableMax } from '../retention/points.ts';
import { refKey } from '../restore/refs.ts';
import type { TXID } from '../ltx/types.ts';
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
      problems.push(fileProblem(client, f, 'name', `name says MinTXID ${formatTXID(f.minTXID)} > MaxTXID ${formatTXID(f.maxTXID)}`));
      continue;
    }
    if (reach > 0 && f.minTXID > reach + 1) {
      problems.push(fileProblem(client, f, 'gap', `level ${level} has no file for TXIDs ${formatTXID(reach + 1)}-${formatTXID(f.minTXID - 1)} before this file`));
    } else if (reach > 0 && f.minTXID <= reach) {
      const how = f.maxTXID <= reach ? 'is covered entirely by earlier files' : `overlaps earlier files up to TXID ${formatTXID(reach)}`;
      problems.push(fileProblem(client, f, 'overlap', `level ${level}: this file ${how}`, 'warning'));
    }
    reach = Math.max(reach, f.maxTXID);
  }
  return problems;
}

export function snapshotProblems(client: ReplicaClient, files: readonly LtxFileInfo[]): VerifyProblem[] {
  return files
    .filter((f) => f.minTXID !== 1)
    .map((f) => fileProblem(client, f, 'name', `the snapshot level only holds snapshots (MinTXID 0000000000000001), but this file starts at TXID ${formatTXID(f.minTXID)}`));
}

/**
 * The newest TXID in any file must be reachable by a restore through files that are not themselves unusable
 * (`unusable`: refKey()s of files found corrupt, misnamed or missing); otherwise the replica lost transactions.
 * Returns the newest restorable TXID with the problem, if any.
 */
export function restorability(client: ReplicaClient, listing: ReplicaListing, unusable: ReadonlySet<string> = new Set()): { restorable: TXID; problems: VerifyProblem[] } {
  const files = listing.flat();
  if (files.length === 0) return { restorable: 0, problems: [{ kind: 'missing', severity: 'error', message: `${client.location} holds no LTX files` }] };
  const newest = files.reduce((max, f) => Math.max(max, f.maxTXID), 0);
  const restorable = restorableMax(files.filter((f) => !unusable.has(refKey(f))));
  if (restorable >= newest) return { restorable, problems: [] };
  const through = unusable.size > 0 ? 'usable files' : 'files';
  const message =
    restorable === 0
      ? `no usable snapshot and no usable file starting at TXID 0000000000000001: nothing in ${client.location} can be restored`
      : `a restore stops at TXID ${formatTXID(restorable)}: no chain of ${through} reaches TXIDs ${formatTXID(restorable + 1)}-${formatTXID(newest)}; ` +
        `restore -txid ${formatTXID(restorable)} restores up to there`;
  return { restorable, problems: [{ kind: 'missing', severity: 'error', minTXID: restorable + 1, maxTXID: newest, message }] };
}

/** Problems visible in the listing alone: level contiguity and the snapshot level's names. */
export function structureProblems(client: ReplicaClient, listing: ReplicaListing): VerifyProblem[] {
  const problems: VerifyProblem[] = [];
  for (let level = 0; level < SNAPSHOT_LEVEL; level++) problems.push(...levelProblems(client, level, listing[level]));
  problems.push(...snapshotProblems(client, listing[SNAPSHOT_LEVEL]));
  return problems;
}
