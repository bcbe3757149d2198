// Where maintenance passes run: small passes on the agent's thread, big ones in a worker that ends when idle.
import { afterEach, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { DEFAULT_MAINTENANCE_SETTINGS } from '../../core/compact/settings.ts';
import type { LtxFileInfo } from '../../core/replica/client.ts';
import { INLINE_PASS_MAX_BYTES, passInputBytes } from '../../agent/maintenance-placement.ts';
import { MaintenanceWorker } from '../../agent/maintenance-worker.ts';
import { useTempDirs } from '../harness/tmp.ts';

const tempDir = useTempDirs();
const MIB = 1024 * 1024;
const HOUR = 3_600_000;
const now = new Date(Date.UTC(2026, 5, 1, 12, 0, 10));
const settings = { levels: [30_000, 300_000], snapshotInterval: 24 * HOUR, promoteFirstSnapshot: true };

function file(level: number, minTXID: number, maxTXID: number, size: number, ageMs: number): LtxFileInfo {
  return { level, minTXID, maxTXID, size, createdAt: new Date(now.getTime() - ageMs) };
}

describe('passInputBytes', () => {
  it('counts the L0 files a due level compacts, after a snapshot promoted in the same pass', () => {
    // A new database: its first image in L0 (promoted to L9 by copy, so not read), then small changes.
    const files = [file(0, 1, 1, 50 * MIB, 60_000), file(0, 2, 2, 4096, 50_000), file(0, 3, 3, 4096, 40_000), file(0, 4, 4, 4096, 1000)];
    // TXID 4 was written in the current L1 window: the pass leaves it for the next one.
    expect(passInputBytes(files, settings, now)).toBe(2 * 4096);
  });

  it('counts the image when the snapshot is due, and nothing when no window closed', () => {
    const snapshot = file(9, 1, 10, 50 * MIB, 25 * HOUR);
    const changes = [file(1, 11, 12, 8192, 20 * HOUR), file(2, 11, 12, 8192, 20 * HOUR)];
    expect(passInputBytes([snapshot, ...changes], settings, now)).toBe(50 * MIB + 8192);
    const fresh = file(9, 1, 10, 50 * MIB, 1000);
    expect(passInputBytes([fresh, ...changes], settings, now)).toBe(0);
  });
});

describe('MaintenanceWorker', () => {
  let worker: MaintenanceWorker | undefined;
  afterEach(async () => {
    await worker?.close();
  });

  it('sends only passes above the inline limit to the worker', () => {
    worker = new MaintenanceWorker({ idleMs: 1000 });
    const big = [file(9, 1, 10, INLINE_PASS_MAX_BYTES + 1, 25 * HOUR), file(1, 11, 12, 1, 20 * HOUR)];
    const small = [file(9, 1, 10, 64 * 1024, 25 * HOUR), file(1, 11, 12, 1, 20 * HOUR)];
    expect(worker.inWorker(big, { ...DEFAULT_MAINTENANCE_SETTINGS, ...settings }, now)).toBe(true);
    expect(worker.inWorker(small, { ...DEFAULT_MAINTENANCE_SETTINGS, ...settings }, now)).toBe(false);
  });

  it('ends its thread after idleMs without a job and starts a new one for the next job', async () => {
    const dir = await tempDir('maintenance-worker');
    worker = new MaintenanceWorker({ idleMs: 200 });
    const replica = { type: 'file', path: join(dir, 'replica') } as const;
    const report = await worker.run(replica, { ...DEFAULT_MAINTENANCE_SETTINGS, tmpDir: dir }, new Date());
    expect(report.errors).toEqual([]);
    expect(worker.started).toBe(1);
    expect(worker.running).toBe(true);
    const deadline = Date.now() + 10_000;
    while (worker.running && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    expect(worker.running).toBe(false);
    expect((await worker.run(replica, { ...DEFAULT_MAINTENANCE_SETTINGS, tmpDir: dir }, new Date())).errors).toEqual([]);
    expect(worker.started).toBe(2);
  });
});
