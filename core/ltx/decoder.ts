// Streaming LTX decoder: validates header, every page frame (v3 LZ4 block or legacy LZ4 frame), index and file checksum.
import { ByteReader } from './byte-reader.ts';
import { Crc64 } from './crc64.ts';
import { LtxFormatError } from './errors.ts';
import { decodeHeader } from './header.ts';
import { PageIndexBuilder } from './index-builder.ts';
import { decompressBlockInto, Lz4FormatError } from './lz4-block.ts';
import { lz4FrameSteps } from './lz4-frame.ts';
import { PageOrder } from './page-order.ts';
import { type LtxDecoderOptions, PageSlab } from './page-slab.ts';
import {
  CHECKSUM_FLAG,
  HEADER_FLAG_NO_CHECKSUM,
  HEADER_SIZE,
  type LtxHeader,
  type LtxPage,
  type LtxPageIndexEntry,
  type LtxTrailer,
  PAGE_FLAG_SIZE,
  PAGE_HEADER_SIZE,
  PAGE_SIZE_FIELD_SIZE,
  TRAILER_SIZE,
} from './types.ts';
import { readUvarint } from './varint.ts';

export type { LtxDecoderOptions };

const FRAME_HEADER = PAGE_HEADER_SIZE + PAGE_SIZE_FIELD_SIZE;
export class LtxDecoder {
  readonly fileName: string;
  private readonly reader: ByteReader;
  private readonly crc = new Crc64();
  private readonly indexBuilder = new PageIndexBuilder();
  private readonly slab: PageSlab;
  private hdr: LtxHeader | undefined;
  private order: PageOrder | undefined;
  private pagesStarted = false;
  private pagesDone = false;
  private trl: LtxTrailer | undefined;
  /** Bytes in the whole file, known once the trailer is read. */
  fileSize = 0;

  constructor(source: AsyncIterable<Uint8Array>, fileName: string, options: LtxDecoderOptions = {}) {
    this.reader = new ByteReader(source);
    this.fileName = fileName;
    this.slab = new PageSlab(options.pageRing ?? 0);
  }

  async header(): Promise<LtxHeader> {
    if (this.hdr) return this.hdr;
    const bytes = await this.reader.read(HEADER_SIZE);
    if (bytes.length < HEADER_SIZE) this.fail(bytes.length, `file too short for an LTX header (${bytes.length} bytes)`);
    this.hdr = decodeHeader(bytes, this.fileName);
    this.crc.update(bytes);
    this.order = new PageOrder(this.hdr);
    return this.hdr;
  }

  /**
   * Decoded pages in file order. Can be iterated once. Page data is never overwritten, so pages may be kept,
   * but it may be a view into a larger shared buffer (mind byteOffset when using .buffer).
   */
  async *pages(): AsyncGenerator<LtxPage> {
    const header = await this.header();
    if (this.pagesStarted) throw new Error(`${this.fileName}: pages() can only be iterated once`);
    this.pagesStarted = true;
    try {
      for (;;) {
        const page = this.nextBufferedPage(header) ?? (await this.nextPage(header));
        if (!page) break;
        yield page;
      }
    } finally {
      // An error or a consumer that stops early: release the source (a file handle, a network stream).
      if (!this.pagesDone) await this.reader.close();
    }
  }

  /**
   * The next page, returned directly when its frame is already buffered (no promise, no allocation with a page
   * ring), else as a promise; null after the last page. An alternative to pages() for hot loops such as
   * compaction: use one or the other. Call header() first. On an error the caller should close().
   */
  readPage(): LtxPage | null | Promise<LtxPage | null> {
    const header = this.hdr;
    if (!header) throw new Error(`${this.fileName}: readPage() called before header()`);
    if (this.pagesDone) return null;
    this.pagesStarted = true;
    return this.nextBufferedPage(header) ?? this.nextPage(header);
  }

  /** Reads (and, if needed, decodes the remaining pages before) the index and trailer; verifies the file checksum. */
  async trailer(): Promise<LtxTrailer> {
    if (this.trl) return this.trl;
    if (!this.pagesStarted) {
      for await (const _ of this.pages());
    } else if (!this.pagesDone) {
      throw new Error(`${this.fileName}: trailer() called while pages() is still being iterated`);
    }
    try {
      this.trl = await this.readIndexAndTrailer(this.hdr as LtxHeader);
    } catch (err) {
      await this.reader.close();
      throw err;
    }
    return this.trl;
  }

  /** Releases the source early (no-op once fully read). */
  async close(): Promise<void> {
    await this.reader.close();
  }

  /** Page index entries as recorded while decoding (complete once trailer() resolved). */
  index(): LtxPageIndexEntry[] {
    return this.indexBuilder.entries();
  }

  private fail(offset: number, what: string): never {
    throw new LtxFormatError(this.fileName, offset, what);
  }

  private async readExact(n: number, what: string): Promise<Uint8Array> {
    const start = this.reader.offset;
    const bytes = this.reader.tryRead(n) ?? (await this.reader.read(n));
    if (bytes.length < n) this.fail(start + bytes.length, `unexpected end of file in ${what}`);
    return bytes;
  }

  /**
   * Fast path without awaits: decodes the next v3 frame when it lies entirely in the buffered chunk.
   * Returns undefined to defer to nextPage() (frame split across chunks, end marker, legacy frame, or any problem).
   */
  private nextBufferedPage(header: LtxHeader): LtxPage | undefined {
    // Reads the reader's current chunk in place: no view object per page.
    const b = this.reader.chunkBytes();
    const at = this.reader.chunkPosition();
    const avail = b.length - at;
    if (avail < FRAME_HEADER || b[at + 4] !== 0 || b[at + 5] !== PAGE_FLAG_SIZE) return undefined;
    const pgno = ((b[at] << 24) | (b[at + 1] << 16) | (b[at + 2] << 8) | b[at + 3]) >>> 0;
    const size = ((b[at + 6] << 24) | (b[at + 7] << 16) | (b[at + 8] << 8) | b[at + 9]) >>> 0;
    const pageSize = header.pageSize;
    const order = this.order as PageOrder;
    if (size === 0 || size > pageSize + Math.ceil(pageSize / 255) + 16 || FRAME_HEADER + size > avail) return undefined;
    if (pgno === 0 || order.problem(pgno) !== null) return undefined;
    const page = this.slab.next(pgno, pageSize);
    let n: number;
    try {
      n = decompressBlockInto(b, at + FRAME_HEADER, at + FRAME_HEADER + size, page.data, 0, pageSize);
    } catch {
      return undefined;
    }
    if (n !== pageSize) return undefined;
    const frameOffset = this.reader.offset;
    order.accept(pgno);
    this.crc.update(b, at, at + FRAME_HEADER);
    this.crc.update(page.data);
    this.indexBuilder.add(pgno, frameOffset, FRAME_HEADER + size);
    this.reader.skip(FRAME_HEADER + size);
    return page;
  }

  private async nextPage(header: LtxHeader): Promise<LtxPage | null> {
    const frameOffset = this.reader.offset;
    const ph = await this.readExact(PAGE_HEADER_SIZE, 'page header');
    const pgno = ((ph[0] << 24) | (ph[1] << 16) | (ph[2] << 8) | ph[3]) >>> 0;
    const flags = (ph[4] << 8) | ph[5];
    if (pgno === 0) {
      if (flags !== 0) this.fail(frameOffset, `invalid page header flags 0x${flags.toString(16)} in the end-of-pages marker`);
      this.crc.update(ph);
      const endProblem = (this.order as PageOrder).endProblem();
      if (endProblem) this.fail(frameOffset, endProblem);
      this.pagesDone = true;
      return null;
    }
    if ((flags & ~PAGE_FLAG_SIZE) !== 0) this.fail(frameOffset, this.badFlagsMessage(flags));
    const order = this.order as PageOrder;
    const orderProblem = order.problem(pgno);
    if (orderProblem) this.fail(frameOffset, orderProblem);
    order.accept(pgno);
    const pageSize = header.pageSize;
    if ((flags & PAGE_FLAG_SIZE) === 0) return this.legacyPage(ph, pgno, frameOffset, pageSize);
    this.crc.update(ph);
    const sizeField = await this.readExact(PAGE_SIZE_FIELD_SIZE, 'page size field');
    this.crc.update(sizeField);
    const size = ((sizeField[0] << 24) | (sizeField[1] << 16) | (sizeField[2] << 8) | sizeField[3]) >>> 0;
    const payloadOffset = this.reader.offset;
    if (size === 0 || size > pageSize + Math.ceil(pageSize / 255) + 16) {
      this.fail(payloadOffset - PAGE_SIZE_FIELD_SIZE, `page ${pgno}: invalid compressed size ${size}`);
    }
    const payload = await this.readExact(size, `page ${pgno} data`);
    const page = this.slab.next(pgno, pageSize);
    const data = page.data;
    let n: number;
    try {
      n = decompressBlockInto(payload, 0, size, data, 0, pageSize);
    } catch (err) {
      if (err instanceof Lz4FormatError) this.fail(payloadOffset + err.at, `page ${pgno}: corrupt LZ4 block: ${err.message}`);
      throw err;
    }
    if (n !== pageSize) this.fail(payloadOffset, `page ${pgno}: LZ4 block decoded to ${n} bytes, expected page size ${pageSize}`);
    this.crc.update(data);
    this.indexBuilder.add(pgno, frameOffset, FRAME_HEADER + size);
    return page;
  }

  /** Legacy ltx v0.5.0 frame: 6-byte header then an LZ4 frame stream with no size prefix. */
  private async legacyPage(ph: Uint8Array, pgno: number, frameOffset: number, pageSize: number): Promise<LtxPage> {
    this.crc.update(ph);
    const payloadOffset = this.reader.offset;
    const steps = lz4FrameSteps(pageSize);
    let step = steps.next(new Uint8Array(0));
    try {
      while (!step.done) step = steps.next(await this.readExact(step.value, `page ${pgno} LZ4 frame`));
    } catch (err) {
      if (err instanceof Lz4FormatError) this.fail(payloadOffset + err.at, `page ${pgno}: corrupt LZ4 frame: ${err.message}`);
      throw err;
    }
    const data = step.value;
    if (data.length !== pageSize) this.fail(payloadOffset, `page ${pgno}: LZ4 frame decoded to ${data.length} bytes, expected page size ${pageSize}`);
    this.crc.update(data);
    this.indexBuilder.add(pgno, frameOffset, this.reader.offset - frameOffset);
    return { pgno, data };
  }

  private badFlagsMessage(flags: number): string {
    const base = `invalid page header flags 0x${flags.toString(16).padStart(4, '0')}`;
    if (this.indexBuilder.count > 0) return base;
    return `${base}; this looks like a pre-v0.5 (format v2) LTX file with 4-byte page headers and uncompressed pages, which Litestream v0.5 and streambed do not read`;
  }

  private async readIndexAndTrailer(header: LtxHeader): Promise<LtxTrailer> {
    const idx = this.indexBuilder;
    const start = this.reader.offset;
    const expectedVarints = idx.varintLength();
    const want = expectedVarints + 8 + TRAILER_SIZE;
    const bytes = await this.reader.read(want);
    if (bytes.length < want) this.fail(start + bytes.length, 'unexpected end of file in the page index or trailer');
    let p = 0;
    const fields = ['page number', 'offset', 'size'];
    for (let i = 0; i < idx.count; i++) {
      for (let f = 0; f < 3; f++) {
        const expected = idx.field(i, f);
        const r = readUvarint(bytes, p, expectedVarints);
        if (!r || r[0] !== expected) {
          this.fail(start + p, `page index entry ${i} ${fields[f]} is ${r ? r[0] : 'unreadable'}, but the page block says ${expected}`);
        }
        p = r[1];
      }
    }
    if (bytes[p] !== 0) this.fail(start + p, 'page index has more entries than the file has pages');
    p++;
    const view = new DataView(bytes.buffer, bytes.byteOffset, want);
    const indexLen = view.getBigUint64(p);
    if (indexLen !== BigInt(expectedVarints)) this.fail(start + p, `page index size field says ${indexLen}, but the index is ${expectedVarints} bytes`);
    p += 8;
    this.crc.update(bytes, 0, p + 8);
    const trailer: LtxTrailer = { postApplyChecksum: view.getBigUint64(p), fileChecksum: view.getBigUint64(p + 8) };
    const trailerOffset = start + p;
    if ((header.flags & HEADER_FLAG_NO_CHECKSUM) !== 0) {
      if (trailer.postApplyChecksum !== 0n) this.fail(trailerOffset, 'post-apply checksum must be zero when the NoChecksum flag is set');
    } else if ((trailer.postApplyChecksum & CHECKSUM_FLAG) === 0n) {
      this.fail(trailerOffset, 'invalid post-apply checksum (bit 63 not set)');
    }
    if ((trailer.fileChecksum & CHECKSUM_FLAG) === 0n) this.fail(trailerOffset + 8, 'invalid file checksum (bit 63 not set)');
    const computed = CHECKSUM_FLAG | this.crc.digest();
    if (computed !== trailer.fileChecksum) {
      this.fail(trailerOffset + 8, `file checksum mismatch: trailer says ${hex16(trailer.fileChecksum)}, content gives ${hex16(computed)}`);
    }
    this.fileSize = start + want;
    if (!(await this.reader.atEnd())) this.fail(this.fileSize, 'unexpected bytes after the trailer');
    return trailer;
  }
}

export function hex16(v: bigint): string {
  return v.toString(16).padStart(16, '0');
}

async function* single(bytes: Uint8Array): AsyncGenerator<Uint8Array> {
  yield bytes;
}

export interface DecodedLtx {
  header: LtxHeader;
  pages: LtxPage[];
  index: LtxPageIndexEntry[];
  trailer: LtxTrailer;
}

/** Decodes and fully verifies an LTX file held in memory. */
export async function decodeLtxBuffer(bytes: Uint8Array, name: string): Promise<DecodedLtx> {
  const dec = new LtxDecoder(single(bytes), name);
  const header = await dec.header();
  const pages: LtxPage[] = [];
  for await (const page of dec.pages()) pages.push(page);
  const trailer = await dec.trailer();
  return { header, pages, index: dec.index(), trailer };
}

/** Streams through a whole file and checks everything, holding one page at a time. */
export async function verifyLtx(
  source: AsyncIterable<Uint8Array>,
  name: string,
): Promise<{ header: LtxHeader; trailer: LtxTrailer; pageCount: number }> {
  const dec = new LtxDecoder(source, name, { pageRing: 1 });
  const header = await dec.header();
  let pageCount = 0;
  for await (const _ of dec.pages()) pageCount++;
  const trailer = await dec.trailer();
  return { header, trailer, pageCount };
}
