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
    this.buf = Buffer.allocUnsafeSlow(capacity);
  }
  take(more = true): Uint8Array {
    const out = this.buf.subarray(0, this.pos);
    this.base += this.pos;
    // Not zero-filled (every byte handed out is written first; zeroing measurably slows encoding) and never from
    // the shared Buffer pool, so a chunk owns its whole ArrayBuffer.
    this.buf = more ? Buffer.allocUnsafeSlow(this.capacity) : new Uint8Array(0);
    this.pos = 0;
    return out;
  }
}

/**
 * The encoder's synchronous core: add() pages in order, take() full chunks, then finish(). encodeLtx() drives it
 * from a page stream; a caller that produces pages itself (compaction) drives it directly and so pays no promise
 * per page.
 */
export class LtxEncoder {
  private readonly name: string;
  private readonly pageSize: number;
  private readonly postApply: bigint;
  private readonly chunkTarget: number;
  private readonly out: ChunkBuffer;
  private readonly crc = new Crc64();
  private readonly order: PageOrder;
  private readonly index = new PageIndexBuilder();

  constructor(header: LtxHeader, options: EncodeOptions = {}) {
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
    this.name = name;
    this.postApply = postApply;
    this.pageSize = header.pageSize;
    this.chunkTarget = options.chunkSize ?? DEFAULT_CHUNK;
    this.out = new ChunkBuffer(this.chunkTarget + FRAME_HEADER + compressBound(this.pageSize));
    this.order = new PageOrder(header);
    encodeHeader(header, this.out.buf.subarray(0, HEADER_SIZE));
    this.crc.update(this.out.buf, 0, HEADER_SIZE);
    this.out.pos = HEADER_SIZE;
  }

  /** Encodes one page into the chunk buffer; true when a chunk is full and should be take()n. */
  add(page: LtxPage): boolean {
    const out = this.out;
    const pageSize = this.pageSize;
    const offset = out.base + out.pos;
    const pageProblem = this.order.problem(page.pgno) ?? (page.data.length !== pageSize ? `page ${page.pgno} has ${page.data.length} bytes, expected ${pageSize}` : null);
    if (pageProblem) throw new LtxFormatError(this.name, offset, pageProblem);
    this.order.accept(page.pgno);
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
    this.crc.update(buf, p, p + FRAME_HEADER);
    this.crc.update(page.data, 0, pageSize);
    this.index.add(pgno, offset, FRAME_HEADER + n);
    out.pos = p + FRAME_HEADER + n;
    return out.pos >= this.chunkTarget;
  }

  /** The encoded bytes so far, as a chunk the caller owns. */
  take(): Uint8Array {
    return this.out.take();
  }

  /** Checks the page set is complete and returns the last chunks: pending pages, then end marker, index, trailer. */
  finish(): Uint8Array[] {
    const out = this.out;
    const endProblem = this.order.endProblem();
    if (endProblem) throw new LtxFormatError(this.name, out.base + out.pos, endProblem);
    // Zero page header, index, u64 index length and trailer go out as one final piece.
    const index = this.index;
    const tailLen = PAGE_HEADER_SIZE + index.varintLength() + 8 + TRAILER_SIZE;
    const tail = new Uint8Array(tailLen);
    let t = PAGE_HEADER_SIZE;
    t = index.writeTo(tail, t);
    const view = new DataView(tail.buffer, tail.byteOffset, tailLen);
    view.setBigUint64(t, this.postApply);
    this.crc.update(tail, 0, t + 8);
    view.setBigUint64(t + 8, CHECKSUM_FLAG | this.crc.digest());
    return out.pos > 0 ? [out.take(false), tail] : [tail];
  }
}

export async function* encodeLtx(
  header: LtxHeader,
  pages: Iterable<LtxPage> | AsyncIterable<LtxPage>,
  options: EncodeOptions = {},
): AsyncGenerator<Uint8Array> {
  const encoder = new LtxEncoder(header, options);
  // A sync source avoids one await per page.
  if (Symbol.iterator in pages) {
    for (const page of pages) if (encoder.add(page)) yield encoder.take();
  } else {
    for await (const page of pages) if (encoder.add(page)) yield encoder.take();
  }
  yield* encoder.finish();
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
