// Compaction of level N from level N-1 (spec §3), stateless: everything comes from the bucket listing and the clock.
import type { LtxFileInfo, ReplicaClient } from '../replica/client.ts';
import { formatTXID } from '../layout/names.ts';
import type { TXID } from '../ltx/types.ts';
import { SNAPSHOT_LEVEL } from '../ltx/types.ts';
import { UsageError } from '../errors.ts';
import { chainEnd, selectChain } from '../listing/chain.ts';
import { lastWrittenAt, listLevel, newestFile } from '../listing/listing.ts';
import { mergeFilesToReplica } from './merge.ts';
import type { StepOutcome } from './report.ts';
import { isDue, windowStart } from './schedule.ts';
import type { MaintenanceSettings } from './settings.ts';

export interface LevelSelection {
  due: boolean;
  /** TXID the destination level has reached (0 when empty). */
  start: TXID;
  inputs: LtxFileInfo[];
  /** Source files beyond the reached position that no chain can get to. */
  unreachable: LtxFileInfo[];
}

/**
 * Chooses what a run compacts into a level. Only source files written before the current window began count:
 * every run within one window then sees the same inputs, so concurrent or repeated runs write the same key with
 * the same bytes instead of overlapping files.
 */
export function selectLevelInputs(
  src: readonly LtxFileInfo[],
  dst: readonly LtxFileInfo[],
  interval: number,
  now: Date,
  snapshotTXID: TXID = 0,
): LevelSelection {
  const due = isDue(lastWrittenAt(dst), now, interval);
  const boundary = windowStart(now, interval).getTime();
  const eligible = src.filter((f) => f.createdAt.getTime() < boundary);
  // An empty destination (new replica, or a level added to the config) starts at the oldest source file, or after
  // the newest snapshot when that is later: a level never carries again an image the snapshot level holds.
  const oldest = Math.max(0, eligible.reduce((min, f) => Math.min(min, f.minTXID), Number.MAX_SAFE_INTEGER) - 1);
  const start = newestFile(dst)?.maxTXID ?? Math.max(oldest, snapshotTXID);
  const inputs = due ? selectChain(start, eligible) : [];
  const reached = chainEnd(start, inputs);
  return { due, start, inputs, unreachable: due ? eligible.filter((f) => f.maxTXID > reached) : [] };
}

function levelInterval(settings: MaintenanceSettings, level: number): number {
  const interval = settings.levels[level - 1];
  if (!Number.isInteger(level) || level < 1 || interval === undefined) {
    throw new UsageError(`level ${level} is not a compaction level: the settings define L1..L${settings.levels.length}`);
  }
  return interval;
}

export async function compactLevel(client: ReplicaClient, level: number, settings: MaintenanceSettings, now: Date = new Date()): Promise<StepOutcome> {
  const interval = levelInterval(settings, level);
  const started = Date.now();
  const [src, dst] = await Promise.all([listLevel(client, level - 1), listLevel(client, level)]);
  // Only an empty level looks at the snapshots (where it starts); a running level continues from its own files.
  const snapshots = dst.length === 0 ? (await listLevel(client, SNAPSHOT_LEVEL)).filter((f) => f.minTXID === 1) : [];
  const selection = selectLevelInputs(src, dst, interval, now, newestFile(snapshots)?.maxTXID ?? 0);
  if (!selection.due) return { level, status: 'not-due', reason: `level ${level} already has a file from the window starting ${windowStart(now, interval).toISOString()}` };
  if (selection.inputs.length === 0) {
    if (selection.unreachable.length > 0) {
      const first = selection.unreachable[0];
      return {
        level,
        status: 'stalled',
        reason: `level ${level - 1} has files from TXID ${formatTXID(first.minTXID)} but none continues level ${level} from TXID ${formatTXID(selection.start + 1)}`,
      };
    }
    return { level, status: 'up-to-date' };
  }
  const outcome = await mergeFilesToReplica(client, selection.inputs, level, { tmpDir: settings.tmpDir });
  settings.logger?.info(
    { level, minTXID: formatTXID(outcome.file.minTXID), maxTXID: formatTXID(outcome.file.maxTXID), inputs: selection.inputs.length, size: outcome.file.size },
    'compacted level',
  );
  return {
    level,
    status: 'written',
    written: outcome.file,
    inputs: selection.inputs.map(({ level: l, minTXID, maxTXID }) => ({ level: l, minTXID, maxTXID })),
    inputBytes: outcome.inputBytes,
    durationMs: Date.now() - started,
  };
}
