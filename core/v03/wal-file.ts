// Builds one WAL index's `-wal` file from its v0.3 segments, checking every frame as SQLite's recovery would.
import { readSync } from 'node:fs';
import { open } from 'node:fs/promises';
import type { FileHandle } from 'node:fs/promises';
import { formatIndex, segmentLabel } from './layout.ts';
import type { V03Segment } from './list.ts';
import { WAL_FRAME_HEADER_SIZE, WAL_HEADER_SIZE, WAL_MAGIC_BE, WAL_MAGIC_LE, WAL_VERSION, walFrameSize } from '../sqlite/wal-format.ts';


export interface WalFileOptions {
  generation: string;
  index: number;
  /** The database's page size: the WAL must use the same. */
  pageSize: number;
  /** Descriptor of the restored database, to learn how far its pages already reach (the snapshot's own index). */
  compareFd?: number;
}

/** SQLite's WAL checksum over bytes [start, end): s0 += x0 + s1, s1 += x1 + s0 per pair of 32-bit words. */
function walChecksum(sum: [number, number], bytes: Uint8Array, start: number, end: number, littleEndian: boolean): void {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let [s0, s1] = sum;
  for (let i = start; i < end; i += 8) {
    s0 = (s0 + view.getUint32(i, littleEndian) + s1) >>> 0;
    s1 = (s1 + view.getUint32(i + 4, littleEndian) + s0) >>> 0;
  }
  sum[0] = s0;
  sum[1] = s1;
}

export class WalIndexFile {
  readonly path: string;
  private readonly options: WalFileOptions;
  private handle?: FileHandle;
  /** Bytes written so far: where the next segment must start. */
  bytes = 0;
  /** Frames checked so far. */
  frames = 0;
  /** Frame count through the last commit frame. */
  committedFrames = 0;
  /**
   * Largest committed frame count at which every page the frames wrote equals the database's page: the database
   * (a snapshot) already holds that state, so applying fewer frames would mix old pages with newer ones.
   */
  snapshotReach = 0;
  private header?: { littleEndian: boolean; salt1: number; salt2: number };
  private readonly sum: [number, number] = [0, 0];
  private readonly frameSize: number;
  private pending: Uint8Array;
  private pendingLength = 0;
  private current?: V03Segment;
  private readonly mismatched = new Set<number>();
  private readonly page: Buffer;

  constructor(path: string, options: WalFileOptions) {
    this.path = path;
    this.options = options;
    this.frameSize = walFrameSize(options.pageSize);
    this.pending = new Uint8Array(WAL_HEADER_SIZE);
    this.page = Buffer.alloc(options.compareFd !== undefined ? options.pageSize : 0);
  }

  async open(): Promise<void> {
    this.handle = await open(this.path, 'w');
  }

  /** Appends one segment's decompressed bytes; its offset must continue the previous segment exactly. */
  async append(segment: V03Segment, pieces: AsyncIterable<Uint8Array>): Promise<void> {
    if (!this.handle) throw new Error('WAL file not open');
    if (segment.offset !== this.bytes) {
      throw new Error(
        `v0.3 generation ${segment.generation}, WAL index ${formatIndex(segment.index)}: segment ${this.label(segment)} starts at offset ` +
          `${segment.offset} but the segments before it end at ${this.bytes}; a segment is missing or overlaps`,
      );
    }
    this.current = segment;
    for await (const piece of pieces) {
      let done = 0;
      while (done < piece.length) {
        const { bytesWritten } = await this.handle.write(piece, done, piece.length - done, this.bytes + done);
        done += bytesWritten;
      }
      this.consume(piece);
      this.bytes += piece.length;
    }
    if (!this.header || this.pendingLength !== 0) {
      throw this.fail(this.bytes, `the segment ends inside a ${this.header ? 'frame' : 'WAL header'} (${this.bytes} bytes of WAL so far)`);
    }
  }

  /** Keeps the first `frames` frames (after the header) and closes; SQLite reads it back through the page cache, so no fsync. */
  async finish(frames: number): Promise<void> {
    if (!this.handle) return;
    await this.handle.truncate(frames === 0 ? 0 : WAL_HEADER_SIZE + frames * this.frameSize);
    await this.handle.close();
    this.handle = undefined;
  }

  async close(): Promise<void> {
    await this.handle?.close().catch(() => undefined);
    this.handle = undefined;
  }

  private label(s: V03Segment): string {
    return segmentLabel(s.generation, s.index, s.offset);
  }

  private fail(walOffset: number, why: string): Error {
    const s = this.current;
    const where = s ? this.label(s) : `generation ${this.options.generation} index ${formatIndex(this.options.index)}`;
    return new Error(`v0.3 WAL segment ${where} is unusable at WAL offset ${walOffset}: ${why}`);
  }

  private consume(piece: Uint8Array): void {
    let i = 0;
    while (i < piece.length) {
      const want = this.header ? this.frameSize : WAL_HEADER_SIZE;
      const take = Math.min(want - this.pendingLength, piece.length - i);
      this.pending.set(piece.subarray(i, i + take), this.pendingLength);
      this.pendingLength += take;
      i += take;
      if (this.pendingLength < want) continue;
      const at = this.bytes + i - want;
      if (this.header) this.checkFrame(this.pending, at);
      else this.readHeader(this.pending, at);
      this.pendingLength = 0;
    }
  }

  private readHeader(b: Uint8Array, at: number): void {
    const view = new DataView(b.buffer, b.byteOffset, WAL_HEADER_SIZE);
    const magic = view.getUint32(0);
    if (magic !== WAL_MAGIC_LE && magic !== WAL_MAGIC_BE) throw this.fail(at, `bad WAL magic 0x${magic.toString(16)}`);
    if (view.getUint32(4) !== WAL_VERSION) throw this.fail(at, `unsupported WAL version ${view.getUint32(4)}`);
    const pageSize = view.getUint32(8);
    if (pageSize !== this.options.pageSize) throw this.fail(at, `the WAL page size is ${pageSize} but the snapshot's is ${this.options.pageSize}`);
    const littleEndian = magic === WAL_MAGIC_LE;
    walChecksum(this.sum, b, 0, 24, littleEndian);
    if (this.sum[0] !== view.getUint32(24) || this.sum[1] !== view.getUint32(28)) throw this.fail(at, 'WAL header checksum mismatch');
    this.header = { littleEndian, salt1: view.getUint32(16), salt2: view.getUint32(20) };
    this.pending = new Uint8Array(this.frameSize);
  }

  private checkFrame(b: Uint8Array, at: number): void {
    const h = this.header!;
    const view = new DataView(b.buffer, b.byteOffset, WAL_FRAME_HEADER_SIZE);
    const pgno = view.getUint32(0);
    if (pgno === 0) throw this.fail(at, 'frame for page 0');
    if (view.getUint32(8) !== h.salt1 || view.getUint32(12) !== h.salt2) throw this.fail(at, 'frame salt does not match the WAL header (a frame from another WAL)');
    walChecksum(this.sum, b, 0, 8, h.littleEndian);
    walChecksum(this.sum, b, WAL_FRAME_HEADER_SIZE, this.frameSize, h.littleEndian);
    if (this.sum[0] !== view.getUint32(16) || this.sum[1] !== view.getUint32(20)) throw this.fail(at, 'frame checksum mismatch');
    this.frames += 1;
    if (this.options.compareFd !== undefined) this.compare(pgno, b.subarray(WAL_FRAME_HEADER_SIZE));
    if (view.getUint32(4) !== 0) {
      this.committedFrames = this.frames;
      if (this.mismatched.size === 0) this.snapshotReach = this.frames;
    }
  }

  private compare(pgno: number, data: Uint8Array): void {
    const n = readSync(this.options.compareFd!, this.page, 0, this.page.length, (pgno - 1) * this.page.length);
    if (n === this.page.length && this.page.equals(data)) this.mismatched.delete(pgno);
    else this.mismatched.add(pgno);
  }
}
