// SQLite's WAL format as core/sqlite owns it: header build/parse round trip, and checksums against WALs SQLite wrote.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  WAL_FRAME_HEADER_SIZE, WAL_HEADER_SIZE, WAL_MAGIC_BE, buildWalHeader, parseWalHeader, walFrameSize, walHeaderSeed, type WalHeader,
} from '../../core/sqlite/wal-format.ts';
import { checkFrame, frameChecksum, parseFrameHeader, sealFrame } from '../../core/sqlite/wal-frames.ts';
import { useTempDirs } from '../harness/tmp.ts';

const tempDir = useTempDirs();

function parsed(bytes: Uint8Array): WalHeader {
  const header = parseWalHeader(bytes);
  if (typeof header === 'string') throw new Error(header);
  return header;
}

/** SQLite's walChecksumBytes written the plain way (DataView, no fast path), over the frame's 8 header bytes and page. */
function referenceFrameChecksum(frame: Uint8Array, bigEndian: boolean, s0: number, s1: number): [number, number] {
  const v = new DataView(frame.buffer, frame.byteOffset, frame.length);
  for (let i = 0; i < frame.length; i += 8) {
    if (i === 8) i = WAL_FRAME_HEADER_SIZE;
    s0 = (s0 + v.getUint32(i, !bigEndian) + s1) % 2 ** 32;
    s1 = (s1 + v.getUint32(i + 4, !bigEndian) + s0) % 2 ** 32;
  }
  return [s0, s1];
}

/** A WAL written by SQLite itself, read while the connection is open (closing it would checkpoint and delete it). */
async function sqliteWal(): Promise<Uint8Array> {
  const path = join(await tempDir('walfmt'), 'db.sqlite');
  const db = new BetterSqlite3(path);
  try {
    db.pragma('journal_mode = wal');
    db.pragma('wal_autocheckpoint = 0');
    db.exec('CREATE TABLE t (id INTEGER PRIMARY KEY, v BLOB)');
    const insert = db.prepare('INSERT INTO t (v) VALUES (randomblob(?))');
    for (let i = 0; i < 20; i++) insert.run(200 + i * 311);
    db.exec('DELETE FROM t WHERE id % 4 = 0');
    return new Uint8Array(readFileSync(path + '-wal'));
  } finally {
    db.close();
  }
}

describe('WAL header', () => {
  it('a header built by buildWalHeader parses back to the same fields', () => {
    fc.assert(
      fc.property(fc.integer({ min: 9, max: 16 }), fc.nat({ max: 2 ** 32 - 1 }), fc.nat({ max: 2 ** 32 - 1 }), (log2, salt1, salt2) => {
        const { bytes, header } = buildWalHeader(2 ** log2, salt1, salt2);
        expect(bytes.length).toBe(WAL_HEADER_SIZE);
        expect(parseWalHeader(bytes)).toEqual(header);
        expect(header).toMatchObject({ bigEndianChecksums: false, pageSize: 2 ** log2, checkpointSeq: 0, salt1, salt2 });
      }),
    );
  });

  it('says why a header is unusable: short, magic, version, page size, checksum', () => {
    const { bytes } = buildWalHeader(4096, 1, 2);
    const broken = (at: number, value: number): Uint8Array => {
      const copy = bytes.slice();
      new DataView(copy.buffer).setUint32(at, value);
      return copy;
    };
    expect(parseWalHeader(bytes.subarray(0, 31))).toBe('WAL header is 31 bytes, expected 32');
    expect(parseWalHeader(broken(0, 0x12345678))).toBe('bad WAL magic 0x12345678');
    expect(parseWalHeader(broken(4, 3007001))).toBe('unsupported WAL version 3007001');
    expect(parseWalHeader(broken(8, 1000))).toBe('invalid WAL page size 1000');
    expect(parseWalHeader(broken(16, 3))).toBe('WAL header checksum mismatch');
    // Same fields, big-endian magic: the stored little-endian checksum no longer matches.
    expect(parseWalHeader(broken(0, WAL_MAGIC_BE))).toBe('WAL header checksum mismatch');
  });
});

describe('WAL frames', () => {
  it('every frame of a WAL written by SQLite verifies, and sealFrame writes the same header bytes SQLite wrote', async () => {
    const wal = await sqliteWal();
    const header = parsed(wal);
    const frameSize = walFrameSize(header.pageSize);
    const frames = (wal.length - WAL_HEADER_SIZE) / frameSize;
    expect(frames).toBeGreaterThan(20);
    const checked = walHeaderSeed(header);
    const sealed = walHeaderSeed(header);
    let commits = 0;
    for (let i = 0; i < frames; i++) {
      const frame = wal.slice(WAL_HEADER_SIZE + i * frameSize, WAL_HEADER_SIZE + (i + 1) * frameSize);
      const commit = checkFrame(frame, header, checked);
      expect(commit, `frame ${i}`).toBeGreaterThanOrEqual(0);
      if (commit > 0) commits++;
      const fields = parseFrameHeader(frame);
      const copy = frame.slice();
      copy.fill(0, 0, WAL_FRAME_HEADER_SIZE);
      sealFrame(copy, fields.pgno, fields.commit, header, sealed);
      expect(copy.subarray(0, WAL_FRAME_HEADER_SIZE), `frame ${i}`).toEqual(frame.subarray(0, WAL_FRAME_HEADER_SIZE));
    }
    expect(commits).toBe(22); // CREATE TABLE, 20 inserts, one DELETE
  });

  it('a changed page byte breaks that frame and chains into every later one', async () => {
    const wal = await sqliteWal();
    const header = parsed(wal);
    const frameSize = walFrameSize(header.pageSize);
    wal[WAL_HEADER_SIZE + 3 * frameSize + WAL_FRAME_HEADER_SIZE + 100] ^= 1;
    const sum = walHeaderSeed(header);
    const results = [];
    for (let i = 0; i < 5; i++) results.push(checkFrame(wal.slice(WAL_HEADER_SIZE + i * frameSize, WAL_HEADER_SIZE + (i + 1) * frameSize), header, sum));
    expect(results.slice(0, 3).every((c) => c >= 0)).toBe(true);
    expect(results.slice(3)).toEqual([-1, -1]);
  });

  it('frameChecksum equals the plain reference in both byte orders, aligned or not', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 536, maxLength: 536 }), fc.boolean(), fc.nat(3), fc.nat({ max: 2 ** 32 - 1 }), fc.nat({ max: 2 ** 32 - 1 }), (raw, be, shift, a, b) => {
        const buf = new Uint8Array(raw.length + shift);
        buf.set(raw, shift);
        const header = { ...buildWalHeader(512, 1, 2).header, bigEndianChecksums: be };
        const sum = { s0: a, s1: b };
        frameChecksum(sum, header, buf.subarray(shift));
        expect([sum.s0, sum.s1]).toEqual(referenceFrameChecksum(raw, be, a, b));
      }),
    );
  });
});
