// LZ4 *frame* decoding for legacy pages written by ltx v0.5.0 (Litestream v0.5.0–v0.5.4): a step parser usable from buffers and streams.
import { decompressBlockInto, Lz4FormatError } from './lz4-block.ts';
import { xxh32 } from './xxh32.ts';

const FRAME_MAGIC = 0x184d2204;
const BLOCK_MAX_SIZES: Record<number, number> = { 4: 64 << 10, 5: 256 << 10, 6: 1 << 20, 7: 4 << 20 };

function u32le(b: Uint8Array, i: number): number {
  return (b[i] | (b[i + 1] << 8) | (b[i + 2] << 16) | (b[i + 3] << 24)) >>> 0;
}

/**
 * Parses one LZ4 frame. It yields how many more bytes it needs and is resumed with exactly that many bytes
 * (a view it may read only until the next yield). Returns the decompressed content.
 * `consumed` (in the returned state) counts the bytes read so callers can report offsets.
 */
export function* lz4FrameSteps(expectedSize?: number): Generator<number, Uint8Array, Uint8Array> {
  const head: Uint8Array = yield 7;
  if (u32le(head, 0) !== FRAME_MAGIC) throw new Lz4FormatError(`not an LZ4 frame (magic 0x${u32le(head, 0).toString(16)})`, 0);
  const flg = head[4];
  const bd = head[5];
  if (flg >> 6 !== 1) throw new Lz4FormatError(`unsupported LZ4 frame version ${flg >> 6}`, 4);
  const blockChecksums = (flg & 0x10) !== 0;
  const hasContentSize = (flg & 0x08) !== 0;
  const contentChecksum = (flg & 0x04) !== 0;
  const hasDictId = (flg & 0x01) !== 0;
  if (hasDictId) throw new Lz4FormatError('LZ4 frames with a dictionary are not supported', 4);
  const blockMax = BLOCK_MAX_SIZES[(bd >> 4) & 7];
  if (blockMax === undefined) throw new Lz4FormatError(`invalid LZ4 block size code ${(bd >> 4) & 7}`, 5);
  const descriptor = new Uint8Array(hasContentSize ? 10 : 2);
  descriptor[0] = flg;
  descriptor[1] = bd;
  // `head` is only valid until the next yield, so keep the byte we still need.
  const head6 = head[6];
  let hc = head6;
  let pos = 7;
  let contentSize = -1;
  if (hasContentSize) {
    const rest: Uint8Array = yield 8;
    descriptor[2] = head6;
    descriptor.set(rest.subarray(0, 7), 3);
    const sizeBytes = descriptor.subarray(2, 10);
    contentSize = u32le(sizeBytes, 0) + u32le(sizeBytes, 4) * 2 ** 32;
    hc = rest[7];
    pos += 8;
  }
  if (((xxh32(descriptor) >>> 8) & 0xff) !== hc) throw new Lz4FormatError('LZ4 frame descriptor checksum mismatch', pos - 1);
  let capacity = expectedSize ?? (contentSize >= 0 ? contentSize : blockMax);
  let out = new Uint8Array(capacity);
  let outLen = 0;
  for (;;) {
    const sizeField: Uint8Array = yield 4;
    const raw = u32le(sizeField, 0);
    pos += 4;
    if (raw === 0) break;
    const uncompressed = (raw & 0x80000000) !== 0;
    const size = raw & 0x7fffffff;
    if (size > blockMax) throw new Lz4FormatError(`LZ4 block size ${size} exceeds the frame maximum ${blockMax}`, pos - 4);
    const block: Uint8Array = yield size + (blockChecksums ? 4 : 0);
    if (blockChecksums && xxh32(block, 0, size) !== u32le(block, size)) {
      throw new Lz4FormatError('LZ4 block checksum mismatch', pos + size);
    }
    const room = outLen + blockMax;
    if (room > capacity && expectedSize === undefined) {
      capacity = Math.max(room, capacity * 2);
      const grown = new Uint8Array(capacity);
      grown.set(out.subarray(0, outLen));
      out = grown;
    }
    if (uncompressed) {
      if (outLen + size > capacity) throw new Lz4FormatError('LZ4 frame output larger than expected', pos);
      out.set(block.subarray(0, size), outLen);
      outLen += size;
    } else {
      try {
        outLen = decompressBlockInto(block, 0, size, out, outLen, capacity, 0);
      } catch (err) {
        if (err instanceof Lz4FormatError) throw new Lz4FormatError(err.message, pos + err.at);
        throw err;
      }
    }
    pos += size + (blockChecksums ? 4 : 0);
  }
  const result = out.subarray(0, outLen);
  if (contentChecksum) {
    const sum: Uint8Array = yield 4;
    if (xxh32(result) !== u32le(sum, 0)) throw new Lz4FormatError('LZ4 frame content checksum mismatch', pos);
  }
  if (contentSize >= 0 && contentSize !== outLen) {
    throw new Lz4FormatError(`LZ4 frame content size ${contentSize} but ${outLen} bytes decoded`, pos);
  }
  return result;
}

/** Decodes one complete LZ4 frame held in memory; trailing bytes are an error. */
export function decompressFrame(src: Uint8Array, expectedSize?: number): Uint8Array {
  const steps = lz4FrameSteps(expectedSize);
  let pos = 0;
  let step = steps.next(new Uint8Array(0));
  while (!step.done) {
    const n = step.value;
    if (pos + n > src.length) throw new Lz4FormatError('truncated LZ4 frame', src.length);
    step = steps.next(src.subarray(pos, pos + n));
    pos += n;
  }
  if (pos !== src.length) throw new Lz4FormatError(`${src.length - pos} trailing bytes after the LZ4 frame`, pos);
  return step.value;
}
