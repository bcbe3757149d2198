// Test helpers for LTX: deterministic page contents, in-memory sources and an independent legacy-file builder.
import lz4js from 'lz4js';
import { crc64 } from '../../core/ltx/crc64.ts';
import { encodeHeader } from '../../core/ltx/header.ts';
import { CHECKSUM_FLAG, type LtxHeader, type LtxPage } from '../../core/ltx/types.ts';

/** Deterministic page content: text rows, a byte pattern or pseudo-random bytes depending on kind. */
export function makePage(pgno: number, pageSize: number, kind: 'text' | 'pattern' | 'random' | 'zero', seed = 0): LtxPage {
  const data = new Uint8Array(pageSize);
  if (kind === 'text') {
    let s = '';
    for (let i = 0; s.length < pageSize; i++) s += `${pgno}:${seed}:${i}|user${(i * 7919 + seed) % 1000}@example.com|${(i * 37) % 101};`;
    data.set(new TextEncoder().encode(s).subarray(0, pageSize));
  } else if (kind === 'pattern') {
    for (let i = 0; i < pageSize; i++) data[i] = (pgno * 31 + seed + (i % 17)) & 0xff;
  } else if (kind === 'random') {
    let x = (pgno * 2654435761 + seed * 97 + 1) >>> 0;
    for (let i = 0; i < pageSize; i++) {
      x ^= x << 13;
      x ^= x >>> 17;
      x ^= x << 5;
      data[i] = x & 0xff;
    }
  }
  return { pgno, data };
}

export async function* chunked(bytes: Uint8Array, chunkSize = 1000): AsyncGenerator<Uint8Array> {
  for (let i = 0; i < bytes.length; i += chunkSize) yield bytes.slice(i, i + chunkSize);
}

export function concat(chunks: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(chunks.reduce((n, c) => n + c.length, 0));
  let off = 0;
  for (const c of chunks) {
    out.set(c, off);
    off += c.length;
  }
  return out;
}

function uvarint(v: number): number[] {
  const out: number[] = [];
  while (v >= 0x80) {
    out.push((v % 0x80) | 0x80);
    v = Math.floor(v / 0x80);
  }
  out.push(v);
  return out;
}

/**
 * Builds an LTX file the way ltx v0.5.0 wrote pages (flag clear, one LZ4 frame per page), using lz4js for the
 * frames and computing the checksum with plain code, independently of our encoder.
 */
export function buildLegacyFrameLtx(header: LtxHeader, pages: LtxPage[]): Uint8Array {
  const parts: Uint8Array[] = [encodeHeader(header)];
  const checksummed: Uint8Array[] = [parts[0]];
  const index: number[] = [];
  let offset = 100;
  for (const page of pages) {
    const ph = new Uint8Array(6);
    new DataView(ph.buffer).setUint32(0, page.pgno);
    const frame = lz4js.compress(page.data);
    parts.push(ph, frame);
    checksummed.push(ph, page.data);
    index.push(...uvarint(page.pgno), ...uvarint(offset), ...uvarint(6 + frame.length));
    offset += 6 + frame.length;
  }
  index.push(0);
  const tail = new Uint8Array(6 + index.length + 8 + 16);
  tail.set(index, 6);
  const view = new DataView(tail.buffer);
  view.setBigUint64(6 + index.length, BigInt(index.length));
  checksummed.push(tail.subarray(0, tail.length - 8));
  view.setBigUint64(tail.length - 8, CHECKSUM_FLAG | crc64(concat(checksummed)));
  parts.push(tail);
  return concat(parts);
}
