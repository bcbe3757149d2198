// Retention against a real file replica: disabled deletes nothing, dry-run only reports, enabled keeps the window.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runMaintenance } from '../../core/compact/index.ts';
import type { MaintenanceSettings } from '../../core/compact/index.ts';
import { listReplica } from '../../core/listing/listing.ts';
import { FileReplicaClient } from '../../core/replica/file.ts';
import { restoreDatabase } from '../../core/restore/index.ts';
import { enforceRetention } from '../../core/retention/index.ts';
import { verifyReplica } from '../../core/verify/index.ts';
import { useTempDirs } from '../harness/tmp.ts';
import { makeHistory, T0 } from '../compact/history.ts';

const tempDir = useTempDirs();
const HOUR = 3_600_000;

function settings(extra: Partial<MaintenanceSettings> = {}): MaintenanceSettings {
  // TXID t is stamped T0 + t minutes: 90 transactions span an hour and a half.
  return { levels: [5 * 60_000, 30 * 60_000], snapshotInterval: HOUR, snapshotRetention: HOUR / 2, l0Retention: 10 * 60_000, retentionEnabled: true, ...extra };
}

async function replicaWithHistory() {
  const dir = await tempDir('retention');
  const history = await makeHistory(dir, 90, { seed: 5, stepMs: 60_000, vacuumEvery: 17 });
  const client = new FileReplicaClient(join(dir, 'replica'));
  // Commit and maintain in step, like an agent with `compaction: local`, but without retention yet.
  for (let txid = 1; txid <= 90; txid++) {
    await history.writeL0(client, txid, txid);
    if (txid % 10 === 0) await runMaintenance(client, settings({ retentionEnabled: false }), new Date(T0 + txid * 60_000 + 30_000));
  }
  return { dir, history, client };
}

async function fileCount(client: FileReplicaClient): Promise<number> {
  return (await listReplica(client)).flat().length;
}

describe('enforceRetention', () => {
  it('deletes nothing when retention is disabled, reports without deleting on dry run, then keeps the window', async () => {
    const { dir, history, client } = await replicaWithHistory();
    const now = new Date(T0 + 91 * 60_000);
    const total = await fileCount(client);

    const disabled = await enforceRetention(client, settings({ retentionEnabled: false }), now);
    expect(disabled.deleted).toEqual([]);
    expect(await fileCount(client)).toBe(total);

    const dry = await enforceRetention(client, settings(), now, { dryRun: true });
    expect(dry.deleted.length).toBeGreaterThan(10);
    expect(await fileCount(client)).toBe(total);

    const real = await enforceRetention(client, settings(), now);
    expect(real.deleted).toEqual(dry.deleted);
    expect(await fileCount(client)).toBe(total - real.deleted.length);
    expect(real.windowStartTXID).toBeGreaterThan(0);

    const report = await verifyReplica(client, { full: true });
    expect(report.problems.filter((p) => p.severity === 'error')).toEqual([]);
    // Every transaction of the last 10 minutes (l0-retention) restores exactly; so does the latest.
    for (const txid of [82, 85, 90]) {
      const out = join(dir, `r-${txid}.db`);
      await restoreDatabase(client, { outputPath: out, txid });
      expect((await readFile(out)).equals(history.state(txid).bytes)).toBe(true);
    }
    // The window start (the anchor snapshot) restores too.
    const out = join(dir, 'r-anchor.db');
    await restoreDatabase(client, { outputPath: out, txid: real.windowStartTXID });
    expect((await readFile(out)).equals(history.state(real.windowStartTXID).bytes)).toBe(true);
  });

  it('runMaintenance honours retentionEnabled: false', async () => {
    const { client } = await replicaWithHistory();
    const before = await fileCount(client);
    const report = await runMaintenance(client, settings({ retentionEnabled: false }), new Date(T0 + 10 * HOUR));
    expect(report.deleted).toEqual([]);
    expect(report.retention.enabled).toBe(false);
    expect(await fileCount(client)).toBe(before + report.written.length);
  });
});
