// Ranged access to LTX files: read the header and page index from the end of the file, then fetch single pages.
import { LtxFormatError } from './errors.ts';
import { decodeHeader } from './header.ts';
import { decompressBlockInto, Lz4FormatError } from './lz4-block.ts';
import { decompressFrame } from './lz4-frame.ts';
import {
  HEADER_SIZE,
  type LtxHeader,
  type LtxPageIndexEntry,
  PAGE_FLAG_SIZE,
  PAGE_HEADER_SIZE,
  PAGE_SIZE_FIELD_SIZE,
  TRAILER_SIZE,
} from './types.ts';
import { readUvarint } from './varint.ts';

export type ReadRange = (offset: number, length: number) => Promise<Uint8Array>;

/** Litestream fetches this much from the end first; most indexes fit. */
const TAIL_FETCH = 32 * 1024;
const INDEX_SIZE_FIELD = 8;
const MIN_FILE = HEADER_SIZE + PAGE_HEADER_SIZE + 1 + INDEX_SIZE_FIELD + TRAILER_SIZE;

async function fetchExact(readRange: ReadRange, offset: number, length: number, file: string): Promise<Uint8Array> {
  const bytes = await readRange(offset, length);
  if (bytes.length !== length) throw new LtxFormatError(file, offset, `ranged read returned ${bytes.length} bytes, expected ${length}`);
  return bytes;
}

export async function readLtxIndex(
  readRange: ReadRange,
  fileSize: number,
  fileName: string,
): Promise<{ header: LtxHeader; index: LtxPageIndexEntry[] }> {
  if (fileSize < MIN_FILE) throw new LtxFormatError(fileName, fileSize, `file of ${fileSize} bytes is too small to be an LTX file`);
  const tailStart = Math.max(0, fileSize - TAIL_FETCH);
  let tail = await fetchExact(readRange, tailStart, fileSize - tailStart, fileName);
  const sizeAt = fileSize - TRAILER_SIZE - INDEX_SIZE_FIELD;
  const indexLenBig = new DataView(tail.buffer, tail.byteOffset + sizeAt - tailStart, INDEX_SIZE_FIELD).getBigUint64(0);
  const pagesEnd = HEADER_SIZE + PAGE_HEADER_SIZE;
  if (indexLenBig < 1n || indexLenBig > BigInt(sizeAt - pagesEnd)) {
    throw new LtxFormatError(fileName, sizeAt, `invalid page index size ${indexLenBig} for a file of ${fileSize} bytes`);
  }
  const indexStart = sizeAt - Number(indexLenBig);
  let tailBase = tailStart;
  if (indexStart < tailStart) {
    tail = await fetchExact(readRange, indexStart, sizeAt - indexStart, fileName);
    tailBase = indexStart;
  }
  const header = decodeHeader(tailStart === 0 ? tail.subarray(0, HEADER_SIZE) : await fetchExact(readRange, 0, HEADER_SIZE, fileName), fileName);
  const index = parseIndex(tail, indexStart - tailBase, sizeAt - tailBase, indexStart, fileName, indexStart - PAGE_HEADER_SIZE);
  return { header, index };
}

function parseIndex(
  bytes: Uint8Array,
  start: number,
  end: number,
  fileOffset: number,
  file: string,
  pagesEnd: number,
): LtxPageIndexEntry[] {
  const entries: LtxPageIndexEntry[] = [];
  let p = start;
  let prev = 0;
  let expectedOffset = HEADER_SIZE;
  for (;;) {
    const at = fileOffset + (p - start);
    const pg = readUvarint(bytes, p, end);
    if (!pg) throw new LtxFormatError(file, at, 'truncated page index');
    p = pg[1];
    if (pg[0] === 0) break;
    const off = readUvarint(bytes, p, end);
    const size = off && readUvarint(bytes, off[1], end);
    if (!off || !size) throw new LtxFormatError(file, at, 'truncated page index entry');
    p = size[1];
    const entry = { pgno: pg[0], offset: off[0], size: size[0] };
    if (entry.pgno <= prev) throw new LtxFormatError(file, at, `page index out of order: ${prev} then ${entry.pgno}`);
    if (entry.offset !== expectedOffset || entry.size <= PAGE_HEADER_SIZE || entry.offset + entry.size > pagesEnd) {
      throw new LtxFormatError(file, at, `page index entry for page ${entry.pgno} (offset ${entry.offset}, size ${entry.size}) does not fit the page block`);
    }
    if (entry.pgno > 0xffffffff) throw new LtxFormatError(file, at, `invalid page number ${entry.pgno}`);
    prev = entry.pgno;
    expectedOffset = entry.offset + entry.size;
    entries.push(entry);
  }
  if (p !== end) throw new LtxFormatError(file, fileOffset + (p - start), 'page index terminator found before the end of the index');
  if (expectedOffset !== pagesEnd) throw new LtxFormatError(file, pagesEnd, 'page index does not cover the whole page block');
  return entries;
}

/** Fetches and decodes one page using its index entry; checks the frame's page number and size. */
export async function readLtxPage(readRange: ReadRange, entry: LtxPageIndexEntry, pageSize: number, fileName: string): Promise<Uint8Array> {
  const frame = await fetchExact(readRange, entry.offset, entry.size, fileName);
  const pgno = ((frame[0] << 24) | (frame[1] << 16) | (frame[2] << 8) | frame[3]) >>> 0;
  const flags = (frame[4] << 8) | frame[5];
  if (pgno !== entry.pgno) throw new LtxFormatError(fileName, entry.offset, `page frame holds page ${pgno}, index says ${entry.pgno}`);
  if ((flags & ~PAGE_FLAG_SIZE) !== 0) throw new LtxFormatError(fileName, entry.offset, `invalid page header flags 0x${flags.toString(16)}`);
  const out = new Uint8Array(pageSize);
  try {
    if ((flags & PAGE_FLAG_SIZE) === 0) {
      const data = decompressFrame(frame.subarray(PAGE_HEADER_SIZE));
      if (data.length !== pageSize) throw new Lz4FormatError(`LZ4 frame decoded to ${data.length} bytes, expected ${pageSize}`, 0);
      return data;
    }
    const start = PAGE_HEADER_SIZE + PAGE_SIZE_FIELD_SIZE;
    const size = ((frame[6] << 24) | (frame[7] << 16) | (frame[8] << 8) | frame[9]) >>> 0;
    if (start + size !== frame.length) throw new LtxFormatError(fileName, entry.offset + PAGE_HEADER_SIZE, `compressed size ${size} does not match index size ${entry.size}`);
    const n = decompressBlockInto(frame, start, frame.length, out, 0, pageSize);
    if (n !== pageSize) throw new Lz4FormatError(`LZ4 block decoded to ${n} bytes, expected ${pageSize}`, 0);
  } catch (err) {
    if (err instanceof Lz4FormatError) throw new LtxFormatError(fileName, entry.offset, `page ${pgno}: ${err.message}`);
    throw err;
  }
  return out;
}
