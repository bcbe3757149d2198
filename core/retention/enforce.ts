// Applies retention to a replica: list, plan, check the invariant, delete in batches (or only report, with dryRun).
//
// Why this is safe next to concurrent compactions and other retention runs, without locks or conditional writes:
// - Compaction only adds files, each written atomically under a key that names its TXID range, and its content is a
//   pure function of that range. A run never needs a file to stay absent or unchanged, so two runs writing one key
//   write equal bytes, and a reader sees either version of a correct file.
// - Retention only deletes files whose restore points are covered by files it keeps. A compaction that listed a file
//   retention then deletes fails to open it and writes nothing (writes are whole-file), so the replica is unchanged
//   and the next run lists again: a deletion can make a run fail, never make a replica wrong.
// - Deleting any subset of a plan keeps the invariant (fewer deletions only leave more restore points), so a run
//   that stops half way, or two runs whose plans overlap, leave a valid replica. Two runs at different clocks delete
//   the union of two threshold-shaped sets, which is the later run's own plan plus files only the earlier run's
//   window still needed - restore points older than the later window, which its own plan would also drop.
// - Files a concurrent run adds while this one plans only add restore points; this plan never deletes them because
//   it did not see them.
import type { LtxFileInfo, LtxFileRef, ReplicaClient } from '../replica/client.ts';
import { listReplica } from '../listing/listing.ts';
import { formatTXID } from '../layout/names.ts';
import type { TXID } from '../ltx/types.ts';
import type { Logger } from '../log/logger.ts';
import { planRetention, type RetentionSettings } from './plan.ts';

const DELETE_BATCH = 1000;

/** What a retention run reads from the maintenance settings (MaintenanceSettings satisfies it). */
export interface RetentionRunSettings extends RetentionSettings {
  /** false: never delete remote files (the bucket uses lifecycle rules instead). */
  retentionEnabled: boolean;
  logger?: Logger;
}

export interface RetentionOutcome {
  enabled: boolean;
  dryRun: boolean;
  /** Files deleted (or that would be, with dryRun). */
  deleted: LtxFileRef[];
  /** TXID from which every restore point of the window is kept (the oldest kept snapshot's MaxTXID, or 0). */
  windowStartTXID: TXID;
  notes: string[];
}

export interface EnforceOptions {
  /** Report what would be deleted without deleting it. */
  dryRun?: boolean;
}

function refOf(f: LtxFileInfo): LtxFileRef {
  return { level: f.level, minTXID: f.minTXID, maxTXID: f.maxTXID };
}

export async function enforceRetention(
  client: ReplicaClient,
  settings: RetentionRunSettings,
  now: Date = new Date(),
  options: EnforceOptions = {},
): Promise<RetentionOutcome> {
  const dryRun = options.dryRun ?? false;
  const enabled = settings.retentionEnabled;
  if (!enabled && !dryRun) {
    return { enabled, dryRun, deleted: [], windowStartTXID: 0, notes: ['retention is disabled (retention.enabled: false): no remote file deleted'] };
  }
  const files = (await listReplica(client)).flat();
  const plan = planRetention(files, settings, now);
  // Lowest levels first and in TXID order within a level, so an interrupted run leaves no hole inside a level.
  const refs = plan.delete.sort((a, b) => a.level - b.level || a.minTXID - b.minTXID).map(refOf);
  for (const note of plan.notes) settings.logger?.warn({ location: client.location }, note);
  if (!dryRun) {
    for (let i = 0; i < refs.length; i += DELETE_BATCH) await client.deleteLtxFiles(refs.slice(i, i + DELETE_BATCH));
    if (refs.length > 0) settings.logger?.info({ deleted: refs.length, windowStartTXID: formatTXID(plan.window.startTXID) }, 'retention deleted files');
  }
  const notes = enabled ? plan.notes : ['retention is disabled (retention.enabled: false): nothing would be deleted by the agent', ...plan.notes];
  return { enabled, dryRun, deleted: refs, windowStartTXID: plan.window.startTXID, notes };
}
