// The database checksum (spec §1.5) after the last L0 file, kept page by page so each sync updates it cheaply.
import { Crc64 } from '../core/ltx/crc64.ts';
import { CHECKSUM_FLAG, lockPgno } from '../core/ltx/types.ts';
import type { LtxPage } from '../core/ltx/types.ts';
import type { ByteSource } from './wal/reader.ts';

/**
 * Beyond this many pages the checksums are not tracked (8 bytes of memory per page: 32 MiB here, a 16 GiB
 * database at 4 KiB pages); such a database takes a snapshot whenever WAL continuity is lost, as before.
 */
export const MAX_TRACKED_PAGES = 1 << 22;

const crc = new Crc64();
const pgnoBytes = new Uint8Array(4);

/** CRC-64/ISO of u32be(pgno) || data, as [low, high] halves (the flag bit is added to totals only). */
function pageCrc(pgno: number, data: Uint8Array): [number, number] {
  pgnoBytes[0] = pgno >>> 24;
  pgnoBytes[1] = pgno >>> 16;
  pgnoBytes[2] = pgno >>> 8;
  pgnoBytes[3] = pgno;
  crc.reset().update(pgnoBytes).update(data);
  return [crc.digestLo(), crc.digestHi()];
}

/**
 * Per-page CRCs of a database state and their XOR, which is the LTX database checksum without the flag bit.
 * Page n lives at index n-1; the lock page stays 0 so it never contributes.
 */
export class PageChecksums {
  readonly pageSize: number;
  private lo: Uint32Array;
  private hi: Uint32Array;
  private count: number;
  private totalLo = 0;
  private totalHi = 0;

  constructor(pageSize: number, pageCount = 0) {
    this.pageSize = pageSize;
    this.count = pageCount;
    this.lo = new Uint32Array(Math.max(16, pageCount));
    this.hi = new Uint32Array(Math.max(16, pageCount));
  }

  get pageCount(): number {
    return this.count;
  }

  /** The LTX database checksum of this state. */
  checksum(): bigint {
    return CHECKSUM_FLAG | (BigInt(this.totalHi >>> 0) << 32n) | BigInt(this.totalLo >>> 0);
  }

  private grow(pages: number): void {
    if (pages <= this.lo.length) return;
    const size = Math.max(pages, Math.ceil(this.lo.length * 1.5));
    const lo = new Uint32Array(size);
    const hi = new Uint32Array(size);
    lo.set(this.lo);
    hi.set(this.hi);
    this.lo = lo;
    this.hi = hi;
  }

  /** Sets page `pgno`'s CRC halves (pgno ≤ the array size). */
  setCrc(pgno: number, lo: number, hi: number): void {
    const i = pgno - 1;
    this.totalLo ^= this.lo[i] ^ lo;
    this.totalHi ^= this.hi[i] ^ hi;
    this.lo[i] = lo;
    this.hi[i] = hi;
  }

  /** Sets the size in pages: pages past it stop counting, new pages count once set. */
  resize(pageCount: number): void {
    this.grow(pageCount);
    for (let pgno = pageCount + 1; pgno <= this.count; pgno++) this.setCrc(pgno, 0, 0);
    this.count = pageCount;
  }

  /** Records one page's content (pgno must be ≤ pageCount). */
  set(pgno: number, data: Uint8Array): void {
    if (pgno === lockPgno(this.pageSize)) return;
    const [lo, hi] = pageCrc(pgno, data);
    this.setCrc(pgno, lo, hi);
  }

  /** Passes pages through, recording each one here (for a fresh object, not yet the agent's current state). */
  *recording(pages: Iterable<LtxPage>): Generator<LtxPage> {
    for (const page of pages) {
      if (page.pgno > this.count) this.resize(page.pgno);
      this.set(page.pgno, page.data);
      yield page;
    }
  }

  /**
   * Passes pages through while noting their CRCs; nothing changes until `commit()` is called (an L0 file
   * whose write fails must not move the checksums). Pages must be hashed before the next is produced.
   */
  pending(): PendingPages {
    return new PendingPages(this);
  }

  /** Fixed-size binary form: page count, then low and high halves per page. */
  toBytes(): Uint8Array {
    const out = new Uint8Array(4 + this.count * 8);
    const view = new DataView(out.buffer);
    view.setUint32(0, this.count);
    for (let i = 0; i < this.count; i++) {
      view.setUint32(4 + i * 8, this.lo[i]);
      view.setUint32(8 + i * 8, this.hi[i]);
    }
    return out;
  }

  static fromBytes(pageSize: number, bytes: Uint8Array): PageChecksums | null {
    if (bytes.length < 4) return null;
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.length);
    const count = view.getUint32(0);
    if (bytes.length !== 4 + count * 8) return null;
    const sums = new PageChecksums(pageSize, count);
    for (let i = 0; i < count; i++) sums.setCrc(i + 1, view.getUint32(4 + i * 8), view.getUint32(8 + i * 8));
    return sums;
  }

  /**
   * Checksums of pages 1..pageCount read from a database file (the caller keeps the file stable meanwhile).
   * Yields to the event loop every few MiB: a large file takes seconds, and signals and other databases wait.
   */
  static async ofFile(source: ByteSource, pageSize: number, pageCount: number): Promise<PageChecksums> {
    const sums = new PageChecksums(pageSize, pageCount);
    const pagesPerChunk = Math.max(1, Math.floor((1 << 20) / pageSize));
    const chunk = new Uint8Array(pagesPerChunk * pageSize);
    for (let first = 1, round = 0; first <= pageCount; first += pagesPerChunk, round++) {
      const pages = Math.min(pagesPerChunk, pageCount - first + 1);
      const n = source.readAt(chunk.subarray(0, pages * pageSize), (first - 1) * pageSize);
      if (n < pages * pageSize) chunk.fill(0, n, pages * pageSize);
      for (let k = 0; k < pages; k++) sums.set(first + k, chunk.subarray(k * pageSize, (k + 1) * pageSize));
      if (round % 8 === 7) await new Promise<void>((resolve) => setImmediate(resolve));
    }
    return sums;
  }
}

/** CRCs noted while an L0 file is encoded, applied only once it was written. */
export class PendingPages {
  private readonly target: PageChecksums;
  private pgnos: number[] = [];
  private los: number[] = [];
  private his: number[] = [];

  constructor(target: PageChecksums) {
    this.target = target;
  }

  *track(pages: Iterable<LtxPage>): Generator<LtxPage> {
    const lock = lockPgno(this.target.pageSize);
    for (const page of pages) {
      if (page.pgno !== lock) {
        const [lo, hi] = pageCrc(page.pgno, page.data);
        this.pgnos.push(page.pgno);
        this.los.push(lo);
        this.his.push(hi);
      }
      yield page;
    }
  }

  /** Applies the noted pages to the target and sets its size to `commit` pages. */
  commit(commit: number): void {
    const t = this.target;
    t.resize(Math.max(commit, t.pageCount));
    for (let i = 0; i < this.pgnos.length; i++) t.setCrc(this.pgnos[i], this.los[i], this.his[i]);
    t.resize(commit);
    this.pgnos = [];
    this.los = [];
    this.his = [];
  }
}
