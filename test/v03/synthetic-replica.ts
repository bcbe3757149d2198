// Builds Litestream v0.3 replicas by hand from a real SQLite WAL: exact control over segments, snapshots and file times.
import Database from 'better-sqlite3';
import lz4js from 'lz4js';
import { mkdir, readFile, stat, utimes, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { formatIndex } from '../../core/v03/layout.ts';

export const WAL_HEADER = 32;

export function lz4(bytes: Uint8Array): Uint8Array {
  return lz4js.compress(bytes);
}

/** Writes v0.3 files of one generation under `root` with given modification times. */
export class V03Writer {
  readonly root: string;
  readonly generation: string;

  constructor(root: string, generation = '0123456789abcdef') {
    this.root = root;
    this.generation = generation;
  }

  snapshotPath(index: number): string {
    return join(this.root, 'generations', this.generation, 'snapshots', `${formatIndex(index)}.snapshot.lz4`);
  }

  segmentPath(index: number, offset: number): string {
    return join(this.root, 'generations', this.generation, 'wal', `${formatIndex(index)}_${formatIndex(offset)}.wal.lz4`);
  }

  async snapshot(index: number, db: Uint8Array, at: Date): Promise<void> {
    await this.put(this.snapshotPath(index), lz4(db), at);
  }

  async segment(index: number, offset: number, wal: Uint8Array, at: Date): Promise<void> {
    await this.put(this.segmentPath(index, offset), lz4(wal), at);
  }

  /** Replaces a file's bytes, keeping its modification time (the time is what v0.3 restores select by). */
  async rewrite(path: string, bytes: Uint8Array): Promise<void> {
    const { mtime } = await stat(path);
    await writeFile(path, bytes);
    await utimes(path, mtime, mtime);
  }

  private async put(path: string, bytes: Uint8Array, at: Date): Promise<void> {
    await mkdir(join(path, '..'), { recursive: true });
    await writeFile(path, bytes);
    await utimes(path, at, at);
  }
}

/**
 * A database whose WAL is never checkpointed behind the test's back, so the test can cut it into segments at
 * commit boundaries and copy the database file as a snapshot.
 */
export class WalSource {
  readonly path: string;
  readonly db: Database.Database;
  readonly pageSize = 4096;

  constructor(path: string, schema: string) {
    this.path = path;
    this.db = new Database(path);
    this.db.pragma(`page_size = ${this.pageSize}`);
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('wal_autocheckpoint = 0');
    this.db.exec(schema);
    this.db.pragma('wal_checkpoint(TRUNCATE)');
  }

  get frameSize(): number {
    return 24 + this.pageSize;
  }

  /** The -wal file's bytes: header and every frame of the current WAL index. */
  async wal(): Promise<Buffer> {
    return readFile(`${this.path}-wal`);
  }

  async dbFile(): Promise<Buffer> {
    return readFile(this.path);
  }

  /** Bytes of the WAL up to the end of `frames` frames. */
  walOffset(frames: number): number {
    return WAL_HEADER + frames * this.frameSize;
  }

  /** Frames in the WAL file now (it is truncated at every restart, so it holds no stale frames). */
  async frames(): Promise<number> {
    return ((await this.wal()).length - WAL_HEADER) / this.frameSize;
  }

  close(): void {
    this.db.close();
  }
}
