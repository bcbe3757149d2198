// The first image reaches L9 by copy and no level carries it again; maintenance is due only when it can do something.
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { maintenanceDue, retentionDue, runMaintenance, selectLevelInputs, selectPromotion } from '../../core/compact/index.ts';
import type { MaintenanceSettings } from '../../core/compact/index.ts';
import { listLevel } from '../../core/listing/listing.ts';
import type { LtxFileInfo } from '../../core/replica/client.ts';
import { FileReplicaClient } from '../../core/replica/file.ts';
import { IndexedReplicaClient, ReplicaIndex } from '../../core/replica/indexed.ts';
import { restoreDatabase } from '../../core/restore/index.ts';
import { invariantViolations } from '../../core/retention/invariant.ts';
import { restorePoints } from '../../core/retention/points.ts';
import { verifyReplica } from '../../core/verify/index.ts';
import { useTempDirs } from '../harness/tmp.ts';
import { makeHistory, readReplicaFile, T0 } from './history.ts';

const tempDir = useTempDirs();

function settings(extra: Partial<MaintenanceSettings> = {}): MaintenanceSettings {
  return { levels: [30_000, 300_000, 3_600_000], snapshotInterval: 86_400_000, snapshotRetention: 86_400_000, l0Retention: 300_000, retentionEnabled: true, ...extra };
}

function file(level: number, minTXID: number, maxTXID: number, at: number, size = 100): LtxFileInfo {
  return { level, minTXID, maxTXID, size, createdAt: new Date(at) };
}

describe('promotion of the first snapshot', () => {
  it('selects the L0 file starting at TXID 1 only while L9 has no snapshot', () => {
    const l0 = [file(0, 1, 1, T0, 5000), file(0, 2, 2, T0 + 1000)];
    expect(selectPromotion(l0, [])).toMatchObject({ level: 0, minTXID: 1, maxTXID: 1 });
    expect(selectPromotion(l0, [file(9, 1, 1, T0)])).toBeUndefined();
    expect(selectPromotion(l0.slice(1), [])).toBeUndefined();
  });

  it('starts an empty level after the newest snapshot, a running level after its own files', () => {
    const src = [1, 2, 3, 4].map((t) => file(0, t, t, T0 + t * 1000));
    const now = new Date(T0 + 60_000);
    expect(selectLevelInputs(src, [], 30_000, now, 1).inputs.map((f) => f.minTXID)).toEqual([2, 3, 4]);
    expect(selectLevelInputs(src, [], 30_000, now, 0).inputs.map((f) => f.minTXID)).toEqual([1, 2, 3, 4]);
    expect(selectLevelInputs(src, [file(1, 1, 2, T0)], 30_000, now, 1).inputs.map((f) => f.minTXID)).toEqual([3, 4]);
  });

  it('uploads the first image once: L9 is a copy of it, every level starts after it, and every TXID restores', async () => {
    const dir = await tempDir('promote');
    const history = await makeHistory(dir, 40, { seed: 3 });
    const client = new FileReplicaClient(join(dir, 'replica'));
    await history.writeL0(client);
    const s = settings({ promoteFirstSnapshot: true });
    // Three passes a window apart: L1, then L2, then L3 are written.
    for (const at of [T0 + 45_000, T0 + 301_000, T0 + 3_601_000]) {
      const report = await runMaintenance(client, s, new Date(at));
      expect(report.errors).toEqual([]);
    }
    const [l9, l1, l2, l3] = await Promise.all([9, 1, 2, 3].map((level) => listLevel(client, level)));
    expect(l9.map((f) => [f.minTXID, f.maxTXID])).toEqual([[1, 1]]);
    expect(await readReplicaFile(client, l9[0])).toEqual(Buffer.from(history.state(1).l0));
    for (const level of [l1, l2, l3]) for (const f of level) expect(f.minTXID).toBeGreaterThan(1);
    expect(l1[0].minTXID).toBe(2);

    const all = (await Promise.all([0, 1, 2, 3, 9].map((level) => listLevel(client, level)))).flat();
    expect(restorePoints(all)).toContain(40);
    const report = await verifyReplica(client, { full: true });
    expect(report.problems.filter((p) => p.severity === 'error')).toEqual([]);
    // Retention kept the ends of compacted files (29: the first L1 file) and the newest state.
    for (const txid of [1, 29, 40]) {
      const out = join(dir, `restored-${txid}.db`);
      await restoreDatabase(client, { outputPath: out, txid, integrityCheck: 'full' });
      expect((await readFile(out)).equals(history.state(txid).bytes)).toBe(true);
    }
  });

  it('keeps the retention invariant after the promoted snapshot ages and retention deletes L0', async () => {
    const dir = await tempDir('promote-retention');
    const history = await makeHistory(dir, 30, { seed: 5 });
    const client = new FileReplicaClient(join(dir, 'replica'));
    await history.writeL0(client);
    const s = settings({ promoteFirstSnapshot: true, l0Retention: 0 });
    const before = (await Promise.all([0, 1, 2, 3, 9].map((level) => listLevel(client, level)))).flat();
    const now = new Date(T0 + 45_000);
    const report = await runMaintenance(client, s, now);
    expect(report.errors).toEqual([]);
    // L0 1..28 go: the L9 copy and L1 (from TXID 2) cover them; the newest L0 file stays.
    expect(report.deleted.filter((f) => f.level === 0).map((f) => f.maxTXID)).toEqual(Array.from({ length: 29 }, (_, i) => i + 1));
    const after = (await Promise.all([0, 1, 2, 3, 9].map((level) => listLevel(client, level)))).flat();
    const written = report.written.map((f) => ({ ...f }));
    expect(invariantViolations([...before, ...written], after, s, now)).toEqual([]);
    const out = join(dir, 'restored.db');
    await restoreDatabase(client, { outputPath: out, integrityCheck: 'full' });
    expect((await readFile(out)).equals(history.state(30).bytes)).toBe(true);
  });
});

describe('when maintenance is due', () => {
  const s = settings();
  const settled = [file(0, 1, 1, T0), file(9, 1, 1, T0), file(0, 2, 2, T0 + 1000), file(1, 2, 2, T0 + 30_000), file(2, 2, 2, T0 + 300_000), file(3, 2, 2, T0 + 3_600_000)];

  it('is due for the first pass and while the first image is not promoted', () => {
    expect(maintenanceDue(settled, s, undefined, new Date(T0))).toBe(true);
    expect(maintenanceDue([file(0, 1, 1, T0)], s, T0 + 10_000, new Date(T0 + 20_000))).toBe(true);
  });

  it('is not due for an idle, fully compacted replica, however many windows close', () => {
    for (const at of [T0 + 3_700_000, T0 + 5 * 3_600_000, T0 + 23 * 3_600_000]) expect(maintenanceDue(settled, s, at - 10_000, new Date(at))).toBe(false);
  });

  it('is due when a level is behind its source and its window closed since the last pass', () => {
    const files = [...settled, file(0, 3, 3, T0 + 3_600_005)];
    expect(maintenanceDue(files, s, T0 + 3_600_010, new Date(T0 + 3_600_020))).toBe(false);
    expect(maintenanceDue(files, s, T0 + 3_600_010, new Date(T0 + 3_630_000))).toBe(true);
  });

  it('is due once a day for the snapshot when the levels are ahead of it', () => {
    const day = 86_400_000;
    expect(maintenanceDue(settled, s, T0 + day - 10_000, new Date(T0 + day))).toBe(true);
  });

  it('runs retention when a file ages, in batches of the L2 window, and never when disabled', () => {
    const files = [file(0, 5, 5, T0 + 1_000)];
    // Aged at T0 + 301 s, rounded up to the 5 min grain: T0 + 600 s.
    expect(retentionDue(files, s, T0 + 290_000, new Date(T0 + 310_000))).toBe(false);
    expect(retentionDue(files, s, T0 + 590_000, new Date(T0 + 600_000))).toBe(true);
    expect(retentionDue(files, s, T0 + 600_000, new Date(T0 + 900_000))).toBe(false);
    expect(retentionDue(files, { ...s, retentionEnabled: false }, undefined, new Date(T0))).toBe(false);
  });
});

describe('indexed replica client', () => {
  it('lists once, then answers from its own writes, copies and deletes', async () => {
    const dir = await tempDir('indexed');
    const inner = new FileReplicaClient(join(dir, 'replica'));
    let lists = 0;
    const counting = Object.assign(Object.create(inner) as FileReplicaClient, {
      listLtxFiles: (level: number) => {
        lists++;
        return inner.listLtxFiles(level);
      },
    });
    const history = await makeHistory(dir, 3, { seed: 9 });
    await history.writeL0(inner, 1, 1);
    const client = new IndexedReplicaClient(counting, new ReplicaIndex());
    expect((await listLevel(client, 0)).map((f) => f.maxTXID)).toEqual([1]);
    const listed = lists;
    await history.writeL0(client, 2, 3);
    await client.copyLtxFile!({ level: 0, minTXID: 1, maxTXID: 1 }, { level: 9, minTXID: 1, maxTXID: 1 });
    await client.deleteLtxFiles([{ level: 0, minTXID: 2, maxTXID: 2 }]);
    expect((await listLevel(client, 0)).map((f) => f.maxTXID)).toEqual([1, 3]);
    expect((await listLevel(client, 9)).map((f) => f.maxTXID)).toEqual([1]);
    expect(lists).toBe(listed);
    // The index agrees with the replica.
    expect((await listLevel(inner, 0)).map((f) => f.maxTXID)).toEqual([1, 3]);
    client.index.invalidate();
    await listLevel(client, 0);
    expect(lists).toBeGreaterThan(listed);
  });

  it('reads L0 files from the local copy when there is one, else from the replica', async () => {
    const dir = await tempDir('indexed-local');
    const inner = new FileReplicaClient(join(dir, 'replica'));
    const history = await makeHistory(dir, 2, { seed: 4 });
    await history.writeL0(inner);
    const local = join(dir, 'local-2.ltx');
    await writeFile(local, history.state(2).l0);
    const opened: number[] = [];
    const counting = Object.assign(Object.create(inner) as FileReplicaClient, {
      openLtxFile: (ref: { level: number; minTXID: number; maxTXID: number }) => {
        opened.push(ref.maxTXID);
        return inner.openLtxFile(ref);
      },
    });
    const client = new IndexedReplicaClient(counting, new ReplicaIndex(), { localL0Path: (txid) => (txid === 2 ? local : join(dir, 'gone.ltx')) });
    expect(await readReplicaFile(client, { level: 0, minTXID: 2, maxTXID: 2 })).toEqual(Buffer.from(history.state(2).l0));
    expect(await readReplicaFile(client, { level: 0, minTXID: 1, maxTXID: 1 })).toEqual(Buffer.from(history.state(1).l0));
    expect(opened).toEqual([1]);
  });
});
