// Test helper: encodes LTX files the way ltx v0.5.0 (Litestream v0.5.0-v0.5.4) did, one LZ4 *frame* per page.
import lz4js from 'lz4js';
import { Crc64 } from '../../core/ltx/crc64.ts';
import { encodeHeader } from '../../core/ltx/header.ts';
import { putUvarint, uvarintSize } from '../../core/ltx/varint.ts';
import { CHECKSUM_FLAG, type LtxHeader, type LtxPage, PAGE_HEADER_SIZE } from '../../core/ltx/types.ts';

export function encodeLegacyLtx(header: LtxHeader, pages: readonly LtxPage[]): Uint8Array {
  const parts: Uint8Array[] = [];
  const crc = new Crc64();
  const index: Array<[number, number, number]> = [];
  let offset = 0;
  const push = (bytes: Uint8Array): void => {
    parts.push(bytes);
    offset += bytes.length;
  };
  const head = encodeHeader(header);
  crc.update(head);
  push(head);
  for (const page of pages) {
    const ph = new Uint8Array(PAGE_HEADER_SIZE); // flags 0: no size field, an LZ4 frame follows
    new DataView(ph.buffer).setUint32(0, page.pgno);
    const frame = lz4js.compress(page.data);
    index.push([page.pgno, offset, PAGE_HEADER_SIZE + frame.length]);
    crc.update(ph).update(page.data); // the checksum covers the decompressed page
    push(ph);
    push(frame);
  }
  const end = new Uint8Array(PAGE_HEADER_SIZE);
  crc.update(end);
  push(end);
  const varintLen = index.reduce((n, e) => n + e.reduce((m, v) => m + uvarintSize(v), 0), 0) + 1;
  const tail = new Uint8Array(varintLen + 8 + 16);
  let p = 0;
  for (const e of index) for (const v of e) p = putUvarint(tail, p, v);
  tail[p++] = 0;
  const view = new DataView(tail.buffer);
  view.setBigUint64(p, BigInt(varintLen));
  p += 8;
  view.setBigUint64(p, 0n); // post-apply checksum: 0 with NoChecksum
  crc.update(tail, 0, p + 8);
  view.setBigUint64(p + 8, CHECKSUM_FLAG | crc.digest());
  push(tail);
  const out = new Uint8Array(offset);
  let o = 0;
  for (const part of parts) {
    out.set(part, o);
    o += part.length;
  }
  return out;
}
