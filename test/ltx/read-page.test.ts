// LtxDecoder.readPage (sync when buffered, else a promise), and the CRC-64 word-view cache it relies on.
import { describe, expect, it } from 'vitest';
import { crc64 } from '../../core/ltx/crc64.ts';
import { LtxDecoder } from '../../core/ltx/decoder.ts';
import { encodeLtxToBuffer } from '../../core/ltx/encoder.ts';
import { newHeader } from '../../core/ltx/header.ts';
import type { LtxPage } from '../../core/ltx/types.ts';
import { chunked, makePage } from './helpers.ts';

const kinds = ['text', 'pattern', 'random', 'zero'] as const;

async function readAll(dec: LtxDecoder): Promise<{ pages: LtxPage[]; sync: number; async: number }> {
  const pages: LtxPage[] = [];
  let sync = 0;
  let async = 0;
  for (;;) {
    const r = dec.readPage();
    const page = r instanceof Promise ? (async++, await r) : (sync++, r);
    if (page === null) break;
    pages.push({ pgno: page.pgno, data: page.data.slice() });
  }
  return { pages, sync, async };
}

describe('LtxDecoder.readPage', () => {
  const pages = Array.from({ length: 40 }, (_, i) => makePage(i + 1, 1024, kinds[i % 4], i));
  const header = newHeader({ pageSize: 1024, commit: 40, minTXID: 1, maxTXID: 1 });

  it('returns buffered pages synchronously, the rest as promises, then null; the trailer still verifies', async () => {
    const bytes = await encodeLtxToBuffer(header, pages);
    for (const chunkSize of [bytes.length, 4000, 300]) {
      const dec = new LtxDecoder(chunked(bytes, chunkSize), 'read.ltx', { pageRing: 2 });
      await dec.header();
      const got = await readAll(dec);
      expect(got.pages, `chunks of ${chunkSize}`).toEqual(pages);
      if (chunkSize === bytes.length) expect(got.async).toBe(1); // only the end marker needs an await
      if (chunkSize === 300) expect(got.async).toBeGreaterThan(got.sync);
      expect(dec.readPage()).toBeNull();
      const trailer = await dec.trailer();
      expect(trailer.fileChecksum).toBeGreaterThan(0n);
    }
  });

  it('reuses page objects with a ring, and refuses to start before the header', async () => {
    const bytes = await encodeLtxToBuffer(header, pages);
    const dec = new LtxDecoder(chunked(bytes, bytes.length), 'ring.ltx', { pageRing: 2 });
    expect(() => dec.readPage()).toThrow(/before header/);
    await dec.header();
    const a = dec.readPage() as LtxPage;
    const b = dec.readPage() as LtxPage;
    const c = dec.readPage() as LtxPage;
    expect(c).toBe(a);
    expect(b).not.toBe(a);
    expect(c.pgno).toBe(3);
    await dec.close();
  });
});

describe('CRC-64 word-view cache', () => {
  it('stays correct across many buffers, mutation, and a resizable buffer that grows', () => {
    const bufs = Array.from({ length: 9 }, (_, i) => makePage(i + 1, 256, 'random', i).data);
    const expected = bufs.map((b) => crc64(b.slice()));
    for (let round = 0; round < 3; round++) for (let i = 0; i < bufs.length; i++) expect(crc64(bufs[i])).toBe(expected[i]);
    bufs[0][100] ^= 1;
    expect(crc64(bufs[0])).toBe(crc64(bufs[0].slice()));
    expect(crc64(bufs[0])).not.toBe(expected[0]);

    // Resizable ArrayBuffer (ES2024; the project's lib setting predates it).
    type Resizable = ArrayBuffer & { resize(n: number): void };
    const ResizableBuffer = ArrayBuffer as unknown as new (n: number, o: { maxByteLength: number }) => Resizable;
    const growable = new ResizableBuffer(128, { maxByteLength: 4096 });
    const view = new Uint8Array(growable);
    view.set(bufs[1].subarray(0, 128));
    expect(crc64(view)).toBe(crc64(view.slice()));
    growable.resize(2048);
    view.set(bufs[2], 1024);
    expect(crc64(view)).toBe(crc64(view.slice()));
  });
});
