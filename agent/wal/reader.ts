// SQLite WAL file format: header parsing, the cumulative frame checksum and a chunked frame reader.
import { fstatSync, readSync } from 'node:fs';
import { endianness } from 'node:os';
import { WAL_FRAME_HEADER_SIZE, WAL_HEADER_SIZE, WAL_MAGIC_BE, WAL_MAGIC_LE, WAL_VERSION, walFrameSize } from '../../core/sqlite/wal-format.ts';

const NATIVE_LITTLE_ENDIAN = endianness() === 'LE';
const DEFAULT_CHUNK_BYTES = 4 * 1024 * 1024;
/** First read size; it doubles with every full chunk up to chunkBytes. */
const INITIAL_CHUNK_BYTES = 64 * 1024;

export interface WalHeader {
  /** True for magic 0x377f0683: checksum words are read big-endian. */
  bigEndianChecksums: boolean;
  version: number;
  pageSize: number;
  checkpointSeq: number;
  salt1: number;
  salt2: number;
  checksum1: number;
  checksum2: number;
}

/** Where frames come from: a file descriptor or an in-memory copy of a WAL. */
export interface ByteSource {
  /** Reads up to buffer.length bytes at position; returns the count (short only at end of data). */
  readAt(buffer: Uint8Array, position: number): number;
  size(): number;
}

export function fileSource(fd: number): ByteSource {
  return {
    readAt(buffer, position) {
      let done = 0;
      while (done < buffer.length) {
        const n = readSync(fd, buffer, done, buffer.length - done, position + done);
        if (n === 0) break;
        done += n;
      }
      return done;
    },
    size: () => fstatSync(fd).size,
  };
}

export function bufferSource(bytes: Uint8Array): ByteSource {
  return {
    readAt(buffer, position) {
      if (position >= bytes.length) return 0;
      const part = bytes.subarray(position, Math.min(bytes.length, position + buffer.length));
      buffer.set(part);
      return part.length;
    },
    size: () => bytes.length,
  };
}

/** Running checksum pair (s0, s1); mutated in place so hot loops allocate nothing. */
export interface WalChecksum {
  s0: number;
  s1: number;
}

/**
 * SQLite's WAL checksum over `length` bytes at `offset` (a multiple of 8): for each pair of 32-bit words,
 * s0 += x0 + s1; s1 += x1 + s0, all modulo 2^32, with words in the byte order chosen by the magic.
 */
export function updateWalChecksum(sum: WalChecksum, bigEndian: boolean, bytes: Uint8Array, offset: number, length: number): void {
  if (length % 8 !== 0) throw new RangeError(`WAL checksum length ${length} is not a multiple of 8`);
  let s0 = sum.s0;
  let s1 = sum.s1;
  const absolute = bytes.byteOffset + offset;
  if (bigEndian !== NATIVE_LITTLE_ENDIAN && absolute % 4 === 0) {
    // Native word order matches the checksum order: read whole words straight from memory.
    const words = new Uint32Array(bytes.buffer, absolute, length >>> 2);
    for (let i = 0; i < words.length; i += 2) {
      s0 = (s0 + words[i] + s1) >>> 0;
      s1 = (s1 + words[i + 1] + s0) >>> 0;
    }
  } else {
    const view = new DataView(bytes.buffer, absolute, length);
    const little = !bigEndian;
    for (let i = 0; i < length; i += 8) {
      s0 = (s0 + view.getUint32(i, little) + s1) >>> 0;
      s1 = (s1 + view.getUint32(i + 4, little) + s0) >>> 0;
    }
  }
  sum.s0 = s0;
  sum.s1 = s1;
}

function isValidPageSize(n: number): boolean {
  return n >= 512 && n <= 65536 && (n & (n - 1)) === 0;
}

/**
 * Parses the 32-byte WAL header. Returns a reason string instead of a header when SQLite would treat the
 * WAL as empty (too short, unknown magic or version, bad page size, checksum mismatch).
 */
export function parseWalHeader(bytes: Uint8Array): WalHeader | string {
  if (bytes.length < WAL_HEADER_SIZE) return `WAL header is ${bytes.length} bytes, expected ${WAL_HEADER_SIZE}`;
  const view = new DataView(bytes.buffer, bytes.byteOffset, WAL_HEADER_SIZE);
  const magic = view.getUint32(0);
  if (magic !== WAL_MAGIC_LE && magic !== WAL_MAGIC_BE) return `bad WAL magic 0x${magic.toString(16)} at byte 0`;
  const bigEndianChecksums = magic === WAL_MAGIC_BE;
  const version = view.getUint32(4);
  if (version !== WAL_VERSION) return `unsupported WAL version ${version} at byte 4 (expected ${WAL_VERSION})`;
  const pageSize = view.getUint32(8);
  if (!isValidPageSize(pageSize)) return `invalid WAL page size ${pageSize} at byte 8`;
  const checksum1 = view.getUint32(24);
  const checksum2 = view.getUint32(28);
  const sum = { s0: 0, s1: 0 };
  updateWalChecksum(sum, bigEndianChecksums, bytes, 0, 24);
  if (sum.s0 !== checksum1 || sum.s1 !== checksum2) return 'WAL header checksum mismatch at byte 24';
  return {
    bigEndianChecksums,
    version,
    pageSize,
    checkpointSeq: view.getUint32(12),
    salt1: view.getUint32(16),
    salt2: view.getUint32(20),
    checksum1,
    checksum2,
  };
}

/** Reads and parses the header of a WAL (file descriptor, bytes or source); null when missing or invalid. */
export function readWalHeader(source: ByteSource | Uint8Array | number): WalHeader | null {
  const src = typeof source === 'number' ? fileSource(source) : source instanceof Uint8Array ? bufferSource(source) : source;
  const buf = new Uint8Array(WAL_HEADER_SIZE);
  const n = src.readAt(buf, 0);
  const parsed = parseWalHeader(buf.subarray(0, n));
  return typeof parsed === 'string' ? null : parsed;
}

/** Byte size of a WAL holding `frames` frames, as used by the checkpoint thresholds. */
export function walSizeForFrames(pageSize: number, frames: number): number {
  return WAL_HEADER_SIZE + walFrameSize(pageSize) * frames;
}

/** One frame; `data` and `header` are views into the reader's buffer, valid until the next frame. */
export interface WalFrame {
  /** Byte offset of the frame header in the WAL. */
  offset: number;
  pgno: number;
  /** Database size in pages after this commit; 0 for frames that are not the last of a transaction. */
  commit: number;
  checksum1: number;
  checksum2: number;
  header: Uint8Array;
  data: Uint8Array;
}

export type WalStopReason = 'eof' | 'short-frame' | 'salt-mismatch' | 'checksum-mismatch' | 'zero-pgno' | 'limit';

export interface WalReaderOptions {
  /** Offset of the first frame to read (default 32). Must lie on a frame boundary. */
  offset?: number;
  /** Checksum of the frame before `offset` (default: the header checksum). */
  seed?: WalChecksum;
  /** Salts frames must carry (default: the header's). */
  salt1?: number;
  salt2?: number;
  chunkBytes?: number;
}

/** Reads valid frames in order, stopping at the first invalid one, as SQLite's recovery does. */
export class WalReader {
  readonly header: WalHeader;
  readonly frameSize: number;
  /** Offset just past the last valid frame read. */
  position: number;
  /** Checksum after the last valid frame read. */
  readonly checksum: WalChecksum;
  stopReason: WalStopReason | null = null;
  private readonly source: ByteSource;
  private readonly salt1: number;
  private readonly salt2: number;
  // Assigned by allocateChunk() in the constructor.
  private chunk!: Uint8Array;
  private chunkView!: DataView;
  /** Word view of the chunk when native byte order matches the checksum order; null otherwise. */
  private chunkWords!: Uint32Array | null;
  private readonly maxFrames: number;

  constructor(source: ByteSource, header: WalHeader, options: WalReaderOptions = {}) {
    this.source = source;
    this.header = header;
    this.frameSize = walFrameSize(header.pageSize);
    const offset = options.offset ?? WAL_HEADER_SIZE;
    if (offset < WAL_HEADER_SIZE || (offset - WAL_HEADER_SIZE) % this.frameSize !== 0) {
      throw new RangeError(`WAL offset ${offset} is not on a frame boundary for page size ${header.pageSize}`);
    }
    this.position = offset;
    this.checksum = options.seed ? { ...options.seed } : { s0: header.checksum1, s1: header.checksum2 };
    this.salt1 = options.salt1 ?? header.salt1;
    this.salt2 = options.salt2 ?? header.salt2;
    // Small first, growing only while whole chunks of frames keep coming: most syncs read a few frames, the
    // bytes after them are often stale frames of an earlier WAL generation (SQLite reuses the file without
    // truncating it), and a fresh 4 MiB buffer per sync costs more in zero-filling and GC than the reading.
    this.maxFrames = Math.max(1, Math.floor((options.chunkBytes ?? DEFAULT_CHUNK_BYTES) / this.frameSize));
    const unreadFrames = Math.ceil(Math.max(0, source.size() - offset) / this.frameSize);
    const initialFrames = Math.max(1, Math.floor(INITIAL_CHUNK_BYTES / this.frameSize));
    this.allocateChunk(Math.min(this.maxFrames, initialFrames, Math.max(1, unreadFrames)));
  }

  private allocateChunk(frames: number): void {
    this.chunk = new Uint8Array(frames * this.frameSize);
    this.chunkView = new DataView(this.chunk.buffer);
    this.chunkWords = this.header.bigEndianChecksums !== NATIVE_LITTLE_ENDIAN ? new Uint32Array(this.chunk.buffer) : null;
  }

  /** Yields valid frames; the same frame object is reused for each step. Call `stop()` to end early. */
  *frames(): Generator<WalFrame, void, undefined> {
    const frame: WalFrame = { offset: 0, pgno: 0, commit: 0, checksum1: 0, checksum2: 0, header: this.chunk, data: this.chunk };
    const fs = this.frameSize;
    const bigEndian = this.header.bigEndianChecksums;
    while (this.stopReason === null) {
      const n = this.source.readAt(this.chunk, this.position);
      const whole = Math.floor(n / fs);
      if (whole === 0) {
        this.stopReason = n === 0 ? 'eof' : 'short-frame';
        return;
      }
      for (let i = 0; i < whole; i++) {
        const base = i * fs;
        const v = this.chunkView;
        if (v.getUint32(base + 8) !== this.salt1 || v.getUint32(base + 12) !== this.salt2) {
          this.stopReason = 'salt-mismatch';
          return;
        }
        const pgno = v.getUint32(base);
        if (pgno === 0) {
          this.stopReason = 'zero-pgno';
          return;
        }
        const [s0, s1] = this.frameChecksum(base);
        const c1 = v.getUint32(base + 16);
        const c2 = v.getUint32(base + 20);
        if (s0 !== c1 || s1 !== c2) {
          this.stopReason = 'checksum-mismatch';
          return;
        }
        this.checksum.s0 = c1;
        this.checksum.s1 = c2;
        frame.offset = this.position;
        frame.pgno = pgno;
        frame.commit = v.getUint32(base + 4);
        frame.checksum1 = c1;
        frame.checksum2 = c2;
        frame.header = this.chunk.subarray(base, base + WAL_FRAME_HEADER_SIZE);
        frame.data = this.chunk.subarray(base + WAL_FRAME_HEADER_SIZE, base + fs);
        this.position += fs;
        yield frame;
        if (this.stopReason !== null) return;
      }
      if (n < this.chunk.length) {
        // A short read is the end of the file as of now: no need for one more read to learn that.
        this.stopReason = whole * fs < n ? 'short-frame' : 'eof';
        return;
      }
      const frames = this.chunk.length / fs;
      if (frames < this.maxFrames) this.allocateChunk(Math.min(this.maxFrames, frames * 2));
    }
  }

  /** Checksum chained from the previous frame over this frame's first 8 header bytes and its page. */
  private frameChecksum(base: number): [number, number] {
    const words = this.chunkWords;
    if (words === null) {
      const sum = { s0: this.checksum.s0, s1: this.checksum.s1 };
      updateWalChecksum(sum, this.header.bigEndianChecksums, this.chunk, base, 8);
      updateWalChecksum(sum, this.header.bigEndianChecksums, this.chunk, base + WAL_FRAME_HEADER_SIZE, this.frameSize - WAL_FRAME_HEADER_SIZE);
      return [sum.s0, sum.s1];
    }
    let s0 = (this.checksum.s0 + words[base >>> 2] + this.checksum.s1) >>> 0;
    let s1 = (this.checksum.s1 + words[(base >>> 2) + 1] + s0) >>> 0;
    const end = (base + this.frameSize) >>> 2;
    for (let i = (base + WAL_FRAME_HEADER_SIZE) >>> 2; i < end; i += 2) {
      s0 = (s0 + words[i] + s1) >>> 0;
      s1 = (s1 + words[i + 1] + s0) >>> 0;
    }
    return [s0, s1];
  }

  /** Ends iteration after the current frame (used to stop at a byte limit). */
  stop(reason: WalStopReason = 'limit'): void {
    this.stopReason = reason;
  }
}

/** Reads the raw frame (header and page) at `offset`, or null when the WAL ends before it. */
export function readFrameAt(source: ByteSource, pageSize: number, offset: number): { header: Uint8Array; data: Uint8Array } | null {
  const buf = new Uint8Array(walFrameSize(pageSize));
  if (source.readAt(buf, offset) < buf.length) return null;
  return { header: buf.subarray(0, WAL_FRAME_HEADER_SIZE), data: buf.subarray(WAL_FRAME_HEADER_SIZE) };
}

export interface FrameHeaderFields {
  pgno: number;
  commit: number;
  salt1: number;
  salt2: number;
  checksum1: number;
  checksum2: number;
}

export function parseFrameHeader(header: Uint8Array): FrameHeaderFields {
  const v = new DataView(header.buffer, header.byteOffset, WAL_FRAME_HEADER_SIZE);
  return {
    pgno: v.getUint32(0),
    commit: v.getUint32(4),
    salt1: v.getUint32(8),
    salt2: v.getUint32(12),
    checksum1: v.getUint32(16),
    checksum2: v.getUint32(20),
  };
}

/**
 * Distinct salt pairs carried by frame headers from offset 32 on, in order of first appearance, stopping
 * after the first frame that carries `until` (checksums are not checked: stale frames are the point).
 */
export function collectFrameSalts(source: ByteSource, pageSize: number, until?: readonly [number, number]): Array<[number, number]> {
  const seen = new Map<string, [number, number]>();
  const hdr = new Uint8Array(WAL_FRAME_HEADER_SIZE);
  const fs = walFrameSize(pageSize);
  for (let offset = WAL_HEADER_SIZE; source.readAt(hdr, offset) === WAL_FRAME_HEADER_SIZE; offset += fs) {
    const f = parseFrameHeader(hdr);
    const key = `${f.salt1}:${f.salt2}`;
    if (!seen.has(key)) seen.set(key, [f.salt1, f.salt2]);
    if (until && f.salt1 === until[0] && f.salt2 === until[1]) break;
  }
  return [...seen.values()];
}
