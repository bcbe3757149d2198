// Ranged access: index from the file tail (one or two fetches, like Litestream) and single-page reads.
import { describe, expect, it } from 'vitest';
import { decodeLtxBuffer } from '../../core/ltx/decoder.ts';
import { encodeLtxToBuffer } from '../../core/ltx/encoder.ts';
import { LtxFormatError } from '../../core/ltx/errors.ts';
import { newHeader } from '../../core/ltx/header.ts';
import { readLtxIndex, readLtxPage } from '../../core/ltx/page-index.ts';
import { buildLegacyFrameLtx, makePage } from './helpers.ts';

function rangeReader(bytes: Uint8Array): { read: (o: number, n: number) => Promise<Uint8Array>; calls: Array<[number, number]> } {
  const calls: Array<[number, number]> = [];
  return {
    calls,
    read: async (o, n) => {
      calls.push([o, n]);
      return bytes.slice(o, o + n);
    },
  };
}

describe('readLtxIndex / readLtxPage', () => {
  it('reads the index of a small file and fetches any page', async () => {
    const pages = [3, 9, 10].map((p) => makePage(p, 4096, 'text'));
    const header = newHeader({ pageSize: 4096, commit: 10, minTXID: 4, maxTXID: 4, timestamp: 9 });
    const bytes = await encodeLtxToBuffer(header, pages);
    const r = rangeReader(bytes);
    const got = await readLtxIndex(r.read, bytes.length, 'small.ltx');
    expect(got.header).toEqual(header);
    expect(got.index).toEqual((await decodeLtxBuffer(bytes, 'small.ltx')).index);
    expect(r.calls).toEqual([[0, bytes.length]]);
    for (const [i, e] of got.index.entries()) expect(await readLtxPage(r.read, e, 4096, 'small.ltx')).toEqual(pages[i].data);
  });

  it('makes a second ranged fetch when the index exceeds 32 KiB', async () => {
    const pages = Array.from({ length: 8000 }, (_, i) => makePage(i + 1, 512, 'zero'));
    const header = newHeader({ pageSize: 512, commit: 8000, minTXID: 1, maxTXID: 2 });
    const bytes = await encodeLtxToBuffer(header, pages);
    const r = rangeReader(bytes);
    const got = await readLtxIndex(r.read, bytes.length, 'big.ltx');
    expect(got.index.length).toBe(8000);
    expect(r.calls.length).toBe(3); // tail, larger tail, header
    expect(r.calls[0]).toEqual([bytes.length - 32768, 32768]);
    expect(await readLtxPage(r.read, got.index[4321], 512, 'big.ltx')).toEqual(pages[4321].data);
  });

  it('reads legacy LZ4-frame pages by range too', async () => {
    const pages = [makePage(1, 4096, 'text'), makePage(2, 4096, 'random')];
    const bytes = buildLegacyFrameLtx(newHeader({ pageSize: 4096, commit: 2, minTXID: 1, maxTXID: 1 }), pages);
    const r = rangeReader(bytes);
    const { index } = await readLtxIndex(r.read, bytes.length, 'legacy.ltx');
    expect(await readLtxPage(r.read, index[1], 4096, 'legacy.ltx')).toEqual(pages[1].data);
  });

  it('detects a bad index size, a mismatched entry and a corrupt page', async () => {
    const pages = [makePage(1, 1024, 'text'), makePage(2, 1024, 'text')];
    const bytes = await encodeLtxToBuffer(newHeader({ pageSize: 1024, commit: 2, minTXID: 1, maxTXID: 1 }), pages);
    const badSize = bytes.slice();
    badSize[bytes.length - 24] = 0xff;
    await expect(readLtxIndex(rangeReader(badSize).read, bytes.length, 'b.ltx')).rejects.toThrow(/invalid page index size/);
    const { index } = await readLtxIndex(rangeReader(bytes).read, bytes.length, 'b.ltx');
    await expect(readLtxPage(rangeReader(bytes).read, { ...index[1], pgno: 7 }, 1024, 'b.ltx')).rejects.toThrow(/holds page 2, index says 7/);
    const badSizeField = bytes.slice();
    badSizeField[index[0].offset + 9] ^= 0x01;
    const err = await readLtxPage(rangeReader(badSizeField).read, index[0], 1024, 'b.ltx').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(LtxFormatError);
    expect(String(err)).toMatch(/b\.ltx: offset 106: compressed size \d+ does not match index size/);
    const truncated = bytes.slice();
    truncated[index[0].offset + 10] = 0xf0; // a token promising 15+ literals the block does not hold
    truncated[index[0].offset + 11] = 0xff;
    await expect(readLtxPage(rangeReader(truncated).read, index[0], 1024, 'b.ltx')).rejects.toThrow(LtxFormatError);
    await expect(readLtxIndex(rangeReader(bytes).read, 20, 'tiny.ltx')).rejects.toThrow(/too small/);
  });
});
