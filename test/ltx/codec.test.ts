// Encoder/decoder: property round trips, layout facts, validation errors, corruption per region, legacy files.
import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { crc64 } from '../../core/ltx/crc64.ts';
import { decodeLtxBuffer, LtxDecoder, verifyLtx } from '../../core/ltx/decoder.ts';
import { encodeLtx, encodeLtxToBuffer } from '../../core/ltx/encoder.ts';
import { LtxFormatError } from '../../core/ltx/errors.ts';
import { newHeader } from '../../core/ltx/header.ts';
import { PageOrder } from '../../core/ltx/page-order.ts';
import { CHECKSUM_FLAG, type LtxPage, lockPgno } from '../../core/ltx/types.ts';
import { buildLegacyFrameLtx, chunked, concat, makePage } from './helpers.ts';
import { sharedPath } from '../harness/shared.ts';

const LEGACY_V2 = sharedPath(
  'fixtures/litestream/testdata/store/open-and-write-snapshot/dbs/sqlite.db/ltx/000000000000000d-000000000000000d.ltx',
);

const kinds = ['text', 'pattern', 'random', 'zero'] as const;

const fileArb = fc
  .record({
    pageSizeLog: fc.integer({ min: 9, max: 16 }),
    snapshot: fc.boolean(),
    commit: fc.integer({ min: 1, max: 12 }),
    pick: fc.array(fc.boolean(), { minLength: 12, maxLength: 12 }),
    kindsSeed: fc.array(fc.constantFrom(...kinds), { minLength: 12, maxLength: 12 }),
    minTXID: fc.integer({ min: 2, max: 1000 }),
    span: fc.integer({ min: 0, max: 50 }),
    timestamp: fc.integer({ min: 0, max: 4102444800000 }),
    chunk: fc.integer({ min: 1, max: 70000 }),
  })
  .map((r) => {
    const pageSize = 1 << r.pageSizeLog;
    const pgnos = r.snapshot
      ? Array.from({ length: r.commit }, (_, i) => i + 1)
      : Array.from({ length: r.commit }, (_, i) => i + 1).filter((p) => r.pick[p - 1]);
    const pages = pgnos.map((p) => makePage(p, pageSize, r.kindsSeed[p - 1], r.minTXID));
    const minTXID = r.snapshot ? 1 : r.minTXID;
    const header = newHeader({ pageSize, commit: r.commit, minTXID, maxTXID: minTXID + r.span, timestamp: r.timestamp });
    return { header, pages, chunk: r.chunk };
  });

describe('encode → decode', () => {
  it('round-trips random files (page sizes 512..65536, snapshot and not)', async () => {
    await fc.assert(
      fc.asyncProperty(fileArb, async ({ header, pages, chunk }) => {
        const bytes = await encodeLtxToBuffer(header, pages);
        const dec = new LtxDecoder(chunked(bytes, chunk), 'prop.ltx');
        expect(await dec.header()).toEqual(header);
        const got: LtxPage[] = [];
        for await (const p of dec.pages()) got.push(p);
        expect(got).toEqual(pages);
        const trailer = await dec.trailer();
        expect(trailer.postApplyChecksum).toBe(0n);
        expect(trailer.fileChecksum & CHECKSUM_FLAG).toBe(CHECKSUM_FLAG);
        expect(dec.fileSize).toBe(bytes.length);
        // Async sources give the same bytes as sync ones.
        async function* asyncPages(): AsyncGenerator<LtxPage> {
          yield* pages;
        }
        expect(await encodeLtxToBuffer(header, asyncPages())).toEqual(bytes);
      }),
      { numRuns: 60 },
    );
  });

  it('writes the documented layout: frames, zero header, index, trailer and file checksum', async () => {
    const pages = [makePage(2, 4096, 'text'), makePage(5, 4096, 'zero')];
    const header = newHeader({ pageSize: 4096, commit: 5, minTXID: 7, maxTXID: 9, timestamp: 1_700_000_000_123 });
    const bytes = await encodeLtxToBuffer(header, pages);
    const view = new DataView(bytes.buffer);
    expect(new TextDecoder().decode(bytes.subarray(0, 4))).toBe('LTX1');
    expect(view.getUint32(4)).toBe(2);
    expect(view.getBigInt64(32)).toBe(1_700_000_000_123n);
    expect(view.getUint32(100)).toBe(2);
    expect(view.getUint16(104)).toBe(1);
    const size1 = view.getUint32(106);
    const second = 110 + size1;
    expect(view.getUint32(second)).toBe(5);
    const size2 = view.getUint32(second + 6);
    const end = second + 10 + size2;
    expect([...bytes.subarray(end, end + 6)]).toEqual([0, 0, 0, 0, 0, 0]);
    const indexLen = Number(view.getBigUint64(bytes.length - 24));
    expect(bytes.length).toBe(end + 6 + indexLen + 8 + 16);
    // Independent checksum: CRC over the header, frame headers + decompressed data, zero header, index, post-apply.
    const covered = concat([
      bytes.subarray(0, 110),
      pages[0].data,
      bytes.subarray(second, second + 10),
      pages[1].data,
      bytes.subarray(end, bytes.length - 8),
    ]);
    expect(view.getBigUint64(bytes.length - 8)).toBe(CHECKSUM_FLAG | crc64(covered));
    const decoded = await decodeLtxBuffer(bytes, 'layout.ltx');
    expect(decoded.index).toEqual([
      { pgno: 2, offset: 100, size: 10 + size1 },
      { pgno: 5, offset: second, size: 10 + size2 },
    ]);
  });

  it('yields chunks of at least 64 KiB that the consumer may keep', async () => {
    const pages = Array.from({ length: 200 }, (_, i) => makePage(i + 1, 4096, 'random'));
    const header = newHeader({ pageSize: 4096, commit: 200, minTXID: 1, maxTXID: 1 });
    const chunks: Uint8Array[] = [];
    for await (const c of encodeLtx(header, pages)) chunks.push(c);
    for (const c of chunks.slice(0, -2)) expect(c.length).toBeGreaterThanOrEqual(64 * 1024);
    const { pages: got } = await decodeLtxBuffer(concat(chunks), 'chunks.ltx');
    expect(got).toEqual(pages);
  });
});

describe('decoder page ring and early stop', () => {
  it('reuses a ring of page buffers when asked, with correct data for an immediate consumer', async () => {
    const pages = Array.from({ length: 7 }, (_, i) => makePage(i + 1, 1024, kinds[i % 4], i));
    const bytes = await encodeLtxToBuffer(newHeader({ pageSize: 1024, commit: 7, minTXID: 1, maxTXID: 1 }), pages);
    const dec = new LtxDecoder(chunked(bytes, 500), 'ring.ltx', { pageRing: 2 });
    const seen: Uint8Array[] = [];
    for await (const p of dec.pages()) {
      expect(p.data).toEqual(pages[p.pgno - 1].data);
      seen.push(p.data);
    }
    await dec.trailer();
    expect(seen[2]).toBe(seen[0]);
    expect(seen[3]).toBe(seen[1]);
    expect(seen[1]).not.toBe(seen[0]);
  });

  it('closes the source when the consumer stops early', async () => {
    const bytes = await encodeLtxToBuffer(newHeader({ pageSize: 512, commit: 3, minTXID: 1, maxTXID: 1 }), [1, 2, 3].map((p) => makePage(p, 512, 'text')));
    let closed = false;
    async function* source(): AsyncGenerator<Uint8Array> {
      try {
        yield* chunked(bytes, 600);
      } finally {
        closed = true;
      }
    }
    const dec = new LtxDecoder(source(), 'early.ltx');
    for await (const p of dec.pages()) if (p.pgno === 1) break;
    expect(closed).toBe(true);
  });
});

describe('encoder validation', () => {
  const header = newHeader({ pageSize: 4096, commit: 3, minTXID: 1, maxTXID: 2 });
  const cases: Array<[string, Partial<typeof header>, LtxPage[], RegExp]> = [
    ['snapshot gap', {}, [makePage(1, 4096, 'zero'), makePage(3, 4096, 'zero')], /nonsequential/],
    ['snapshot not from 1', {}, [makePage(2, 4096, 'zero')], /start with page 1/],
    ['snapshot incomplete', {}, [makePage(1, 4096, 'zero')], /every page up to the commit/],
    ['snapshot beyond commit', { commit: 1 }, [makePage(1, 4096, 'zero'), makePage(2, 4096, 'zero')], /beyond the commit/],
    ['page beyond commit', { minTXID: 2 }, [makePage(4, 4096, 'zero')], /page 4 is beyond the commit size 3/],
    ['commit 0 with NoChecksum', { minTXID: 2, commit: 0 }, [], /commit 0 \(deleted database\)/],
    ['out of order', { minTXID: 2 }, [makePage(3, 4096, 'zero'), makePage(2, 4096, 'zero')], /out-of-order/],
    ['duplicate', { minTXID: 2 }, [makePage(2, 4096, 'zero'), makePage(2, 4096, 'zero')], /out-of-order/],
    ['lock page', { minTXID: 2, commit: 300000 }, [makePage(lockPgno(4096), 4096, 'zero')], /lock page/],
    ['wrong page size', { minTXID: 2 }, [makePage(1, 512, 'zero')], /expected 4096/],
    ['bad flags', { flags: 1 }, [], /invalid header flags/],
    ['bad page size', { pageSize: 1000 }, [], /invalid page size/],
    ['min > max', { minTXID: 5, maxTXID: 4 }, [], /out of order/],
    ['TXID too large', { maxTXID: 2 ** 53 }, [], /2\^53-1/],
    ['pre-apply on snapshot', { preApplyChecksum: CHECKSUM_FLAG | 1n }, [], /pre-apply checksum must be zero/],
    ['salt without offset', { minTXID: 2, walSalt1: 5 }, [], /WAL offset required/],
  ];
  it.each(cases)('rejects %s', async (_name, patch, pages, message) => {
    const err = await encodeLtxToBuffer({ ...header, ...patch }, pages).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(LtxFormatError);
    expect(String(err)).toMatch(message);
  });

  it('PageOrder lets a snapshot skip exactly the lock page', () => {
    const h = newHeader({ pageSize: 4096, commit: lockPgno(4096) + 1, minTXID: 1, maxTXID: 1 });
    const order = new PageOrder(h);
    order.prev = lockPgno(4096) - 1;
    expect(order.problem(lockPgno(4096))).toMatch(/lock page/);
    expect(order.problem(lockPgno(4096) + 1)).toBeNull();
    order.accept(lockPgno(4096) + 1);
    expect(order.endProblem()).toBeNull();
    const upToLock = new PageOrder({ ...h, commit: lockPgno(4096) });
    upToLock.prev = lockPgno(4096) - 1;
    expect(upToLock.endProblem()).toBeNull();
  });
});

describe('decoder rejects corruption in every region', () => {
  async function sample(): Promise<Uint8Array> {
    const pages = [makePage(1, 1024, 'text'), makePage(2, 1024, 'random'), makePage(3, 1024, 'zero')];
    return encodeLtxToBuffer(newHeader({ pageSize: 1024, commit: 3, minTXID: 1, maxTXID: 4, timestamp: 1 }), pages);
  }

  it('accepts the intact sample', async () => {
    const bytes = await sample();
    expect((await verifyLtx(chunked(bytes, 77), 's.ltx')).pageCount).toBe(3);
  });

  it('flags every single-byte change anywhere in the file', async () => {
    const bytes = await sample();
    // Reserved header bytes 80..99 included: readers ignore them but the file checksum covers them.
    for (let i = 0; i < bytes.length; i++) {
      const bad = bytes.slice();
      bad[i] ^= 0x41;
      const err = await verifyLtx(chunked(bad, 333), 'bad.ltx').catch((e: unknown) => e);
      expect(err, `byte ${i}`).toBeInstanceOf(LtxFormatError);
      expect(String(err)).toMatch(/^LtxFormatError: bad\.ltx: offset \d+: /);
    }
  });

  it('names the region: header, page header, payload, index, trailer', async () => {
    const bytes = await sample();
    const firstSize = new DataView(bytes.buffer).getUint32(106);
    const indexStart = bytes.length - 24 - Number(new DataView(bytes.buffer).getBigUint64(bytes.length - 24));
    const expectations: Array<[number, RegExp]> = [
      [8, /offset 0: invalid page size/],
      [20, /file checksum mismatch/], // minTXID 1 -> another value keeps a valid header, caught by the CRC
      [100 + 3, /snapshot must start with page 1/],
      [100 + 5, /invalid page header flags/],
      [110 + Math.floor(firstSize / 2), /(corrupt LZ4 block|file checksum mismatch|decoded to)/],
      [indexStart, /page index entry 0 page number/],
      [bytes.length - 1, /file checksum mismatch/],
      [bytes.length - 12, /post-apply checksum must be zero/],
    ];
    for (const [at, msg] of expectations) {
      const bad = bytes.slice();
      bad[at] ^= at === 20 ? 0x00 : 0x41;
      if (at === 20) bad[23] = 3;
      await expect(decodeLtxBuffer(bad, 'r.ltx'), `byte ${at}`).rejects.toThrow(msg);
    }
  });

  it('rejects TXIDs beyond 2^53-1 with a clear message', async () => {
    const bytes = await sample();
    const bad = bytes.slice();
    new DataView(bad.buffer).setBigUint64(24, 1n << 60n);
    await expect(decodeLtxBuffer(bad, 'big.ltx')).rejects.toThrow(/big\.ltx: offset 24: maximum TXID 1152921504606846976 exceeds 2\^53-1/);
  });

  it('rejects truncation and trailing bytes', async () => {
    const bytes = await sample();
    await expect(decodeLtxBuffer(bytes.subarray(0, bytes.length - 5), 't.ltx')).rejects.toThrow(/unexpected end of file/);
    await expect(decodeLtxBuffer(bytes.subarray(0, 50), 't.ltx')).rejects.toThrow(/too short/);
    await expect(decodeLtxBuffer(concat([bytes, new Uint8Array(1)]), 't.ltx')).rejects.toThrow(/after the trailer/);
  });
});

describe('legacy files', () => {
  it('rejects the pre-v0.5 (format v2) fixture with a clear message', async () => {
    const bytes = new Uint8Array(readFileSync(LEGACY_V2));
    const err = await decodeLtxBuffer(bytes, '000000000000000d-000000000000000d.ltx').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(LtxFormatError);
    expect((err as LtxFormatError).offset).toBe(100);
    expect(String(err)).toMatch(/000000000000000d-000000000000000d\.ltx: offset 100: invalid page header flags 0x5351; this looks like a pre-v0\.5 \(format v2\) LTX file/);
  });

  it('decodes pages stored as LZ4 frames (ltx v0.5.0, Litestream v0.5.0-v0.5.4)', async () => {
    const pages = [makePage(1, 4096, 'text'), makePage(2, 4096, 'random'), makePage(3, 4096, 'zero')];
    const header = newHeader({ pageSize: 4096, commit: 3, minTXID: 1, maxTXID: 3, timestamp: 5 });
    const bytes = buildLegacyFrameLtx(header, pages);
    const decoded = await decodeLtxBuffer(bytes, 'legacy-frames.ltx');
    expect(decoded.pages).toEqual(pages);
    const streamed = await verifyLtx(chunked(bytes, 100), 'legacy-frames.ltx');
    expect(streamed.pageCount).toBe(3);
    const bad = bytes.slice();
    bad[bad.length - 1] ^= 1;
    await expect(decodeLtxBuffer(bad, 'legacy-frames.ltx')).rejects.toThrow(/file checksum mismatch/);
  });
});
