// LZ4 block round trips, exact-size checks, malformed input, and legacy LZ4 frames made by an independent encoder (lz4js).
import { randomBytes } from 'node:crypto';
import fc from 'fast-check';
import lz4js from 'lz4js';
import { describe, expect, it } from 'vitest';
import { compressBlock, compressBound, decompressBlock, decompressFrame, Lz4FormatError } from '../../core/ltx/lz4.ts';

function textPage(size: number, seed: number): Uint8Array {
  let s = '';
  for (let i = 0; s.length < size; i++) s += `row ${seed}-${i}: name${(i * 7919) % 100}@example.com amount=${(i * 31) % 997};`;
  return new TextEncoder().encode(s.slice(0, size));
}

const samples: Array<[string, Uint8Array]> = [
  ['empty', new Uint8Array(0)],
  ['tiny', new Uint8Array([1, 2, 3])],
  ['zeros 4 KiB', new Uint8Array(4096)],
  ['random 4 KiB', new Uint8Array(randomBytes(4096))],
  ['text 4 KiB', textPage(4096, 1)],
  ['text 64 KiB', textPage(65536, 2)],
  ['zeros 64 KiB', new Uint8Array(65536)],
];

describe('lz4 block', () => {
  it.each(samples)('round-trips %s and stays within compressBound', (_name, data) => {
    const c = compressBlock(data);
    expect(c.length).toBeLessThanOrEqual(compressBound(data.length));
    expect(decompressBlock(c, data.length)).toEqual(data);
  });

  it('compresses repetitive pages well and is deterministic', () => {
    const page = textPage(4096, 3);
    const a = compressBlock(page);
    expect(a.length).toBeLessThan(page.length / 2);
    expect(compressBlock(page)).toEqual(a);
    expect(compressBlock(new Uint8Array(4096)).length).toBeLessThan(40);
  });

  it('round-trips random inputs with repeats (property)', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.uint8Array({ minLength: 1, maxLength: 40 }), fc.integer({ min: 1, max: 20 })), { maxLength: 40 }), (parts) => {
        const chunks = parts.flatMap(([bytes, times]) => Array.from({ length: times }, () => bytes));
        const data = new Uint8Array(chunks.reduce((n, c) => n + c.length, 0));
        let off = 0;
        for (const c of chunks) {
          data.set(c, off);
          off += c.length;
        }
        expect(decompressBlock(compressBlock(data), data.length)).toEqual(data);
      }),
      { numRuns: 200 },
    );
  });

  it('decodes blocks from an independent compressor (lz4js)', () => {
    const page = textPage(4096, 4);
    const dst = new Uint8Array(lz4js.compressBound(page.length));
    const n = lz4js.compressBlock(page, dst, 0, page.length, new Uint32Array(1 << 16));
    expect(n).toBeGreaterThan(0);
    expect(decompressBlock(dst.subarray(0, n), 4096)).toEqual(page);
  });

  it('refuses output of the wrong size', () => {
    const page = textPage(4096, 5);
    const c = compressBlock(page);
    expect(() => decompressBlock(c, 4095)).toThrow(Lz4FormatError);
    expect(() => decompressBlock(c, 8192)).toThrow(/expected 8192/);
  });

  it('refuses malformed blocks without crashing', () => {
    const c = compressBlock(textPage(4096, 6));
    expect(() => decompressBlock(c.subarray(0, c.length - 7), 4096)).toThrow(Lz4FormatError);
    const badOffset = Uint8Array.from([0x14, 0x41, 0xff, 0xff]); // 1 literal, then a match 65535 back
    expect(() => decompressBlock(badOffset, 4096)).toThrow(/invalid match offset/);
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 64 }), (junk) => {
        try {
          decompressBlock(junk, 512);
        } catch (err) {
          expect(err).toBeInstanceOf(Lz4FormatError);
        }
      }),
    );
  });
});

describe('lz4 frame (legacy pages)', () => {
  it('decodes frames written by lz4js, compressible and not', () => {
    for (const data of [textPage(4096, 7), new Uint8Array(randomBytes(4096)), new Uint8Array(4096), textPage(200000, 8)]) {
      expect(decompressFrame(lz4js.compress(data))).toEqual(data);
    }
  });

  it('detects a corrupted frame', () => {
    const frame = lz4js.compress(textPage(4096, 9));
    const bad = frame.slice();
    bad[5] ^= 0x10; // descriptor byte, breaks the header checksum
    expect(() => decompressFrame(bad)).toThrow(Lz4FormatError);
    expect(() => decompressFrame(frame.subarray(0, frame.length - 3))).toThrow(/truncated/);
    const notFrame = compressBlock(textPage(4096, 9));
    expect(() => decompressFrame(notFrame)).toThrow(/not an LZ4 frame/);
  });
});
