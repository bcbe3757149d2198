// WAL reader: Litestream's fixture WALs, WALs written by real SQLite, checksum byte orders, resuming.
import { readFileSync, readdirSync, copyFileSync } from 'node:fs';
import { join } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { walChecksum } from '../../core/sqlite/wal-checksum.ts';
import { WAL_HEADER_SIZE, parseWalHeader, type WalHeader } from '../../core/sqlite/wal-format.ts';
import { WalReader, bufferSource, collectFrameSalts, readWalHeader } from '../../agent/wal/reader.ts';
import { collectWalSegment } from '../../agent/wal/segment.ts';
import { useTempDirs } from '../harness/tmp.ts';
import { sharedPath } from '../harness/shared.ts';

const FIXTURES = sharedPath('fixtures/litestream/testdata/wal-reader');
const tempDir = useTempDirs();

function fixture(name: string): Uint8Array {
  return new Uint8Array(readFileSync(join(FIXTURES, name, 'wal')));
}

function headerOf(bytes: Uint8Array): WalHeader {
  const h = readWalHeader(bytes);
  if (!h) throw new Error('expected a valid WAL header');
  return h;
}

function readAll(bytes: Uint8Array, opts: ConstructorParameters<typeof WalReader>[2] = {}) {
  const reader = new WalReader(bufferSource(bytes), headerOf(bytes), { chunkBytes: 8192, ...opts });
  const frames = [];
  for (const f of reader.frames()) {
    frames.push({ offset: f.offset, pgno: f.pgno, commit: f.commit, data: f.data.slice(), c: [f.checksum1, f.checksum2] });
  }
  return { frames, reader };
}

/** Straightforward reference of SQLite's walChecksumBytes, independent of the fast path. */
function referenceChecksum(bytes: Uint8Array, bigEndian: boolean, s0: number, s1: number): [number, number] {
  const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.length);
  for (let i = 0; i < bytes.length; i += 8) {
    s0 = (s0 + v.getUint32(i, !bigEndian) + s1) % 2 ** 32;
    s1 = (s1 + v.getUint32(i + 4, !bigEndian) + s0) % 2 ** 32;
  }
  return [s0, s1];
}

describe('Litestream wal-reader fixtures', () => {
  it('covers every fixture directory', () => {
    expect(readdirSync(FIXTURES).sort()).toEqual(['frame-checksum-mismatch', 'frame-salts', 'ok', 'salt-mismatch']);
  });

  it('ok: header fields, three frames with pgnos 1,2,2 and commits 0,2,2', () => {
    const bytes = fixture('ok');
    const h = headerOf(bytes);
    expect(h).toMatchObject({ bigEndianChecksums: false, version: 3007000, pageSize: 4096, checkpointSeq: 0, salt1: 1215669259, salt2: 2743985397 });
    const { frames, reader } = readAll(bytes);
    expect(frames.map((f) => f.pgno)).toEqual([1, 2, 2]);
    expect(frames.map((f) => f.commit)).toEqual([0, 2, 2]);
    expect(frames.map((f) => f.offset)).toEqual([32, 4152, 8272]);
    expect(Buffer.from(frames[0].data).equals(Buffer.from(bytes.subarray(56, 4152)))).toBe(true);
    expect(Buffer.from(frames[1].data).equals(Buffer.from(bytes.subarray(4176, 8272)))).toBe(true);
    expect(Buffer.from(frames[2].data).equals(Buffer.from(bytes.subarray(8296, 12392)))).toBe(true);
    expect(reader.stopReason).toBe('eof');
    expect(reader.position).toBe(12392);
  });

  it('ok: the committed segment keeps the latest page 2 and ends at EOF', () => {
    const bytes = fixture('ok');
    const seg = collectWalSegment(bufferSource(bytes), headerOf(bytes));
    expect(seg.commit).toBe(2);
    expect(seg.transactions).toBe(2);
    expect([...seg.pages.entries()].sort()).toEqual([[1, 32], [2, 8272]]);
    expect(seg.endOffset).toBe(12392);
    expect(seg.salt1).toBe(1215669259);
  });

  it('ok: resumes from a frame boundary seeded with the previous checksum', () => {
    const bytes = fixture('ok');
    const all = readAll(bytes).frames;
    const [c1, c2] = all[0].c;
    const resumed = readAll(bytes, { offset: 4152, seed: { s0: c1, s1: c2 } }).frames;
    expect(resumed.map((f) => f.offset)).toEqual([4152, 8272]);
    // A wrong seed breaks the chain on the first frame.
    const wrong = readAll(bytes, { offset: 4152, seed: { s0: c1 ^ 1, s1: c2 } });
    expect(wrong.frames).toHaveLength(0);
    expect(wrong.reader.stopReason).toBe('checksum-mismatch');
  });

  it('salt-mismatch: stops at the frame whose salt differs', () => {
    const { frames, reader } = readAll(fixture('salt-mismatch'));
    expect(frames.map((f) => f.pgno)).toEqual([1]);
    expect(reader.stopReason).toBe('salt-mismatch');
    expect(reader.position).toBe(4152);
    // Only an uncommitted frame is left, so nothing is usable.
    const seg = collectWalSegment(bufferSource(fixture('salt-mismatch')), headerOf(fixture('salt-mismatch')));
    expect(seg.transactions).toBe(0);
    expect(seg.endOffset).toBe(WAL_HEADER_SIZE);
  });

  it('frame-checksum-mismatch: stops at the frame with the bad running checksum', () => {
    const { frames, reader } = readAll(fixture('frame-checksum-mismatch'));
    expect(frames.map((f) => f.pgno)).toEqual([1]);
    expect(reader.stopReason).toBe('checksum-mismatch');
  });

  it('frame-salts: detects frames carrying salts from earlier WAL generations', () => {
    const bytes = fixture('frame-salts');
    const h = headerOf(bytes);
    expect(h.checkpointSeq).toBe(2);
    expect([h.salt1, h.salt2]).toEqual([463087947, 939071766]);
    const { frames, reader } = readAll(bytes);
    expect(frames).toHaveLength(2);
    expect(reader.stopReason).toBe('salt-mismatch');
    const salts = collectFrameSalts(bufferSource(bytes), h.pageSize);
    expect(salts).toEqual([
      [463087947, 939071766],
      [463087946, 52369758],
      [463087945, 330554727],
    ]);
    const foreign = salts.filter(([a, b]) => a !== h.salt1 || b !== h.salt2);
    expect(foreign).toHaveLength(2);
    // Scanning only up to the previous generation's salt stops before the oldest one.
    expect(collectFrameSalts(bufferSource(bytes), h.pageSize, [463087946, 52369758])).toHaveLength(2);
  });

  it('rejects broken headers the way SQLite does (treated as an empty WAL)', () => {
    const bytes = fixture('ok').slice(0, 32);
    expect(parseWalHeader(bytes.subarray(0, 20))).toMatch(/20 bytes/);
    const badMagic = bytes.slice();
    badMagic[3] = 0x99;
    expect(parseWalHeader(badMagic)).toMatch(/magic/);
    const badSum = bytes.slice();
    badSum[31] ^= 1;
    expect(parseWalHeader(badSum)).toMatch(/checksum/);
    const badSalt = bytes.slice();
    badSalt[17] ^= 1;
    expect(parseWalHeader(badSalt)).toMatch(/checksum/);
    expect(readWalHeader(new Uint8Array(0))).toBeNull();
  });
});

describe('checksum', () => {
  it('fast and reference paths agree in both byte orders, at any alignment', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 0, maxLength: 40 }), fc.boolean(), fc.nat(3), fc.nat(), fc.nat(), (raw, be, shift, a, b) => {
        const len = raw.length - (raw.length % 8);
        const buf = new Uint8Array(len + shift);
        buf.set(raw.subarray(0, len), shift);
        const sum = { s0: a >>> 0, s1: b >>> 0 };
        walChecksum(sum, be, buf, shift, len);
        expect([sum.s0, sum.s1]).toEqual(referenceChecksum(raw.subarray(0, len), be, a >>> 0, b >>> 0));
      }),
    );
  });

  it('reads a big-endian-checksum WAL (magic 0x377f0683) re-signed from the ok fixture', () => {
    const src = fixture('ok');
    const out = src.slice();
    const v = new DataView(out.buffer);
    v.setUint32(0, 0x377f0683);
    let [s0, s1] = referenceChecksum(out.subarray(0, 24), true, 0, 0);
    v.setUint32(24, s0);
    v.setUint32(28, s1);
    for (let off = 32; off < out.length; off += 4120) {
      [s0, s1] = referenceChecksum(out.subarray(off, off + 8), true, s0, s1);
      [s0, s1] = referenceChecksum(out.subarray(off + 24, off + 4120), true, s0, s1);
      v.setUint32(off + 16, s0);
      v.setUint32(off + 20, s1);
    }
    expect(headerOf(out).bigEndianChecksums).toBe(true);
    expect(readAll(out).frames.map((f) => f.pgno)).toEqual([1, 2, 2]);
    // The original little-endian frames do not validate under the big-endian header.
    const mixed = out.slice();
    mixed.set(src.subarray(32), 32);
    expect(readAll(mixed).frames).toHaveLength(0);
  });
});

/** Rebuilds the database image from a db-file copy plus the committed WAL pages. */
function rebuild(dbFile: Uint8Array, wal: Uint8Array): Buffer {
  const h = headerOf(wal);
  const seg = collectWalSegment(bufferSource(wal), h);
  const size = seg.commit * h.pageSize;
  const out = Buffer.alloc(size);
  out.set(dbFile.subarray(0, Math.min(size, dbFile.length)));
  for (const [pgno, offset] of seg.pages) out.set(wal.subarray(offset + 24, offset + 24 + h.pageSize), (pgno - 1) * h.pageSize);
  return out;
}

describe('WALs written by SQLite', () => {
  it('fresh WAL: committed pages over the db file reproduce the database exactly', async () => {
    const dir = await tempDir('wal');
    const path = join(dir, 'db.sqlite');
    const db = new BetterSqlite3(path);
    try {
      db.pragma('journal_mode = wal');
      db.pragma('wal_autocheckpoint = 0');
      db.exec('CREATE TABLE t (id INTEGER PRIMARY KEY, v BLOB)');
      const ins = db.prepare('INSERT INTO t (v) VALUES (randomblob(?))');
      for (let i = 0; i < 40; i++) ins.run(100 + i * 97);
      db.exec('DELETE FROM t WHERE id % 3 = 0');
      const wal = new Uint8Array(readFileSync(path + '-wal'));
      const h = headerOf(wal);
      expect(h.pageSize).toBe(4096);
      const seg = collectWalSegment(bufferSource(wal), h);
      expect(seg.transactions).toBe(42);
      expect(seg.endOffset).toBe(wal.length);
      expect(rebuild(new Uint8Array(readFileSync(path)), wal).equals(db.serialize())).toBe(true);
    } finally {
      db.close();
    }
  });

  it('restarted WAL after a checkpoint: new salts (salt1 + 1), stale frames behind are ignored', async () => {
    const dir = await tempDir('wal');
    const path = join(dir, 'db.sqlite');
    const db = new BetterSqlite3(path);
    try {
      db.pragma('journal_mode = wal');
      db.pragma('wal_autocheckpoint = 0');
      db.exec('CREATE TABLE t (id INTEGER PRIMARY KEY, v BLOB)');
      for (let i = 0; i < 30; i++) db.prepare('INSERT INTO t (v) VALUES (randomblob(3000))').run();
      const before = headerOf(new Uint8Array(readFileSync(path + '-wal')));
      const sizeBefore = readFileSync(path + '-wal').length;
      const [res] = db.pragma('wal_checkpoint(PASSIVE)') as Array<{ busy: number; log: number; checkpointed: number }>;
      expect(res.log).toBe(res.checkpointed);
      db.exec("UPDATE t SET v = x'00' WHERE id = 5");
      const wal = new Uint8Array(readFileSync(path + '-wal'));
      expect(wal.length).toBe(sizeBefore); // restarted in place, not truncated
      const after = headerOf(wal);
      expect(after.salt1).toBe((before.salt1 + 1) >>> 0);
      expect(after.salt2).not.toBe(before.salt2);
      expect(after.checkpointSeq).toBe(before.checkpointSeq + 1);
      const seg = collectWalSegment(bufferSource(wal), after);
      expect(seg.transactions).toBe(1);
      expect(seg.stopReason).toBe('salt-mismatch');
      expect(collectFrameSalts(bufferSource(wal), after.pageSize)).toHaveLength(2);
      expect(rebuild(new Uint8Array(readFileSync(path)), wal).equals(db.serialize())).toBe(true);
    } finally {
      db.close();
    }
  });

  it('frames of a transaction still in progress are not used', async () => {
    const dir = await tempDir('wal');
    const path = join(dir, 'db.sqlite');
    const db = new BetterSqlite3(path);
    try {
      db.pragma('journal_mode = wal');
      db.pragma('wal_autocheckpoint = 0');
      db.pragma('cache_size = 2'); // force the big transaction to spill frames into the WAL before commit
      db.exec('CREATE TABLE t (id INTEGER PRIMARY KEY, v BLOB)');
      const committed = new Uint8Array(readFileSync(path + '-wal'));
      const committedImage = db.serialize();
      db.exec('BEGIN');
      for (let i = 0; i < 50; i++) db.prepare('INSERT INTO t (v) VALUES (randomblob(2000))').run();
      copyFileSync(path + '-wal', join(dir, 'snap-wal'));
      db.exec('ROLLBACK');
      const wal = new Uint8Array(readFileSync(join(dir, 'snap-wal')));
      expect(wal.length).toBeGreaterThan(committed.length);
      const h = headerOf(wal);
      const { frames } = readAll(wal);
      expect(frames.length).toBeGreaterThan(2);
      const seg = collectWalSegment(bufferSource(wal), h);
      expect(seg.endOffset).toBe(committed.length);
      expect(rebuild(new Uint8Array(readFileSync(path)), wal).equals(committedImage)).toBe(true);
    } finally {
      db.close();
    }
  });

  it('maxBytes stops at a commit boundary and the rest can be read from there', async () => {
    const dir = await tempDir('wal');
    const path = join(dir, 'db.sqlite');
    const db = new BetterSqlite3(path);
    try {
      db.pragma('journal_mode = wal');
      db.pragma('wal_autocheckpoint = 0');
      db.exec('CREATE TABLE t (id INTEGER PRIMARY KEY, v BLOB)');
      for (let i = 0; i < 20; i++) db.prepare('INSERT INTO t (v) VALUES (randomblob(9000))').run();
      const wal = new Uint8Array(readFileSync(path + '-wal'));
      const h = headerOf(wal);
      const first = collectWalSegment(bufferSource(wal), h, { maxBytes: 20_000 });
      expect(first.stopReason).toBe('limit');
      expect(first.endOffset - 32).toBeGreaterThanOrEqual(20_000);
      const rest = collectWalSegment(bufferSource(wal), h, { offset: first.endOffset, seed: first.checksum });
      expect(rest.endOffset).toBe(wal.length);
      expect(first.transactions + rest.transactions).toBe(21);
    } finally {
      db.close();
    }
  });
});
