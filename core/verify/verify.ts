// verifyReplica: every file's bytes, every level's contiguity, restorability, and optionally a full restore.
import type { LtxFileInfo, ReplicaClient } from '../replica/client.ts';
import { listReplica } from '../listing/listing.ts';
import { mapLimit } from '../util/map-limit.ts';
import { refKey } from '../restore/refs.ts';
import { verifyFile } from './files.ts';
import { fullRestoreCheck } from './full.ts';
import type { LevelSummary, VerifyProblem, VerifyReport } from './report.ts';
import { restorability, structureProblems } from './structure.ts';

export interface VerifyOptions {
  /** Also restore the newest restorable state to a temporary file and run PRAGMA integrity_check. */
  full?: boolean;
  tmpDir?: string;
  /** Files read at once; default 4. */
  concurrency?: number;
}

function summarize(listing: LtxFileInfo[][]): LevelSummary[] {
  return listing
    .map((files, level) => ({
      level,
      files: files.length,
      bytes: files.reduce((n, f) => n + f.size, 0),
      minTXID: files.length ? files.reduce((m, f) => Math.min(m, f.minTXID), Infinity) : undefined,
      maxTXID: files.length ? files.reduce((m, f) => Math.max(m, f.maxTXID), 0) : undefined,
    }))
    .filter((s) => s.files > 0);
}

export async function verifyReplica(client: ReplicaClient, options: VerifyOptions = {}): Promise<VerifyReport> {
  const listing = await listReplica(client);
  const files = listing.flat();
  const problems: VerifyProblem[] = structureProblems(client, listing);
  const perFile = await mapLimit(files, options.concurrency ?? 4, (f) => verifyFile(client, f));
  problems.push(...perFile.flat());
  // A file with any problem of its own would fail a restore: the restorable TXID is what the other files reach.
  const unusable = new Set(files.filter((_, i) => perFile[i].length > 0).map(refKey));
  const { restorable, problems: unreachable } = restorability(client, listing, unusable);
  problems.push(...unreachable);
  let restore: VerifyReport['restore'];
  if (options.full && restorable > 0) {
    const full = await fullRestoreCheck(client, restorable, unusable, options.tmpDir);
    restore = full.restore;
    problems.push(...full.problems);
  }
  return {
    ok: problems.every((p) => p.severity !== 'error'),
    location: client.location,
    files: files.length,
    bytes: files.reduce((n, f) => n + f.size, 0),
    levels: summarize(listing),
    restorableTXID: restorable,
    ...(restore ? { restore } : {}),
    problems,
  };
}
