// Streaming LZ4 frame decoder for v0.3 files: output in block-sized pieces, so a large snapshot never sits in memory.
import { ByteReader } from '../ltx/byte-reader.ts';
import { decompressBlockInto, Lz4FormatError } from '../ltx/lz4-block.ts';
import { Xxh32Stream, xxh32 } from '../ltx/xxh32.ts';

const FRAME_MAGIC = 0x184d2204;
/** Skippable frames carry magic 0x184D2A50..0x184D2A5F and are ignored. */
const SKIPPABLE_MASK = 0xfffffff0;
const SKIPPABLE_MAGIC = 0x184d2a50;
const BLOCK_MAX_SIZES: Record<number, number> = { 4: 64 << 10, 5: 256 << 10, 6: 1 << 20, 7: 4 << 20 };
/** Linked blocks may refer back this far into earlier output. */
const WINDOW = 64 << 10;

function u32le(b: Uint8Array, i = 0): number {
  return (b[i] | (b[i + 1] << 8) | (b[i + 2] << 16) | (b[i + 3] << 24)) >>> 0;
}

async function readExactly(reader: ByteReader, n: number, what: string): Promise<Uint8Array> {
  const at = reader.offset;
  const bytes = await reader.read(n);
  if (bytes.length < n) throw new Lz4FormatError(`truncated LZ4 frame: ${what} cut short`, at + bytes.length);
  return bytes;
}

interface FrameHeader {
  blockMax: number;
  independent: boolean;
  blockChecksums: boolean;
  contentChecksum: boolean;
  contentSize: number;
}

async function readFrameHeader(reader: ByteReader): Promise<FrameHeader> {
  const start = reader.offset;
  const fd = await readExactly(reader, 2, 'frame descriptor');
  const flg = fd[0];
  const bd = fd[1];
  if (flg >> 6 !== 1) throw new Lz4FormatError(`unsupported LZ4 frame version ${flg >> 6}`, start);
  const hasContentSize = (flg & 0x08) !== 0;
  const hasDictId = (flg & 0x01) !== 0;
  const blockMax = BLOCK_MAX_SIZES[(bd >> 4) & 7];
  if (blockMax === undefined) throw new Lz4FormatError(`invalid LZ4 block size code ${(bd >> 4) & 7}`, start + 1);
  const rest = (hasContentSize ? 8 : 0) + (hasDictId ? 4 : 0);
  const descriptor = new Uint8Array(2 + rest);
  descriptor.set(fd, 0);
  if (rest > 0) descriptor.set(await readExactly(reader, rest, 'frame descriptor'), 2);
  if (hasDictId) throw new Lz4FormatError('LZ4 frames with a dictionary are not supported', start);
  const hc = (await readExactly(reader, 1, 'header checksum'))[0];
  if (((xxh32(descriptor) >>> 8) & 0xff) !== hc) throw new Lz4FormatError('LZ4 frame descriptor checksum mismatch', reader.offset - 1);
  return {
    blockMax,
    independent: (flg & 0x20) !== 0,
    blockChecksums: (flg & 0x10) !== 0,
    contentChecksum: (flg & 0x04) !== 0,
    contentSize: hasContentSize ? u32le(descriptor, 2) + u32le(descriptor, 6) * 2 ** 32 : -1,
  };
}

/** Decodes one frame's blocks after its header, yielding copies of each block's output. */
async function* decodeBlocks(reader: ByteReader, header: FrameHeader): AsyncGenerator<Uint8Array> {
  const out = new Uint8Array(WINDOW + header.blockMax);
  const sum = header.contentChecksum ? new Xxh32Stream() : undefined;
  let history = 0;
  let total = 0;
  for (;;) {
    const raw = u32le(await readExactly(reader, 4, 'block size'));
    if (raw === 0) break;
    const size = raw & 0x7fffffff;
    const at = reader.offset;
    if (size > header.blockMax) throw new Lz4FormatError(`LZ4 block size ${size} exceeds the frame maximum ${header.blockMax}`, at - 4);
    const block = await readExactly(reader, size + (header.blockChecksums ? 4 : 0), 'block');
    if (header.blockChecksums && xxh32(block, 0, size) !== u32le(block, size)) throw new Lz4FormatError('LZ4 block checksum mismatch', at + size);
    let end: number;
    if ((raw & 0x80000000) !== 0) {
      out.set(block.subarray(0, size), history);
      end = history + size;
    } else {
      try {
        end = decompressBlockInto(block, 0, size, out, history, out.length, header.independent ? history : 0);
      } catch (err) {
        throw err instanceof Lz4FormatError ? new Lz4FormatError(err.message, at + err.at) : err;
      }
    }
    const piece = out.slice(history, end);
    sum?.update(piece);
    total += piece.length;
    if (piece.length > 0) yield piece;
    const keep = Math.min(WINDOW, end);
    out.copyWithin(0, end - keep, end);
    history = keep;
  }
  if (sum) {
    const at = reader.offset;
    if (u32le(await readExactly(reader, 4, 'content checksum')) !== sum.digest()) throw new Lz4FormatError('LZ4 frame content checksum mismatch', at);
  }
  if (header.contentSize >= 0 && header.contentSize !== total) {
    throw new Lz4FormatError(`LZ4 frame content size ${header.contentSize} but ${total} bytes decoded`, reader.offset);
  }
}

async function* toAsync(items: Iterable<Uint8Array>): AsyncGenerator<Uint8Array> {
  yield* items;
}

/**
 * Decodes a stream of LZ4 frames (one or more, concatenated, skippable frames ignored) into its content.
 * Pieces are fresh copies the caller may keep. Errors are Lz4FormatError with the compressed byte offset.
 */
export async function* decodeLz4Stream(source: AsyncIterable<Uint8Array> | Iterable<Uint8Array>): AsyncGenerator<Uint8Array> {
  const reader = new ByteReader(Symbol.asyncIterator in source ? source : toAsync(source));
  try {
    let frames = 0;
    while (!(await reader.atEnd())) {
      const at = reader.offset;
      const magic = u32le(await readExactly(reader, 4, 'frame magic'));
      if ((magic & SKIPPABLE_MASK) === SKIPPABLE_MAGIC) {
        const size = u32le(await readExactly(reader, 4, 'skippable frame size'));
        await readExactly(reader, size, 'skippable frame');
        continue;
      }
      if (magic !== FRAME_MAGIC) throw new Lz4FormatError(`not an LZ4 frame (magic 0x${magic.toString(16).padStart(8, '0')})`, at);
      yield* decodeBlocks(reader, await readFrameHeader(reader));
      frames += 1;
    }
    if (frames === 0) throw new Lz4FormatError('empty file: no LZ4 frame', 0);
  } finally {
    await reader.close();
  }
}
