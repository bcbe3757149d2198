// The pieces under a v0.3 restore: streaming LZ4 frames, incremental xxHash32, v0.3 names, the plan and the format rule.
import lz4js from 'lz4js';
import { randomBytes } from 'node:crypto';
import { mkdir, utimes, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { UsageError } from '../../core/errors.ts';
import { xxh32 } from '../../core/ltx/xxh32.ts';
import { FileReplicaClient } from '../../core/replica/file.ts';
import { TxNotAvailableError } from '../../core/restore/errors.ts';
import { chooseFormat } from '../../core/v03/choose.ts';
import { parseV03Path } from '../../core/v03/layout.ts';
import type { V03Generation, V03Listing, V03Segment } from '../../core/v03/list.ts';
import { decodeLz4Stream } from '../../core/v03/lz4-stream.ts';
import { planV03Restore } from '../../core/v03/plan.ts';
import { Xxh32Stream } from '../../core/ltx/xxh32.ts';
import { seededRandom } from '../harness/prng.ts';
import { useTempDirs } from '../harness/tmp.ts';

const tempDir = useTempDirs();

async function decode(source: Uint8Array | Uint8Array[]): Promise<Buffer> {
  const parts: Uint8Array[] = [];
  for await (const p of decodeLz4Stream(Array.isArray(source) ? source : [source])) parts.push(p);
  return Buffer.concat(parts);
}

const u32 = (n: number): Buffer => {
  const b = Buffer.alloc(4);
  b.writeUInt32LE(n >>> 0);
  return b;
};

/** A frame by hand: FLG/BD, header checksum, the given raw blocks, end mark and optional content checksum. */
function frame(flg: number, bd: number, blocks: Buffer[], content?: Buffer): Buffer {
  const descriptor = Buffer.from([flg, bd]);
  const hc = (xxh32(descriptor) >>> 8) & 0xff;
  const tail = content ? u32(xxh32(content)) : Buffer.alloc(0);
  return Buffer.concat([u32(0x184d2204), descriptor, Buffer.from([hc]), ...blocks, u32(0), tail]);
}

describe('streaming LZ4 frame decoder', () => {
  it('decodes lz4js frames of any size, split anywhere, and concatenated frames', async () => {
    const random = seededRandom(7);
    for (const size of [0, 1, 100, 70_000, 300_000]) {
      const data = Buffer.from(Array.from({ length: size }, (_, i) => (random() < 0.7 ? i % 13 : Math.floor(random() * 256))));
      const compressed = Buffer.from(lz4js.compress(data));
      const cut = Math.floor(compressed.length / 3);
      expect((await decode([compressed.subarray(0, cut), compressed.subarray(cut)])).equals(data), `size ${size}`).toBe(true);
    }
    const a = randomBytes(1000);
    const b = Buffer.alloc(5000, 9);
    expect((await decode(Buffer.concat([lz4js.compress(a), lz4js.compress(b)]))).equals(Buffer.concat([a, b]))).toBe(true);
  });

  it('skips skippable frames and checks content checksums', async () => {
    const content = Buffer.from('hello, v0.3 snapshot');
    const block = Buffer.concat([u32(0x80000000 | content.length), content]);
    const good = frame(0x64, 0x70, [block], content);
    const skippable = Buffer.concat([u32(0x184d2a53), u32(3), Buffer.from([1, 2, 3])]);
    expect((await decode(Buffer.concat([skippable, good]))).toString()).toBe(content.toString());
    const bad = Buffer.from(good);
    bad[bad.length - 1] ^= 1;
    await expect(decode(bad)).rejects.toThrow(/content checksum mismatch/);
  });

  it('lets matches reach into the previous block of a linked frame, and only there', async () => {
    const first = Buffer.from('0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ+/');
    // No literals, then a 16-byte match 64 bytes back (the start of the first block), then the 5 final literals.
    const second = Buffer.from([0x0c, 64, 0, 0x50, ...Buffer.from('VWXYZ')]);
    const blocks = [Buffer.concat([u32(0x80000000 | first.length), first]), Buffer.concat([u32(second.length), second])];
    expect((await decode(frame(0x40, 0x40, blocks))).toString()).toBe(`${first}${first.subarray(0, 16)}VWXYZ`);
    await expect(decode(frame(0x60, 0x40, blocks))).rejects.toThrow(/invalid match offset 64/);
  });

  it('rejects what is not a whole LZ4 frame', async () => {
    await expect(decode(Buffer.alloc(0))).rejects.toThrow(/empty file: no LZ4 frame/);
    await expect(decode(Buffer.from('SQLite format 3\0'))).rejects.toThrow(/not an LZ4 frame \(magic 0x/);
    const whole = Buffer.from(lz4js.compress(randomBytes(500)));
    await expect(decode(whole.subarray(0, whole.length - 7))).rejects.toThrow(/truncated LZ4 frame/);
  });
});

it('xxHash32 fed in pieces equals xxHash32 of the whole', () => {
  const random = seededRandom(3);
  for (let t = 0; t < 200; t++) {
    const data = randomBytes(Math.floor(random() * 300));
    const stream = new Xxh32Stream();
    for (let i = 0; i < data.length; ) {
      const n = Math.floor(random() * 40);
      stream.update(data.subarray(i, i + n));
      i += n;
    }
    expect(stream.digest()).toBe(xxh32(data));
  }
});

describe('v0.3 names', () => {
  it('parses snapshots and segments (v0.3.13 names and one folder per index), and nothing else', () => {
    const g = '0a1b2c3d4e5f6071';
    expect(parseV03Path(`generations/${g}/snapshots/0000000a.snapshot.lz4`)).toEqual({ kind: 'snapshot', generation: g, index: 10 });
    expect(parseV03Path(`generations/${g}/wal/00000001_00001038.wal.lz4`)).toEqual({ kind: 'segment', generation: g, index: 1, offset: 0x1038 });
    expect(parseV03Path(`generations/${g}/wal/00000001/00001038.wal.lz4`)).toEqual({ kind: 'segment', generation: g, index: 1, offset: 0x1038 });
    for (const other of [
      `generations/${g}/wal/00000001_00001038.wal.lz4.tmp`,
      `generations/${g}/snapshots/00000000.snapshot`,
      `generations/XYZ/snapshots/00000000.snapshot.lz4`,
      `generations/${g}/wal/0000000g_00000000.wal.lz4`,
      'ltx/0/0000000000000001-0000000000000001.ltx',
    ]) {
      expect(parseV03Path(other), other).toBeNull();
    }
  });
});

describe('v0.3 restore plan', () => {
  const t = (s: number): Date => new Date(Date.UTC(2026, 0, 1) + s * 1000);
  const gen = (id: string, snapshots: Array<[number, number]>, segments: Array<[number, number, number]>): V03Generation => {
    const snaps = snapshots.map(([index, s]) => ({ generation: id, index, path: `generations/${id}/snapshots/${index}`, size: 1, createdAt: t(s) }));
    const segs = segments.map(([index, offset, s]) => ({ generation: id, index, offset, path: `generations/${id}/wal/${index}_${offset}`, size: 1, createdAt: t(s) }));
    const times = [...snapshots.map((x) => x[1]), ...segments.map((x) => x[2])];
    return { id, snapshots: snaps, segments: segs, createdAt: t(Math.min(...times)), updatedAt: t(Math.max(...times)) };
  };
  const A = 'aaaaaaaaaaaaaaaa';
  const B = 'bbbbbbbbbbbbbbbb';
  const listing: V03Listing = {
    location: 'file:///replica',
    generations: [
      gen(A, [[0, 10], [2, 30]], [[0, 0, 11], [0, 100, 12], [1, 0, 20], [2, 0, 31], [2, 100, 32], [2, 200, 33]]),
      gen(B, [[5, 50]], [[5, 0, 51], [5, 100, 52]]),
    ],
  };
  const where = (segs: V03Segment[]): string[] => segs.map((s) => `${s.index}_${s.offset}`);

  it('latest: the generation with the newest file, from its newest snapshot', () => {
    const p = planV03Restore(listing);
    expect([p.generation, p.snapshot.index, where(p.segments)]).toEqual([B, 5, ['5_0', '5_100']]);
  });

  it('at a time: the newest snapshot at or before it, segments up to it, the rest of the snapshot index kept aside', () => {
    const p = planV03Restore(listing, { timestamp: t(31) });
    expect([p.generation, p.snapshot.index, where(p.segments), where(p.snapshotIndexTail)]).toEqual([A, 2, ['2_0'], ['2_100', '2_200']]);
    const between = planV03Restore(listing, { timestamp: t(40) });
    expect([between.generation, between.snapshot.index, where(between.segments)]).toEqual([A, 2, ['2_0', '2_100', '2_200']]);
    const early = planV03Restore(listing, { timestamp: t(25) });
    expect([early.snapshot.index, where(early.segments), where(early.snapshotIndexTail)]).toEqual([0, ['0_0', '0_100', '1_0'], []]);
    expect(() => planV03Restore(listing, { timestamp: t(5) })).toThrow(TxNotAvailableError);
  });

  it('-generation restricts the choice, and names the known generations when it matches none', () => {
    expect(planV03Restore(listing, { generation: A }).snapshot.index).toBe(2);
    expect(() => planV03Restore(listing, { generation: 'cccccccccccccccc' })).toThrow(`its v0.3 generations are: ${A}, ${B}`);
    expect(() => planV03Restore(listing, { generation: 'nope' })).toThrow(UsageError);
  });

  it('stops at the first segment written after the target, even if a later one looks older', () => {
    const odd: V03Listing = { location: 'x', generations: [gen(A, [[0, 10]], [[0, 0, 11], [0, 100, 20], [0, 200, 12]])] };
    expect(where(planV03Restore(odd, { timestamp: t(15) }).segments)).toEqual(['0_0']);
  });
});

describe('format rule for a replica holding v0.3 and LTX backups', () => {
  async function replica(v03: Array<[string, number]>, ltx: Array<[string, number]>): Promise<FileReplicaClient> {
    const root = await tempDir('v03-choose');
    const base = Date.UTC(2026, 0, 1);
    for (const [path, s] of [...v03.map(([p, s]) => [`generations/0123456789abcdef/${p}`, s] as const), ...ltx.map(([p, s]) => [`ltx/${p}`, s] as const)]) {
      const full = join(root, path);
      await mkdir(join(full, '..'), { recursive: true });
      await writeFile(full, 'x');
      await utimes(full, new Date(base + s * 1000), new Date(base + s * 1000));
    }
    return new FileReplicaClient(root);
  }
  const at = (s: number): Date => new Date(Date.UTC(2026, 0, 1) + s * 1000);
  const V03 = [['snapshots/00000000.snapshot.lz4', 10], ['wal/00000000_00000000.wal.lz4', 20], ['snapshots/00000001.snapshot.lz4', 40]] as Array<[string, number]>;
  const LTX = [['9/0000000000000001-0000000000000005.ltx', 30], ['0/0000000000000006-0000000000000006.ltx', 35]] as Array<[string, number]>;

  it('without a timestamp: the format with the newest file', async () => {
    expect((await chooseFormat(await replica(V03, LTX), {})).format).toBe('v03');
    expect((await chooseFormat(await replica(V03.slice(0, 2), LTX), {})).format).toBe('ltx');
    expect((await chooseFormat(await replica([], LTX), {})).format).toBe('ltx');
    expect((await chooseFormat(await replica(V03, []), {})).format).toBe('v03');
  });

  it('with a timestamp: the format whose newest snapshot at or before it is newer', async () => {
    const client = await replica(V03, LTX);
    expect((await chooseFormat(client, { timestamp: at(25) })).format).toBe('v03'); // v0.3 snapshot at 10, no LTX one yet
    expect((await chooseFormat(client, { timestamp: at(35) })).format).toBe('ltx'); // LTX snapshot at 30 beats v0.3's at 10
    expect((await chooseFormat(client, { timestamp: at(45) })).format).toBe('v03'); // v0.3 snapshot at 40
    expect((await chooseFormat(client, { timestamp: at(5) })).format).toBe('ltx'); // neither: the LTX restore reports it
  });

  it('-txid means LTX, -generation means v0.3, and the two together are a usage error', async () => {
    const client = await replica(V03, LTX);
    expect((await chooseFormat(client, { txid: 3 })).format).toBe('ltx');
    expect((await chooseFormat(client, { generation: '0123456789abcdef' })).format).toBe('v03');
    await expect(chooseFormat(client, { generation: '0123456789abcdef', txid: 3 })).rejects.toThrow(UsageError);
    await expect(chooseFormat(await replica([], LTX), { generation: '0123456789abcdef' })).rejects.toThrow(/holds no generations\/ folder/);
  });
});
