// restoreDatabase against a file replica: latest, -txid, -timestamp, compacted levels, corrupt and missing files, overwrite rules.
import { existsSync } from 'node:fs';
import { cp, readdir, readFile, rm, stat, utimes, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checksumDatabaseFile } from '../../core/ltx/database.ts';
import { fileReplicaLtxPath } from '../../core/layout/names.ts';
import type { LtxFileRef, ReplicaClient } from '../../core/replica/client.ts';
import { FileReplicaClient } from '../../core/replica/file.ts';
import { NoBackupsError, OutputExistsError, RestoreInterruptedError, UnusableFilesError } from '../../core/restore/errors.ts';
import { restoreDatabase } from '../../core/restore/restore.ts';
import { listReplicaFiles } from '../../core/restore/list.ts';
import { refKey } from '../../core/restore/refs.ts';
import { decodeLtxBuffer } from '../../core/ltx/decoder.ts';
import { encodeLegacyLtx } from './legacy-ltx.ts';
import { makeTempDir, removeTempDir, useTempDirs } from '../harness/tmp.ts';
import type { ReplicaBuilder } from './replica-builder.ts';
import { buildSampleReplica } from './workload.ts';

const tempDir = useTempDirs();

/** Flips bytes in the middle of a stored object, as bit rot or a bad upload would. */
async function corrupt(path: string): Promise<void> {
  const bytes = await readFile(path);
  const { mtime } = await stat(path); // a file replica's write time is the mtime; bit rot leaves it alone
  const mid = Math.floor(bytes.length / 2);
  for (let i = mid; i < mid + 8; i++) bytes[i] ^= 0x5a;
  await writeFile(path, bytes);
  await utimes(path, mtime, mtime);
}

/** Copies a replica tree so each test can damage its own. */
async function copyReplica(from: string): Promise<FileReplicaClient> {
  const to = await tempDir('replica-copy');
  await cp(from, to, { recursive: true, preserveTimestamps: true });
  return new FileReplicaClient(to);
}

let sourceDir: string;
let replicaRoot: string;
let builder: ReplicaBuilder;

beforeAll(async () => {
  sourceDir = await makeTempDir('restore-src');
  replicaRoot = join(sourceDir, 'replica');
  const client = new FileReplicaClient(replicaRoot);
  builder = await buildSampleReplica(client, sourceDir, 12);
  await builder.compact(1, 1, 6);
  await builder.compact(1, 7, 12);
  await builder.snapshot(4);
});
afterAll(async () => removeTempDir(sourceDir));

async function expectSame(path: string, txid: number): Promise<void> {
  expect(await checksumDatabaseFile(path)).toBe(builder.shadows[txid - 1].checksum);
  expect(await readFile(path)).toEqual(await readFile(builder.shadows[txid - 1].path));
}

describe('restoreDatabase (file replica)', () => {
  it('restores the latest state through the snapshot and compacted files, creating the output directory', async () => {
    const out = join(await tempDir('out'), 'new', 'dir', 'db.sqlite');
    const progress: number[] = [];
    const result = await restoreDatabase(new FileReplicaClient(replicaRoot), { outputPath: out, integrityCheck: 'full', onProgress: (d) => progress.push(d) });
    expect(result.txid).toBe(12);
    expect(result.files.map((f) => `${f.level}:${f.minTXID}-${f.maxTXID}`)).toEqual(['1:1-6', '1:7-12']) // the L9 1-4 snapshot is covered by L1 1-6: not fetched;
    expect(result.pageSize).toBe(1024);
    expect(result.timestamp.getTime()).toBe(builder.shadows[11].timestamp.getTime());
    expect(progress.at(-1)).toBe(result.bytes);
    await expectSame(out, 12);
    expect(existsSync(`${out}.tmp`)).toBe(false);
  });

  it('restores every TXID exactly', async () => {
    const dir = await tempDir('out');
    for (let txid = 1; txid <= 12; txid++) {
      const out = join(dir, `db-${txid}.sqlite`);
      const result = await restoreDatabase(new FileReplicaClient(replicaRoot), { outputPath: out, txid, parallelism: 3, computeChecksum: true });
      expect(result.txid).toBe(txid);
      expect(result.checksum).toBe(builder.shadows[txid - 1].checksum);
      await expectSame(out, txid);
    }
  });

  it('restores to a timestamp using the written file times', async () => {
    const out = join(await tempDir('out'), 'db.sqlite');
    const at = new Date(builder.shadows[7].timestamp.getTime() + 1); // just after TXID 8
    const result = await restoreDatabase(new FileReplicaClient(replicaRoot), { outputPath: out, timestamp: at });
    expect(result.txid).toBe(8);
    await expectSame(out, 8);
  });

  it('routes around a corrupt compacted file when L0 files cover it', async () => {
    const client = await copyReplica(replicaRoot);
    await corrupt(fileReplicaLtxPath(client.root, { level: 1, minTXID: 7, maxTXID: 12 }));
    const out = join(await tempDir('out'), 'db.sqlite');
    const result = await restoreDatabase(client, { outputPath: out });
    expect(result.txid).toBe(12);
    expect(result.skipped.map((s) => s.file)).toEqual([{ level: 1, minTXID: 7, maxTXID: 12, size: expect.any(Number), createdAt: expect.any(Date) }]);
    expect(result.skipped[0].reason).toMatch(/checksum|LZ4|offset/);
    expect(result.files.filter((f) => f.level === 0).map((f) => f.minTXID)).toEqual([7, 8, 9, 10, 11, 12]);
    await expectSame(out, 12);
  });

  it('names the key and TXID range when no plan avoids a corrupt file, and leaves no output', async () => {
    const client = await copyReplica(replicaRoot);
    const bad: LtxFileRef = { level: 1, minTXID: 7, maxTXID: 12 };
    await corrupt(fileReplicaLtxPath(client.root, bad));
    await rm(fileReplicaLtxPath(client.root, { level: 0, minTXID: 9, maxTXID: 9 }));
    const dir = await tempDir('out');
    const out = join(dir, 'db.sqlite');
    const error = await restoreDatabase(client, { outputPath: out }).catch((err: unknown) => err);
    expect(error).toBeInstanceOf(UnusableFilesError);
    const unusable = error as UnusableFilesError;
    expect(unusable.files.map((f) => f.key)).toEqual([`${client.location}/ltx/1/0000000000000007-000000000000000c.ltx`]);
    expect(unusable).toMatchObject({ target: 12, restorable: 8 });
    expect(unusable.message).toContain('to TXID 000000000000000c (the newest it holds)');
    expect(unusable.message).toContain('-txid 0000000000000008');
    expect(await readdir(dir)).toEqual([]);
  });

  it('never restores older than the newest TXID: a corrupt newest L0 file fails naming it and the -txid to use', async () => {
    const client = await copyReplica(replicaRoot);
    await rm(fileReplicaLtxPath(client.root, { level: 1, minTXID: 7, maxTXID: 12 })); // only L0 files hold TXIDs 7-12
    const newest = { level: 0, minTXID: 12, maxTXID: 12 };
    await corrupt(fileReplicaLtxPath(client.root, newest));
    const dir = await tempDir('out');
    const out = join(dir, 'db.sqlite');
    const error = await restoreDatabase(client, { outputPath: out }).catch((err: unknown) => err);
    expect(error).toBeInstanceOf(UnusableFilesError);
    const unusable = error as UnusableFilesError;
    expect(unusable).toMatchObject({ target: 12, restorable: 11 });
    expect(unusable.files.map((f) => f.key)).toEqual([`${client.location}/ltx/0/000000000000000c-000000000000000c.ltx`]);
    expect(unusable.message).toMatch(/^cannot restore .* to TXID 000000000000000c \(the newest it holds\): 1 file it needs is unusable:\n  .*000000000000000c-000000000000000c\.ltx: offset \d+/);
    expect(unusable.message).toContain('the newest TXID that can be restored is 000000000000000b (TXID 000000000000000c would be lost); to accept that, run restore again with -txid 000000000000000b');
    expect(await readdir(dir)).toEqual([]);
    // The same for an explicit TXID and a timestamp: nothing older than asked.
    await expect(restoreDatabase(client, { outputPath: out, txid: 12 })).rejects.toThrow(/to TXID 000000000000000c: 1 file/);
    const at = new Date(builder.shadows[11].timestamp.getTime() + 1);
    await expect(restoreDatabase(client, { outputPath: out, timestamp: at })).rejects.toThrow(`to TXID 000000000000000c (the newest before ${at.toISOString()})`);
    expect(await readdir(dir)).toEqual([]);
    // The TXID the error names really restores.
    const result = await restoreDatabase(client, { outputPath: out, txid: unusable.restorable });
    expect(result.txid).toBe(11);
    await expectSame(out, 11);
  });

  it('reads the fallback plan through before naming its TXID, and leaves out a bad file it finds there', async () => {
    const client = await copyReplica(replicaRoot);
    await corrupt(fileReplicaLtxPath(client.root, { level: 1, minTXID: 7, maxTXID: 12 }));
    await rm(fileReplicaLtxPath(client.root, { level: 0, minTXID: 10, maxTXID: 10 }));
    await corrupt(fileReplicaLtxPath(client.root, { level: 0, minTXID: 8, maxTXID: 8 })); // never read by the failed attempt
    const error = await restoreDatabase(client, { outputPath: join(await tempDir('out'), 'db.sqlite') }).catch((err: unknown) => err);
    expect(error).toBeInstanceOf(UnusableFilesError);
    const unusable = error as UnusableFilesError;
    expect(unusable.files.map((f) => `${f.ref.level}:${f.ref.minTXID}`)).toEqual(['1:7', '0:8']);
    expect(unusable).toMatchObject({ target: 12, restorable: 7 });
  });

  it('an aborted signal stops the restore and removes the partial output', async () => {
    const dir = await tempDir('out');
    const controller = new AbortController();
    const restoring = restoreDatabase(new FileReplicaClient(replicaRoot), {
      outputPath: join(dir, 'db.sqlite'), parallelism: 1, signal: controller.signal, onProgress: () => controller.abort('SIGTERM'),
    });
    await expect(restoring).rejects.toThrow(RestoreInterruptedError);
    await expect(restoring).rejects.toThrow(/^restore interrupted \(SIGTERM\); (removed the partial output .*db\.sqlite\.tmp|nothing was written)$/);
    expect(await readdir(dir)).toEqual([]);
  });

  it('re-plans when a planned file disappears before it is read', async () => {
    const inner = await copyReplica(replicaRoot);
    const gone: LtxFileRef = { level: 1, minTXID: 1, maxTXID: 6 };
    const client: ReplicaClient = Object.assign(Object.create(inner) as FileReplicaClient, {
      async openLtxFile(ref: LtxFileRef, range?: { offset: number; length?: number }) {
        if (ref.level === gone.level && ref.minTXID === gone.minTXID) await rm(fileReplicaLtxPath(inner.root, gone), { force: true });
        return inner.openLtxFile(ref, range);
      },
    });
    const out = join(await tempDir('out'), 'db.sqlite');
    const result = await restoreDatabase(client, { outputPath: out });
    expect(result.skipped[0].reason).toMatch(/not found/);
    await expectSame(out, 12);
  });

  it('refuses to overwrite an existing database unless forced, and drops its stale WAL', async () => {
    const dir = await tempDir('out');
    const out = join(dir, 'db.sqlite');
    await writeFile(out, 'existing');
    await expect(restoreDatabase(new FileReplicaClient(replicaRoot), { outputPath: out })).rejects.toBeInstanceOf(OutputExistsError);
    expect(await readFile(out, 'utf8')).toBe('existing');
    await writeFile(`${out}-wal`, 'stale wal');
    await restoreDatabase(new FileReplicaClient(replicaRoot), { outputPath: out, force: true, txid: 5 });
    await expectSame(out, 5);
    expect(existsSync(`${out}-wal`)).toBe(false);
  });

  it('restores a WAL-mode database and leaves no -wal/-shm files behind after the check', async () => {
    const dir = await tempDir('wal-src');
    const client = new FileReplicaClient(join(dir, 'replica'));
    const wal = await buildSampleReplica(client, dir, 4, { wal: true });
    const outDir = await tempDir('out');
    const out = join(outDir, 'db.sqlite');
    await restoreDatabase(client, { outputPath: out, integrityCheck: 'full' });
    expect((await readFile(out))[18]).toBe(2); // the WAL-mode marker is restored as written
    expect(await checksumDatabaseFile(out)).toBe(wal.shadows[3].checksum);
    expect(await readdir(outDir)).toEqual(['db.sqlite']);
  });

  it('reads legacy LZ4-frame files written by Litestream v0.5.0-v0.5.4 mixed with current ones', async () => {
    const client = await copyReplica(replicaRoot);
    for (let txid = 1; txid <= 5; txid++) {
      const ref = { level: 0, minTXID: txid, maxTXID: txid };
      const decoded = await decodeLtxBuffer(await readFile(fileReplicaLtxPath(client.root, ref)), 'v3');
      await client.writeLtxFile(ref, encodeLegacyLtx(decoded.header, decoded.pages));
    }
    const legacy = await readFile(fileReplicaLtxPath(client.root, { level: 0, minTXID: 2, maxTXID: 2 }));
    expect(legacy.readUInt16BE(100 + 4)).toBe(0); // first page frame has no size flag
    const out = join(await tempDir('out'), 'db.sqlite');
    const l0Only = new Set((await listReplicaFiles(client)).filter((f) => f.level !== 0).map(refKey));
    const result = await restoreDatabase(client, { outputPath: out, txid: 7, exclude: l0Only });
    expect(result.files.map((f) => f.minTXID)).toEqual([1, 2, 3, 4, 5, 6, 7]);
    await expectSame(out, 7);
  });

  it('reports an empty replica as having no backups', async () => {
    const out = join(await tempDir('out'), 'db.sqlite');
    await expect(restoreDatabase(new FileReplicaClient(await tempDir('empty')), { outputPath: out })).rejects.toBeInstanceOf(NoBackupsError);
  });
});
