// Builds one WAL index's `-wal` file from its v0.3 segments, checking every frame as SQLite's recovery would.
import { readSync } from 'node:fs';
import { open } from 'node:fs/promises';
import type { FileHandle } from 'node:fs/promises';
import { formatIndex, segmentLabel } from './layout.ts';
import type { V03Segment } from './list.ts';
import type { WalChecksum } from '../sqlite/wal-checksum.ts';
import { WAL_FRAME_HEADER_SIZE, WAL_HEADER_SIZE, parseWalHeader, walFrameSize, walHeaderSeed, type WalHeader } from '../sqlite/wal-format.ts';
import { frameChecksum } from '../sqlite/wal-frames.ts';


export interface WalFileOptions {
  generation: string;
  index: number;
  /** The database's page size: the WAL must use the same. */
  pageSize: number;
  /** Descriptor of the restored database, to learn how far its pages already reach (the snapshot's own index). */
  compareFd?: number;
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
  private header?: WalHeader;
  /** The checksum of the WAL so far: the header's, then each checked frame's. */
  private sum: WalChecksum = { s0: 0, s1: 0 };
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
    const header = parseWalHeader(b);
    if (typeof header === 'string') throw this.fail(at, header);
    if (header.pageSize !== this.options.pageSize) throw this.fail(at, `the WAL page size is ${header.pageSize} but the snapshot's is ${this.options.pageSize}`);
    this.header = header;
    this.sum = walHeaderSeed(header);
    this.pending = new Uint8Array(this.frameSize);
  }

  private checkFrame(b: Uint8Array, at: number): void {
    const h = this.header!;
    const view = new DataView(b.buffer, b.byteOffset, WAL_FRAME_HEADER_SIZE);
    const pgno = view.getUint32(0);
    if (pgno === 0) throw this.fail(at, 'frame for page 0');
    if (view.getUint32(8) !== h.salt1 || view.getUint32(12) !== h.salt2) throw this.fail(at, 'frame salt does not match the WAL header (a frame from another WAL)');
    frameChecksum(this.sum, h, b);
    if (this.sum.s0 !== view.getUint32(16) || this.sum.s1 !== view.getUint32(20)) throw this.fail(at, 'frame checksum mismatch');
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
