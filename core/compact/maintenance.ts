// One maintenance pass: every compaction level, the snapshot and retention, whatever is due at `now`.
import type { ReplicaClient } from '../replica/client.ts';
import { SNAPSHOT_LEVEL } from '../ltx/types.ts';
import { enforceRetention } from '../retention/enforce.ts';
import { compactLevel } from './level.ts';
import type { MaintenanceReport, StepOutcome } from './report.ts';
import type { MaintenanceSettings } from './settings.ts';
import { promoteFirstSnapshot } from './promote.ts';
import { buildSnapshot } from './snapshot.ts';

function message(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/**
 * Runs in the CLI, in the agent (`compaction: local`) and in the Lambdas alike: it keeps no state, so any number of
 * passes may run, repeat or overlap (see core/retention/enforce.ts for why that is safe). A failed step is reported
 * and the next steps still run; nothing a failed step started is left in the replica.
 */
export async function runMaintenance(client: ReplicaClient, settings: MaintenanceSettings, now: Date = new Date()): Promise<MaintenanceReport> {
  const report: MaintenanceReport = {
    now: now.toISOString(),
    location: client.location,
    levels: [],
    snapshot: { level: SNAPSHOT_LEVEL, status: 'up-to-date' },
    retention: { enabled: settings.retentionEnabled, dryRun: false, deleted: [], windowStartTXID: 0, notes: [] },
    written: [],
    deleted: [],
    errors: [],
  };
  const step = async (name: string, level: number, run: () => Promise<StepOutcome>): Promise<StepOutcome> => {
    try {
      const outcome = await run();
      if (outcome.written) report.written.push(outcome.written);
      return outcome;
    } catch (err) {
      report.errors.push({ step: name, message: message(err) });
      settings.logger?.warn({ step: name, err: message(err) }, 'maintenance step failed');
      return { level, status: 'failed', reason: message(err) };
    }
  };
  // Before the levels: once the first image is in L9, every level starts after it instead of carrying it again.
  if (settings.promoteFirstSnapshot) report.promoted = await step('promote first snapshot', SNAPSHOT_LEVEL, () => promoteFirstSnapshot(client, settings));
  for (let level = 1; level <= settings.levels.length; level++) {
    report.levels.push(await step(`compact L${level}`, level, () => compactLevel(client, level, settings, now)));
  }
  report.snapshot = await step('snapshot', SNAPSHOT_LEVEL, () => buildSnapshot(client, settings, now));
  if (settings.skipRetention) {
    report.retention.notes.push('retention not due in this pass');
    return report;
  }
  try {
    report.retention = await enforceRetention(client, settings, now);
    report.deleted = report.retention.deleted;
  } catch (err) {
    report.errors.push({ step: 'retention', message: message(err) });
  }
  return report;
}
