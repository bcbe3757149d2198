// Streaming LTX v3 encoder, byte-for-byte the layout Litestream v0.5.5+ writes (spec §1): header, LZ4 block pages, index, trailer.
import { Crc64 } from './crc64.ts';
import { LtxFormatError } from './errors.ts';
import { encodeHeader, headerProblem } from './header.ts';
import { PageIndexBuilder } from './index-builder.ts';
import { compressBlockInto, compressBound } from './lz4-block.ts';
import { PageOrder } from './page-order.ts';
import {
  CHECKSUM_FLAG,
  HEADER_FLAG_NO_CHECKSUM,
  HEADER_SIZE,
  type LtxHeader,
  type LtxPage,
  PAGE_FLAG_SIZE,
  PAGE_HEADER_SIZE,
  PAGE_SIZE_FIELD_SIZE,
  TRAILER_SIZE,
} from './types.ts';

export interface EncodeOptions {
  /** Name used in error messages. */
  name?: string;
  /** Trailer PostApplyChecksum; must stay 0 (the default) with the NoChecksum flag. */
  postApplyChecksum?: bigint;
  /** Output chunks are at least this big (except the last). */
  chunkSize?: number;
}

const FRAME_HEADER = PAGE_HEADER_SIZE + PAGE_SIZE_FIELD_SIZE;
const DEFAULT_CHUNK = 128 * 1024;

/** Accumulates encoded bytes; each yielded chunk owns its memory, so consumers may keep it. */
class ChunkBuffer {
  buf: Uint8Array;
  pos = 0;
  /** Absolute file offset of buf[0]. */
  base = 0;
  readonly capacity: number;
  constructor(capacity: number) {
    this.capacity = capacity;
    this.buf = new Uint8Array(capacity);
  }
  take(more = true): Uint8Array {
    const out = this.buf.subarray(0, this.pos);
    this.base += this.pos;
    this.buf = more ? new Uint8Array(this.capacity) : new Uint8Array(0);
    this.pos = 0;
    return out;
  }
}

export async function* encodeLtx(
  header: LtxHeader,
  pages: Iterable<LtxPage> | AsyncIterable<LtxPage>,
  options: EncodeOptions = {},
): AsyncGenerator<Uint8Array> {
  const name = options.name ?? 'ltx encoder';
  const problem = headerProblem(header);
  if (problem) throw new LtxFormatError(name, 0, problem);
  const postApply = options.postApplyChecksum ?? 0n;
  if ((header.flags & HEADER_FLAG_NO_CHECKSUM) !== 0 && postApply !== 0n) {
    throw new LtxFormatError(name, 0, 'post-apply checksum must be zero when the NoChecksum flag is set');
  }
  // ltx's encoder demands exactly the empty-database checksum for a deletion file, which NoChecksum forbids.
  if (header.commit === 0 && postApply !== CHECKSUM_FLAG) {
    throw new LtxFormatError(name, 12, 'a file with commit 0 (deleted database) needs post-apply checksum 0x8000000000000000, so it cannot use the NoChecksum flag');
  }
  const pageSize = header.pageSize;
  const chunkTarget = options.chunkSize ?? DEFAULT_CHUNK;
  const out = new ChunkBuffer(chunkTarget + FRAME_HEADER + compressBound(pageSize));
  const crc = new Crc64();
  const order = new PageOrder(header);
  const index = new PageIndexBuilder();

  encodeHeader(header, out.buf.subarray(0, HEADER_SIZE));
  crc.update(out.buf, 0, HEADER_SIZE);
  out.pos = HEADER_SIZE;

  /** Encodes one page into the chunk buffer; true when the buffer should be flushed. */
  const encodePage = (page: LtxPage): boolean => {
    const offset = out.base + out.pos;
    const pageProblem = order.problem(page.pgno) ?? (page.data.length !== pageSize ? `page ${page.pgno} has ${page.data.length} bytes, expected ${pageSize}` : null);
    if (pageProblem) throw new LtxFormatError(name, offset, pageProblem);
    order.accept(page.pgno);
    const buf = out.buf;
    const p = out.pos;
    const n = compressBlockInto(page.data, 0, pageSize, buf, p + FRAME_HEADER);
    const pgno = page.pgno;
    buf[p] = pgno >>> 24;
    buf[p + 1] = pgno >>> 16;
    buf[p + 2] = pgno >>> 8;
    buf[p + 3] = pgno;
    buf[p + 4] = 0;
    buf[p + 5] = PAGE_FLAG_SIZE;
    buf[p + 6] = n >>> 24;
    buf[p + 7] = n >>> 16;
    buf[p + 8] = n >>> 8;
    buf[p + 9] = n;
    crc.update(buf, p, p + FRAME_HEADER);
    crc.update(page.data, 0, pageSize);
    index.add(pgno, offset, FRAME_HEADER + n);
    out.pos = p + FRAME_HEADER + n;
    return out.pos >= chunkTarget;
  };

  // A sync source avoids one await per page.
  if (Symbol.iterator in pages) {
    for (const page of pages) if (encodePage(page)) yield out.take();
  } else {
    for await (const page of pages) if (encodePage(page)) yield out.take();
  }
  const endProblem = order.endProblem();
  if (endProblem) throw new LtxFormatError(name, out.base + out.pos, endProblem);

  // Zero page header, index, u64 index length and trailer go out as one final piece.
  const tailLen = PAGE_HEADER_SIZE + index.varintLength() + 8 + TRAILER_SIZE;
  const tail = new Uint8Array(tailLen);
  let t = PAGE_HEADER_SIZE;
  t = index.writeTo(tail, t);
  const view = new DataView(tail.buffer, tail.byteOffset, tailLen);
  view.setBigUint64(t, postApply);
  crc.update(tail, 0, t + 8);
  view.setBigUint64(t + 8, CHECKSUM_FLAG | crc.digest());
  if (out.pos > 0) yield out.take(false);
  yield tail;
}

export async function encodeLtxToBuffer(
  header: LtxHeader,
  pages: Iterable<LtxPage> | AsyncIterable<LtxPage>,
  options: EncodeOptions = {},
): Promise<Uint8Array> {
  const chunks: Uint8Array[] = [];
  let total = 0;
  for await (const chunk of encodeLtx(header, pages, options)) {
    chunks.push(chunk);
    total += chunk.length;
  }
  const out = new Uint8Array(total);
  let off = 0;
  for (const c of chunks) {
    out.set(c, off);
    off += c.length;
  }
  return out;
}
