// verifyReplica finds a corrupted byte in every region of a file, gaps, overlaps, bad names and broken restores.
import { readFile, utimes, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildSnapshot, compactLevel } from '../../core/compact/index.ts';
import type { MaintenanceSettings } from '../../core/compact/index.ts';
import { fileReplicaLtxPath } from '../../core/layout/names.ts';
import { decodeLtxBuffer } from '../../core/ltx/decoder.ts';
import type { LtxFileRef } from '../../core/replica/client.ts';
import { FileReplicaClient } from '../../core/replica/file.ts';
import { verifyReplica } from '../../core/verify/index.ts';
import type { VerifyReport } from '../../core/verify/index.ts';
import { useTempDirs } from '../harness/tmp.ts';
import { makeHistory, T0 } from '../compact/history.ts';

const tempDir = useTempDirs();
const settings: MaintenanceSettings = { levels: [30_000], snapshotInterval: 86_400_000, snapshotRetention: 86_400_000, l0Retention: 300_000, retentionEnabled: true };

async function replica(steps = 12) {
  const dir = await tempDir('verify');
  const history = await makeHistory(dir, steps, { seed: 9 });
  const client = new FileReplicaClient(join(dir, 'replica'));
  await history.writeL0(client);
  return { dir, history, client };
}

async function corrupt(client: FileReplicaClient, ref: LtxFileRef, offset: (bytes: Buffer, index: { offset: number; size: number }[]) => number): Promise<number> {
  const path = fileReplicaLtxPath(client.root, ref);
  const bytes = await readFile(path);
  const { index } = await decodeLtxBuffer(bytes, path);
  const at = offset(bytes, index);
  const { mtime } = await import('node:fs').then((fs) => fs.statSync(path));
  bytes[at] ^= 0x5a;
  await writeFile(path, bytes);
  await utimes(path, mtime, mtime);
  return at;
}

function errors(report: VerifyReport) {
  return report.problems.filter((p) => p.severity === 'error');
}

describe('verifyReplica', () => {
  it('passes a clean replica, including a full restore with integrity_check', async () => {
    const { client } = await replica();
    await compactLevel(client, 1, settings, new Date(T0 + 3_600_000));
    await buildSnapshot(client, settings, new Date(T0 + 3_600_000));
    const report = await verifyReplica(client, { full: true });
    expect(report.problems).toEqual([]);
    expect(report.ok).toBe(true);
    expect(report.files).toBe(14);
    expect(report.restore).toMatchObject({ txid: 12, integrity: 'ok' });
    expect(report.levels.map((l) => l.level)).toEqual([0, 1, 9]);
  });

  const regions: Array<[string, (bytes: Buffer, index: { offset: number; size: number }[]) => number]> = [
    ['header (page size)', () => 9],
    ['header (timestamp)', () => 39],
    ['first page frame header', (_b, index) => index[0].offset + 1],
    ['page payload', (_b, index) => index[0].offset + 14],
    ['last page payload', (_b, index) => index[index.length - 1].offset + index[index.length - 1].size - 1],
    ['end-of-pages marker', (_b, index) => index[index.length - 1].offset + index[index.length - 1].size + 5],
    ['page index', (b) => b.length - 16 - 8 - 2],
    ['index length', (b) => b.length - 16 - 1],
    ['trailer post-apply checksum', (b) => b.length - 12],
    ['trailer file checksum', (b) => b.length - 1],
  ];
  for (const [region, offset] of regions) {
    it(`names the file when a byte is corrupted in the ${region}`, async () => {
      const { client } = await replica(6);
      const ref = { level: 0, minTXID: 1, maxTXID: 1 };
      const at = await corrupt(client, ref, offset);
      const report = await verifyReplica(client);
      expect(report.ok).toBe(false);
      const found = errors(report);
      expect(found.length, `byte ${at}`).toBeGreaterThan(0);
      expect(found[0].key).toContain('ltx/0/0000000000000001-0000000000000001.ltx');
      expect(['checksum', 'header']).toContain(found[0].kind);
    });
  }

  it('reports gaps, harmless overlaps as warnings, names that disagree with headers and non-snapshots in L9', async () => {
    const { client, history } = await replica(10);
    await client.deleteLtxFiles([{ level: 0, minTXID: 5, maxTXID: 5 }]);
    // An overlapping L1 pair: 1-3 and 2-4 built from the same L0 content.
    const { mergeFilesToReplica } = await import('../../core/compact/merge.ts');
    const l0 = [];
    for await (const f of client.listLtxFiles(0)) l0.push(f);
    await mergeFilesToReplica(client, l0.slice(0, 3), 1);
    await mergeFilesToReplica(client, l0.slice(1, 4), 1);
    // A file whose name says 7-7 but whose header says 8-8.
    await client.writeLtxFile({ level: 2, minTXID: 7, maxTXID: 7 }, history.state(8).l0);
    // A non-snapshot in the snapshot level.
    await client.writeLtxFile({ level: 9, minTXID: 9, maxTXID: 9 }, history.state(9).l0);

    const report = await verifyReplica(client);
    expect(report.ok).toBe(false);
    const kinds = report.problems.map((p) => `${p.kind}:${p.severity}:${p.level}:${p.minTXID}-${p.maxTXID}`);
    expect(kinds).toContain('gap:error:0:6-6');
    expect(kinds).toContain('overlap:warning:1:2-4');
    expect(kinds).toContain('name:error:2:7-7');
    expect(kinds).toContain('name:error:9:9-9');
    expect(kinds).toContain('missing:error:undefined:5-10');
  });

  it('reports the newest restorable TXID past a corrupt newest L0 file, and fully restores that TXID', async () => {
    const { client } = await replica(8);
    await corrupt(client, { level: 0, minTXID: 8, maxTXID: 8 }, (_b, index) => index[0].offset + 14);
    const report = await verifyReplica(client, { full: true });
    expect(report.ok).toBe(false);
    expect(report.restorableTXID).toBe(7);
    expect(report.restore).toMatchObject({ txid: 7, integrity: 'ok' });
    expect(errors(report).map((p) => `${p.kind}:${p.minTXID}-${p.maxTXID}`)).toEqual(['checksum:8-8', 'missing:8-8']);
    expect(errors(report)[1].message).toBe('a restore stops at TXID 0000000000000007: no chain of usable files reaches TXIDs 0000000000000008-0000000000000008; restore -txid 0000000000000007 restores up to there');
  });

  it('reports a replica with nothing to restore from', async () => {
    const { client } = await replica(4);
    await client.deleteLtxFiles([{ level: 0, minTXID: 1, maxTXID: 1 }]);
    const report = await verifyReplica(client, { full: true });
    expect(report.ok).toBe(false);
    expect(report.problems.map((p) => p.kind)).toContain('missing');
    expect(report.restorableTXID).toBe(0);
  });
});
