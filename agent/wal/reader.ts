// The agent's WAL reader: reads frames in order from a file or bytes, checking them as SQLite's recovery does.
import { fstatSync, readSync } from 'node:fs';
import { NATIVE_LITTLE_ENDIAN, type WalChecksum } from '../../core/sqlite/wal-checksum.ts';
import { WAL_FRAME_HEADER_SIZE, WAL_HEADER_SIZE, parseWalHeader, walFrameSize, walHeaderSeed, type WalHeader } from '../../core/sqlite/wal-format.ts';
import { frameChecksum, frameChecksumWords, parseFrameHeader } from '../../core/sqlite/wal-frames.ts';

const DEFAULT_CHUNK_BYTES = 4 * 1024 * 1024;
/** First read size; it doubles with every full chunk up to chunkBytes. */
const INITIAL_CHUNK_BYTES = 64 * 1024;

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
  /** Scratch sum of the frame being checked, so the hot loop allocates nothing. */
  private readonly frameSum: WalChecksum = { s0: 0, s1: 0 };
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
    this.checksum = options.seed ? { ...options.seed } : walHeaderSeed(header);
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
        const sum = this.checksumAt(base);
        const c1 = v.getUint32(base + 16);
        const c2 = v.getUint32(base + 20);
        if (sum.s0 !== c1 || sum.s1 !== c2) {
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

  /** Checksum chained from the previous frame over this frame's first 8 header bytes and its page (in frameSum). */
  private checksumAt(base: number): WalChecksum {
    const sum = this.frameSum;
    sum.s0 = this.checksum.s0;
    sum.s1 = this.checksum.s1;
    const words = this.chunkWords;
    if (words === null) {
      frameChecksum(sum, this.header, this.chunk.subarray(base, base + this.frameSize));
    } else {
      frameChecksumWords(sum, words, base >>> 2, (base + this.frameSize) >>> 2);
    }
    return sum;
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
