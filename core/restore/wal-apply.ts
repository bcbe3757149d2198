// Applies restored transactions to a live SQLite database as WAL frames, so readers in other processes never see a torn one.
//
// SQLite has no public "write page N" call (sqlite_dbpage is not compiled into better-sqlite3 or node:sqlite), and
// writing pages into the database file behind SQLite's back would tear pages under readers and bypass the locks.
// So a transaction is appended to the database's -wal exactly as SQLite would write it, while a real SQLite
// connection holds the WAL write lock (BEGIN IMMEDIATE):
//  1. find the end of the last committed frame (the header's salts, then every frame's salts and cumulative checksum,
//     as SQLite's recovery checks them), or start a new WAL with a fresh header when the WAL is empty;
//  2. append one frame per page, the last one a commit frame carrying the database size, and fsync the WAL;
//  3. mark the wal-index header in -shm as not initialised (one byte), then ROLLBACK the empty transaction.
// The next connection that starts a read (ours, right away) finds the header invalid and runs SQLite's own WAL
// recovery, which rebuilds the index from the -wal up to its last valid commit frame: the new transaction becomes
// visible at once and whole. Readers already inside a transaction keep their snapshot: recovery rewrites the index
// entries of older frames with identical values (SQLite builds each index page privately and copies it, for this
// very case), and frames past a reader's snapshot are invisible to it. Uncommitted frames left by an interruption
// are never published: recovery stops at the last commit frame and the next write overwrites them.
// Other processes must not write to the copy (open it read-only to be sure): their commits would mix with the
// replica's. Their checkpoints are harmless: PASSIVE copies only published frames, RESTART and TRUNCATE need the
// write lock we hold while appending, and between batches the scan finds a restarted or truncated WAL as it is.
// The -shm descriptor stays open as long as the connection: closing any descriptor of a file drops every POSIX lock
// the process holds on it, SQLite's included.
import Database from 'better-sqlite3';
import { randomInt } from 'node:crypto';
import { closeSync, constants, fdatasyncSync, fstatSync, openSync, readSync, writeSync } from 'node:fs';
import type { WalChecksum } from '../sqlite/wal-checksum.ts';
import { WAL_FRAME_HEADER_SIZE, WAL_HEADER_SIZE, buildWalHeader, parseWalHeader, walHeaderSeed, type WalHeader } from '../sqlite/wal-format.ts';
import { checkFrame, parseFrameHeader, sealFrame } from '../sqlite/wal-frames.ts';

/** Offset of `isInit` in the first copy of the wal-index header (a u8; the same in both byte orders). */
const SHM_IS_INIT_OFFSET = 12;
/** Frames written per write() call. */
const BATCH_FRAMES = 64;
/** Past this many frames, try a TRUNCATE checkpoint after each batch (SQLite's default auto-checkpoint size). */
export const DEFAULT_CHECKPOINT_FRAMES = 1000;

export interface WalApplierOptions {
  /** WAL size in frames past which each batch ends with a TRUNCATE checkpoint attempt; default 1000. */
  checkpointFrames?: number;
}

/** Where the committed frames of the WAL end: the next frame goes at `offset`, chained from `sum`. */
interface WalEnd {
  header: WalHeader;
  headerBytes: Uint8Array;
  offset: number;
  sum: WalChecksum;
}

export class WalApplier {
  readonly path: string;
  readonly pageSize: number;
  readonly #db: Database.Database;
  readonly #shm: number;
  readonly #wal: number;
  readonly #checkpointFrames: number;
  #end: WalEnd | undefined;

  private constructor(path: string, db: Database.Database, shm: number, wal: number, pageSize: number, checkpointFrames: number) {
    this.path = path;
    this.#checkpointFrames = checkpointFrames;
    this.#db = db;
    this.#shm = shm;
    this.#wal = wal;
    this.pageSize = pageSize;
  }

  /** Opens the database in WAL mode with a connection of our own, and its -wal and -shm. */
  static open(path: string, options: WalApplierOptions = {}): WalApplier {
    const db = new Database(path);
    try {
      const mode = String(db.pragma('journal_mode = WAL', { simple: true }));
      if (mode !== 'wal') throw new Error(`${path}: cannot switch to WAL mode (journal_mode is ${mode})`);
      db.pragma('busy_timeout = 5000');
      db.prepare('SELECT count(*) FROM sqlite_master').get(); // opens -wal and -shm and takes the shared locks
      const pageSize = Number(db.pragma('page_size', { simple: true }));
      const shm = openSync(`${path}-shm`, 'r+');
      const wal = openSync(`${path}-wal`, constants.O_RDWR | constants.O_CREAT);
      return new WalApplier(path, db, shm, wal, pageSize, options.checkpointFrames ?? DEFAULT_CHECKPOINT_FRAMES);
    } catch (err) {
      db.close();
      throw err;
    }
  }

  /** Starts a batch of transactions under SQLite's WAL write lock. Call end() whatever happens. */
  begin(): WalBatch {
    this.#db.exec('BEGIN IMMEDIATE');
    try {
      return new WalBatch(this, this.#locate());
    } catch (err) {
      this.#db.exec('ROLLBACK');
      throw err;
    }
  }

  /** Called by WalBatch.end(): publishes what was committed, then releases the write lock. */
  finish(end: WalEnd, published: boolean): void {
    try {
      if (published) {
        this.#end = end;
        writeSync(this.#shm, new Uint8Array(1), 0, 1, SHM_IS_INIT_OFFSET);
      }
    } finally {
      this.#db.exec('ROLLBACK');
    }
    if (!published) return;
    this.#db.prepare('SELECT count(*) FROM sqlite_master').get(); // runs the recovery now rather than in a reader
    if (this.#frames(end) >= this.#checkpointFrames) this.#checkpoint();
  }

  writeFrames(bytes: Uint8Array, length: number, offset: number): void {
    for (let done = 0; done < length; ) done += writeSync(this.#wal, bytes, done, length - done, offset + done);
  }

  syncWal(): void {
    fdatasyncSync(this.#wal);
  }

  close(): void {
    this.#db.close();
    closeSync(this.#wal);
    closeSync(this.#shm); // after the connection: closing it drops this process's POSIX locks on -shm
  }

  /** Where to append: the cached end when the WAL still holds it, else a scan as SQLite's recovery does it. */
  #locate(): WalEnd {
    const headerBytes = new Uint8Array(WAL_HEADER_SIZE);
    const n = readAt(this.#wal, headerBytes, 0);
    const header = parseWalHeader(headerBytes.subarray(0, n));
    if (typeof header === 'string' || header.pageSize !== this.pageSize) return this.#fresh();
    const cached = this.#end;
    if (cached && sameBytes(cached.headerBytes, headerBytes) && this.#frameEndsAt(cached)) return { ...cached, sum: { ...cached.sum } };
    return this.#scan(header, headerBytes);
  }

  /** A new WAL: SQLite's recovery takes the salts from the file header, so fresh random ones are as good as any. */
  #fresh(): WalEnd {
    const { bytes, header } = buildWalHeader(this.pageSize, randomInt(2 ** 32), randomInt(2 ** 32));
    this.writeFrames(bytes, bytes.length, 0);
    return { header, headerBytes: bytes, offset: WAL_HEADER_SIZE, sum: walHeaderSeed(header) };
  }

  #scan(header: WalHeader, headerBytes: Uint8Array): WalEnd {
    const frameSize = WAL_FRAME_HEADER_SIZE + this.pageSize;
    const size = fstatSync(this.#wal).size;
    const frame = new Uint8Array(frameSize);
    const sum = walHeaderSeed(header);
    let end: WalEnd = { header, headerBytes, offset: WAL_HEADER_SIZE, sum: { ...sum } };
    for (let offset = WAL_HEADER_SIZE; offset + frameSize <= size; offset += frameSize) {
      if (readAt(this.#wal, frame, offset) !== frameSize) break;
      const commit = checkFrame(frame, header, sum);
      if (commit < 0) break;
      if (commit > 0) end = { header, headerBytes, offset: offset + frameSize, sum: { ...sum } };
    }
    return end;
  }

  /** The cached end is still the last commit: its frame is in place with the checksum we wrote. */
  #frameEndsAt(end: WalEnd): boolean {
    if (end.offset === WAL_HEADER_SIZE) return true;
    const frameHeader = new Uint8Array(WAL_FRAME_HEADER_SIZE);
    if (readAt(this.#wal, frameHeader, end.offset - WAL_FRAME_HEADER_SIZE - this.pageSize) !== WAL_FRAME_HEADER_SIZE) return false;
    const f = parseFrameHeader(frameHeader);
    return f.commit !== 0 && f.checksum1 === end.sum.s0 && f.checksum2 === end.sum.s1;
  }

  #frames(end: WalEnd): number {
    return (end.offset - WAL_HEADER_SIZE) / (WAL_FRAME_HEADER_SIZE + this.pageSize);
  }

  /** Copies the WAL into the database and empties it when no reader needs it; never waits for readers. */
  #checkpoint(): void {
    this.#db.pragma('busy_timeout = 0');
    try {
      this.#db.pragma('wal_checkpoint(TRUNCATE)');
    } finally {
      this.#db.pragma('busy_timeout = 5000');
    }
  }
}

/** Transactions appended under one write lock: page() for each page (a page may repeat), commit() to end each one. */
export class WalBatch {
  readonly #applier: WalApplier;
  readonly #end: WalEnd;
  readonly #frameSize: number;
  readonly #buffer: Uint8Array;
  #buffered = 0;
  /** The newest page, kept unsealed: it becomes the commit frame if the transaction ends with it. */
  #held: { pgno: number; frame: Uint8Array } | undefined;
  /** Where the next frame goes and the checksum it continues; #end moves here at each commit. */
  #offset: number;
  readonly #sum: WalChecksum;
  #committed = false;

  constructor(applier: WalApplier, end: WalEnd) {
    this.#applier = applier;
    this.#end = end;
    this.#offset = end.offset;
    this.#sum = { ...end.sum };
    this.#frameSize = WAL_FRAME_HEADER_SIZE + applier.pageSize;
    this.#buffer = new Uint8Array(this.#frameSize * BATCH_FRAMES);
  }

  page(pgno: number, data: Uint8Array): void {
    if (data.length !== this.#applier.pageSize) throw new Error(`page ${pgno} is ${data.length} bytes; ${this.#applier.path} has ${this.#applier.pageSize}-byte pages`);
    if (this.#held) this.#seal(0);
    const frame = this.#buffer.subarray(this.#buffered * this.#frameSize, (this.#buffered + 1) * this.#frameSize);
    frame.set(data, WAL_FRAME_HEADER_SIZE);
    this.#held = { pgno, frame };
  }

  /** Ends a transaction: the last page becomes the commit frame with the database size in pages; fsyncs the WAL. */
  commit(dbSize: number): void {
    if (!this.#held) throw new Error('a transaction without pages cannot be committed to the WAL');
    this.#seal(dbSize);
    this.#flush();
    this.#applier.syncWal();
    this.#end.offset = this.#offset;
    this.#end.sum = { ...this.#sum };
    this.#committed = true;
  }

  /** Publishes the committed transactions (if any) and releases the write lock; pages after the last commit are dropped. */
  end(): void {
    this.#applier.finish(this.#end, this.#committed);
  }

  #seal(commit: number): void {
    const held = this.#held;
    if (!held) return;
    sealFrame(held.frame, held.pgno, commit, this.#end.header, this.#sum);
    this.#held = undefined;
    this.#buffered++;
    if (this.#buffered === BATCH_FRAMES) this.#flush();
  }

  #flush(): void {
    const length = this.#buffered * this.#frameSize;
    if (length === 0) return;
    this.#applier.writeFrames(this.#buffer, length, this.#offset);
    this.#offset += length;
    this.#buffered = 0;
  }
}

function readAt(fd: number, buf: Uint8Array, position: number): number {
  let done = 0;
  while (done < buf.length) {
    const n = readSync(fd, buf, done, buf.length - done, position + done);
    if (n === 0) break;
    done += n;
  }
  return done;
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((v, i) => v === b[i]);
}
