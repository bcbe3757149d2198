// CRC-64/ISO: Go's check value and agreement with a bit-by-bit BigInt reference on random inputs.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Crc64, crc64 } from '../../core/ltx/crc64.ts';

/** Straight from the definition: reflected, poly 0xD800000000000000, init and xorout all ones. */
function referenceCrc64(data: Uint8Array): bigint {
  const mask = (1n << 64n) - 1n;
  let crc = mask;
  for (const byte of data) {
    crc ^= BigInt(byte);
    for (let i = 0; i < 8; i++) crc = crc & 1n ? (crc >> 1n) ^ 0xd800000000000000n : crc >> 1n;
  }
  return crc ^ mask;
}

describe('crc64', () => {
  it('matches the CRC-64/GO-ISO check value', () => {
    expect(crc64(new TextEncoder().encode('123456789'))).toBe(0xb90956c775a41001n);
    expect(referenceCrc64(new TextEncoder().encode('123456789'))).toBe(0xb90956c775a41001n);
  });

  it('is 0 for empty input', () => {
    expect(crc64(new Uint8Array(0))).toBe(0n);
  });

  it('agrees with the bit-by-bit reference, whole and in pieces', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), fc.nat(300), (data, cut) => {
        const expected = referenceCrc64(data);
        expect(crc64(data)).toBe(expected);
        const at = Math.min(cut, data.length);
        const c = new Crc64().update(data.subarray(0, at)).update(data.subarray(at));
        expect(c.digest()).toBe(expected);
        expect((BigInt(c.digestHi()) << 32n) | BigInt(c.digestLo())).toBe(expected);
      }),
      { numRuns: 200 },
    );
  });

  it('agrees with the reference at every alignment and length (word-load fast path)', () => {
    const big = new Uint8Array(1100);
    for (let i = 0; i < big.length; i++) big[i] = (i * 167 + 13) & 0xff;
    for (let off = 0; off < 8; off++) {
      for (const len of [0, 7, 63, 64, 65, 100, 1024, 1091]) {
        const view = big.subarray(off, off + len);
        expect(crc64(view), `offset ${off} length ${len}`).toBe(referenceCrc64(view));
        expect(new Crc64().update(big, off, off + len).digest()).toBe(referenceCrc64(view));
      }
    }
  });

  // Inputs of 256 bytes or more go through WebAssembly: two interleaved chains per 4 KiB, 64 KiB per call.
  it('agrees with the reference on long inputs (interleaved 4 KiB blocks, then the rest), whole and in pieces', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 3000, maxLength: 9000 }), fc.nat(9000), fc.nat(7), (data, cut, skew) => {
        const view = data.subarray(Math.min(skew, data.length));
        const expected = referenceCrc64(view);
        expect(crc64(view)).toBe(expected);
        const at = Math.min(cut, view.length);
        expect(new Crc64().update(view, 0, at).update(view, at).digest()).toBe(expected);
      }),
      // No shrinking: each run costs the BigInt reference over kilobytes, and a shrunk input would leave the 4 KiB path.
      { numRuns: 40, endOnFailure: true },
    );
  });

  it('agrees with the reference and with small JS-path pieces across 64 KiB blocks', () => {
    const data = new Uint8Array(140_003);
    for (let i = 0; i < data.length; i++) data[i] = (i * 2654435761) >>> 13;
    const expected = referenceCrc64(data);
    expect(crc64(data)).toBe(expected);
    const pieces = new Crc64();
    for (let i = 0; i < data.length; i += 200) pieces.update(data, i, Math.min(i + 200, data.length)); // below the WebAssembly threshold
    expect(pieces.digest()).toBe(expected);
  });
});
