// Compaction and snapshots against a file replica built from a real SQLite history: same database as applying L0.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildSnapshot, compactLevel, runMaintenance } from '../../core/compact/index.ts';
import type { MaintenanceSettings } from '../../core/compact/index.ts';
import { mergeFilesToReplica } from '../../core/compact/merge.ts';
import { listLevel } from '../../core/listing/listing.ts';
import { decodeLtxBuffer } from '../../core/ltx/decoder.ts';
import { FileReplicaClient } from '../../core/replica/file.ts';
import { restoreDatabase } from '../../core/restore/index.ts';
import { verifyReplica } from '../../core/verify/index.ts';
import { useTempDirs } from '../harness/tmp.ts';
import { makeHistory, readReplicaFile, T0 } from './history.ts';
import type { History } from './history.ts';

const tempDir = useTempDirs();

function settings(extra: Partial<MaintenanceSettings> = {}): MaintenanceSettings {
  return { levels: [30_000, 300_000, 3_600_000], snapshotInterval: 86_400_000, snapshotRetention: 86_400_000, l0Retention: 300_000, retentionEnabled: true, ...extra };
}

async function restoredBytes(client: FileReplicaClient, dir: string, txid?: number): Promise<Buffer> {
  const out = join(dir, `restored-${txid ?? 'latest'}-${Math.random().toString(36).slice(2)}.db`);
  await restoreDatabase(client, { outputPath: out, txid, integrityCheck: 'full' });
  return readFile(out);
}

/** Pages of an LTX snapshot laid out as a database file. */
async function snapshotAsDatabase(bytes: Uint8Array): Promise<Buffer> {
  const { header, pages } = await decodeLtxBuffer(bytes, 'snapshot');
  const out = Buffer.alloc(header.commit * header.pageSize);
  expect(pages.map((p) => p.pgno)).toEqual(Array.from({ length: header.commit }, (_, i) => i + 1));
  for (const p of pages) out.set(p.data, (p.pgno - 1) * header.pageSize);
  return out;
}

async function setup(steps: number, vacuumEvery = 0): Promise<{ client: FileReplicaClient; history: History; dir: string }> {
  const dir = await tempDir('compact');
  const history = await makeHistory(dir, steps, { seed: steps, vacuumEvery });
  const client = new FileReplicaClient(join(dir, 'replica'));
  await history.writeL0(client);
  return { client, history, dir };
}

describe('level compaction', () => {
  it('merges the L0 files of finished windows into one L1 file that restores to the same database', async () => {
    const { client, history, dir } = await setup(40, 9);
    // TXID t is stamped T0 + t s; the file replica's creation time is that stamp. Window [T0+30s, T0+60s) is current.
    const outcome = await compactLevel(client, 1, settings(), new Date(T0 + 35_000));
    expect(outcome.status).toBe('written');
    expect(outcome.written).toMatchObject({ level: 1, minTXID: 1, maxTXID: 29 });
    expect(outcome.inputs).toHaveLength(29);

    const again = await compactLevel(client, 1, settings(), new Date(T0 + 35_000));
    expect(again.status).toBe('up-to-date');
    const next = await compactLevel(client, 1, settings(), new Date(T0 + 61_000));
    expect(next.written).toMatchObject({ minTXID: 30, maxTXID: 40 });

    // Restoring through L1 (the planner prefers the compacted files) equals the database at each point.
    expect((await restoredBytes(client, dir, 29)).equals(history.state(29).bytes)).toBe(true);
    expect((await restoredBytes(client, dir)).equals(history.state(40).bytes)).toBe(true);
    expect((await restoredBytes(client, dir, 17)).equals(history.state(17).bytes)).toBe(true);
  });

  it('writes the same key with the same bytes from the same inputs (deterministic)', async () => {
    const a = await setup(25);
    const b = await setup(25);
    const now = new Date(T0 + 3_600_000);
    const ra = await compactLevel(a.client, 1, settings(), now);
    const rb = await compactLevel(b.client, 1, settings(), now);
    expect(ra.written).toMatchObject({ minTXID: 1, maxTXID: 25 });
    expect(rb.written).toMatchObject({ minTXID: 1, maxTXID: 25 });
    const bytesA = await readReplicaFile(a.client, ra.written!);
    const bytesB = await readReplicaFile(b.client, rb.written!);
    expect(bytesA.equals(bytesB)).toBe(true);

    // Merging in batches through temporary files gives the same file when nothing was truncated.
    const l0 = await listLevel(a.client, 0);
    const batched = await mergeFilesToReplica(a.client, l0, 2, { fanIn: 3 });
    const batchedBytes = await readReplicaFile(a.client, batched.file);
    expect(batchedBytes.subarray(100).equals(bytesA.subarray(100))).toBe(true);
  });

  it('writes nothing and reports the file when an input is corrupt', async () => {
    const { client } = await setup(6);
    const victim = join(client.root, 'ltx', '0', '0000000000000003-0000000000000003.ltx');
    const bytes = await readFile(victim);
    bytes[bytes.length - 30] ^= 0xff;
    const { writeFile, utimes } = await import('node:fs/promises');
    await writeFile(victim, bytes);
    await utimes(victim, new Date(T0 + 3_000), new Date(T0 + 3_000));
    await expect(compactLevel(client, 1, settings(), new Date(T0 + 3_600_000))).rejects.toThrow(/0000000000000003-0000000000000003/);
    expect(await listLevel(client, 1)).toEqual([]);
  });
});

describe('racing a deletion', () => {
  it('a run whose input disappears between listing and reading fails and leaves nothing behind', async () => {
    const { client } = await setup(8);
    // A real interleaving: another process deletes a listed file just before this run opens it.
    let deleted = false;
    const racing = Object.create(client) as FileReplicaClient;
    racing.openLtxFile = async (ref, range) => {
      if (!deleted && ref.level === 0 && ref.minTXID === 4) {
        deleted = true;
        await client.deleteLtxFiles([ref]);
      }
      return client.openLtxFile(ref, range);
    };
    await expect(compactLevel(racing, 1, settings(), new Date(T0 + 3_600_000))).rejects.toThrow(/not found.*0000000000000004-0000000000000004/);
    expect(await listLevel(client, 1)).toEqual([]);
    const { readdir } = await import('node:fs/promises');
    expect(await readdir(join(client.root, 'ltx', '1')).catch(() => [])).toEqual([]);
  });
});

describe('snapshots by merge', () => {
  it('builds the first snapshot from L0 and later ones from the previous snapshot plus levels', async () => {
    const { client, history, dir } = await setup(30, 7);
    const first = await buildSnapshot(client, settings(), new Date(T0 + 20_000));
    expect(first.written).toMatchObject({ level: 9, minTXID: 1, maxTXID: 30 });
    expect((await snapshotAsDatabase(await readReplicaFile(client, first.written!))).equals(history.state(30).bytes)).toBe(true);

    // More transactions, compacted into L1, then the next day's snapshot merges snapshot + L1 + L0.
    const more = await makeHistory(dir, 45, { seed: 30, vacuumEvery: 7 });
    expect(more.state(30).bytes.equals(history.state(30).bytes)).toBe(true);
    await more.writeL0(client, 31, 45);
    await compactLevel(client, 1, settings(), new Date(T0 + 3_600_000));
    const second = await buildSnapshot(client, settings(), new Date(T0 + 86_400_000 + 5_000));
    expect(second.written).toMatchObject({ level: 9, minTXID: 1, maxTXID: 45 });
    expect(second.inputs?.[0]).toEqual({ level: 9, minTXID: 1, maxTXID: 30 });
    expect(second.inputs?.some((r) => r.level === 1)).toBe(true);
    expect((await snapshotAsDatabase(await readReplicaFile(client, second.written!))).equals(more.state(45).bytes)).toBe(true);
    expect((await restoredBytes(client, dir)).equals(more.state(45).bytes)).toBe(true);

    const same = await buildSnapshot(client, settings(), new Date(T0 + 86_400_000 + 6_000));
    expect(['up-to-date', 'not-due']).toContain(same.status);
  });
});

describe('runMaintenance', () => {
  it('duplicated and concurrent passes leave a replica that verifies and restores', async () => {
    const { client, history, dir } = await setup(60, 11);
    const nowA = new Date(T0 + 45_000);
    const passes = await Promise.all([runMaintenance(client, settings(), nowA), runMaintenance(client, settings(), nowA)]);
    for (const p of passes) expect(p.errors).toEqual([]);
    const later = new Date(T0 + 86_400_000 * 3);
    await Promise.all([runMaintenance(client, settings(), later), runMaintenance(client, settings(), later), runMaintenance(client, settings(), later)]);
    const report = await verifyReplica(client, { full: true });
    expect(report.problems.filter((p) => p.severity === 'error')).toEqual([]);
    expect(report.ok).toBe(true);
    expect(report.restore?.txid).toBe(60);
    expect((await restoredBytes(client, dir)).equals(history.state(60).bytes)).toBe(true);
    expect((await listLevel(client, 9)).length).toBeGreaterThan(0);
  });
});
