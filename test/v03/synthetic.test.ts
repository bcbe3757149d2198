// v0.3 restores from hand-cut replicas of a real SQLite WAL: several WAL indexes, a snapshot ahead of its segments, broken files.
import Database from 'better-sqlite3';
import lz4js from 'lz4js';
import { cp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { FileReplicaClient } from '../../core/replica/file.ts';
import { restoreV03 } from '../../core/v03/index.ts';
import { useTempDirs } from '../harness/tmp.ts';
import { litestreamMissing, litestreamRestore } from './litestream-v03.ts';
import { lz4, V03Writer, WalSource } from './synthetic-replica.ts';

const tempDir = useTempDirs({ scope: 'file' });
const SCHEMA = 'CREATE TABLE t(id INTEGER PRIMARY KEY, v BLOB); CREATE TABLE u(id INTEGER PRIMARY KEY);';
const BASE = Date.UTC(2026, 5, 1, 12, 0, 0);
const at = (ms: number): Date => new Date(BASE + ms);

/** Transaction i adds row i to t; transactions 4 to 6 also add row i to u, a table no other transaction touches. */
function txn(db: Database.Database, i: number): void {
  db.transaction(() => {
    db.prepare('INSERT INTO t VALUES (?, zeroblob(300))').run(i);
    if (i >= 4 && i <= 6) db.prepare('INSERT INTO u VALUES (?)').run(i);
  })();
}

function stateOf(path: string): { t: number[]; u: number[] } {
  const db = new Database(path, { readonly: true });
  try {
    const ids = (table: string): number[] => (db.prepare(`SELECT id FROM ${table} ORDER BY id`).all() as Array<{ id: number }>).map((r) => r.id);
    return { t: ids('t'), u: ids('u') };
  } finally {
    db.close();
  }
}

function expected(i: number): { t: number[]; u: number[] } {
  const range = (a: number, b: number): number[] => Array.from({ length: Math.max(0, b - a + 1) }, (_, k) => a + k);
  return { t: range(1, i), u: range(4, Math.min(i, 6)) };
}

describe('a snapshot that already holds frames uploaded after it', () => {
  let root: string;
  let out: string;
  let frames: number[];

  beforeAll(async () => {
    const dir = await tempDir('v03-ahead');
    root = join(dir, 'replica');
    out = join(dir, 'out.db');
    const src = new WalSource(join(dir, 'src.db'), SCHEMA);
    const w = new V03Writer(root);
    frames = [0];
    for (let i = 1; i <= 3; i++) {
      txn(src.db, i);
      frames.push(await src.frames());
    }
    await w.segment(0, 0, await src.wal(), at(1000));
    for (let i = 4; i <= 6; i++) {
      txn(src.db, i);
      frames.push(await src.frames());
    }
    // As Litestream v0.3 does before a snapshot: a passive checkpoint while a reader pins the WAL, then copy the file.
    const reader = new Database(src.path);
    reader.prepare('BEGIN').run();
    reader.prepare('SELECT count(*) FROM t').get();
    src.db.pragma('wal_checkpoint(PASSIVE)');
    await w.snapshot(0, await src.dbFile(), at(2000));
    for (let i = 7; i <= 9; i++) {
      txn(src.db, i);
      frames.push(await src.frames());
    }
    reader.prepare('COMMIT').run();
    reader.close();
    const wal = await src.wal();
    await w.segment(0, src.walOffset(frames[3]), wal.subarray(src.walOffset(frames[3]), src.walOffset(frames[6])), at(3000));
    await w.segment(0, src.walOffset(frames[6]), wal.subarray(src.walOffset(frames[6]), src.walOffset(frames[9])), at(4000));
    src.close();
  });

  it('restores the state the snapshot holds, not older frames replayed over newer pages', async () => {
    const r = await restoreV03(new FileReplicaClient(root), { outputPath: out, timestamp: at(2500), force: true, integrityCheck: 'full' });
    expect(stateOf(out)).toEqual(expected(6));
    expect(r.segments).toBe(1);
    expect(r.segmentsPastTarget).toBe(2);
    expect(r.framesHeldBySnapshot).toBe(frames[6] - frames[3]);
  });

  it.skipIf(litestreamMissing() !== undefined)('differs from Litestream v0.3.13, which restores a state that never existed here', async () => {
    const theirs = join(root, '..', 'litestream.db');
    const r = await litestreamRestore(['-o', theirs, '-timestamp', at(2500).toISOString(), pathToFileURL(root).href]);
    expect(r.code).toBe(0);
    expect(stateOf(theirs)).toEqual({ t: [1, 2, 3], u: [4, 5, 6] });
  });

  it('applies segments normally once they reach past the snapshot', async () => {
    const r = await restoreV03(new FileReplicaClient(root), { outputPath: out, timestamp: at(3500), force: true, integrityCheck: 'full' });
    expect(stateOf(out)).toEqual(expected(6));
    expect(r.framesHeldBySnapshot).toBe(0);
    await restoreV03(new FileReplicaClient(root), { outputPath: out, force: true, integrityCheck: 'full' });
    expect(stateOf(out)).toEqual(expected(9));
  });

  it('refuses a time before the only snapshot, naming it', async () => {
    await expect(restoreV03(new FileReplicaClient(root), { outputPath: join(root, '..', 'early.db'), timestamp: at(1500) })).rejects.toThrow(
      /no v0\.3 snapshot .* at or before it \(the earliest is generations\/0123456789abcdef\/snapshots\/00000000\.snapshot\.lz4/,
    );
  });
});

describe('several WAL indexes', () => {
  let root: string;
  let dir: string;
  /** [index, offset] of each segment written. */
  const segments: Array<[number, number]> = [];

  beforeAll(async () => {
    dir = await tempDir('v03-indexes');
    root = join(dir, 'replica');
    const src = new WalSource(join(dir, 'src.db'), SCHEMA);
    const w = new V03Writer(root);
    await w.snapshot(0, await src.dbFile(), at(0));
    let clock = 100;
    let seq = 0;
    for (let index = 0; index < 3; index++) {
      if (index === 2) await w.snapshot(2, await src.dbFile(), at(clock++));
      let offset = 0;
      for (let part = 0; part < 3; part++) {
        txn(src.db, ++seq);
        txn(src.db, ++seq);
        const wal = await src.wal();
        await w.segment(index, offset, wal.subarray(offset), at((clock += 100)));
        segments.push([index, offset]);
        offset = wal.length;
      }
      src.db.pragma('wal_checkpoint(TRUNCATE)'); // the next transaction starts WAL index + 1
    }
    src.close();
  });

  it('checkpoints each index in turn, from the first snapshot or the newest one', async () => {
    const client = new FileReplicaClient(root);
    // Segments at 200, 300, 400 (index 0), 500, 600, 700 (index 1), snapshot 2 at 700, segments at 801, 901, 1001.
    const early = await restoreV03(client, { outputPath: join(dir, 'a.db'), timestamp: at(550) });
    expect(stateOf(join(dir, 'a.db'))).toEqual(expected(8));
    expect({ snapshot: early.snapshotIndex, indexes: early.indexes, segments: early.segments }).toEqual({ snapshot: 0, indexes: 2, segments: 4 });
    const latest = await restoreV03(client, { outputPath: join(dir, 'b.db') });
    expect(stateOf(join(dir, 'b.db'))).toEqual(expected(18));
    expect({ snapshot: latest.snapshotIndex, indexes: latest.indexes, segments: latest.segments }).toEqual({ snapshot: 2, indexes: 1, segments: 3 });
  });

  /** Restores from a broken copy of the replica; the output must not exist afterwards. */
  async function brokenRestore(name: string, breakIt: (copy: V03Writer) => Promise<void>, timestamp?: Date): Promise<string> {
    const copyRoot = join(dir, `broken-${name}`);
    await cp(root, copyRoot, { recursive: true, preserveTimestamps: true });
    await breakIt(new V03Writer(copyRoot));
    const output = join(dir, `broken-${name}.db`);
    const err = await restoreV03(new FileReplicaClient(copyRoot), { outputPath: output, timestamp }).then(
      () => undefined,
      (e: unknown) => e as Error,
    );
    expect(err, `restore from ${name} should fail`).toBeInstanceOf(Error);
    expect((await readdir(dir)).filter((f) => f.startsWith(`broken-${name}.db`))).toEqual([]);
    return err!.message;
  }

  it('names the generation, index and offset of a missing segment', async () => {
    const [index, offset] = segments[1];
    const message = await brokenRestore('middle', (w) => rm(w.segmentPath(index, offset)), at(450));
    expect(message).toMatch(/generation 0123456789abcdef, WAL index 00000000: segment generations\/0123456789abcdef\/wal\/00000000_[0-9a-f]{8}\.wal\.lz4 starts at offset \d+ but the segments before it end at \d+/);
    expect(message).toContain('a segment is missing or overlaps');
  });

  it('names a missing first segment and a missing index', async () => {
    expect(await brokenRestore('first', (w) => rm(w.segmentPath(1, 0)), at(650))).toMatch(
      /WAL index 00000001: the first segment starts at offset [0-9a-f]{8}, not 0 \(generations\/0123456789abcdef\/wal\/00000001_00000000\.wal\.lz4 is missing\)/,
    );
    const gone = segments.filter(([i]) => i === 1);
    const dropIndex = async (w: V03Writer): Promise<void> => {
      await Promise.all([...gone.map(([i, o]) => rm(w.segmentPath(i, o))), rm(w.snapshotPath(2))]);
    };
    expect(await brokenRestore('index', dropIndex)).toMatch(
      /missing WAL index 00000001/,
    );
  });

  it('names a segment whose LZ4 frame or WAL frames are corrupt', async () => {
    const [index, offset] = segments[3];
    const truncate = async (w: V03Writer): Promise<void> => {
      const bytes = await readFile(w.segmentPath(index, offset));
      await w.rewrite(w.segmentPath(index, offset), bytes.subarray(0, bytes.length - 10));
    };
    expect(await brokenRestore('lz4', truncate, at(650))).toMatch(/00000001_00000000\.wal\.lz4 is not a valid LZ4 frame: truncated LZ4 frame/);
    const badFrame = async (w: V03Writer): Promise<void> => {
      const wal = Buffer.from(lz4js.decompress(await readFile(w.segmentPath(index, offset))));
      wal[32 + 24 + 100] ^= 0xff; // inside the first frame's page
      await w.rewrite(w.segmentPath(index, offset), lz4(wal));
    };
    expect(await brokenRestore('frame', badFrame, at(650))).toMatch(/00000001_00000000\.wal\.lz4 is unusable at WAL offset 32: frame checksum mismatch/);
    const notSqlite = (w: V03Writer): Promise<void> => w.rewrite(w.snapshotPath(0), lz4(Buffer.alloc(4096, 7)));
    expect(await brokenRestore('snapshot', notSqlite, at(450))).toMatch(/snapshot generations\/0123456789abcdef\/snapshots\/00000000\.snapshot\.lz4 does not hold a SQLite database/);
  });

  it('leaves an existing output untouched when a forced restore fails', async () => {
    const output = join(dir, 'keep.db');
    await writeFile(output, 'previous');
    const copyRoot = join(dir, 'broken-keep');
    await cp(root, copyRoot, { recursive: true, preserveTimestamps: true });
    await rm(new V03Writer(copyRoot).segmentPath(...segments[7]));
    await expect(restoreV03(new FileReplicaClient(copyRoot), { outputPath: output, force: true })).rejects.toThrow(/a segment is missing/);
    expect(await readFile(output, 'utf8')).toBe('previous');
    expect((await readdir(dir)).filter((f) => f.startsWith('keep.db'))).toEqual(['keep.db']);
  });
});

