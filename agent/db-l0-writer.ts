// Builds the pages of one L0 file (incremental from the WAL, or a full snapshot) and writes it atomically.
import { mkdir, open, rename, rm } from 'node:fs/promises';
import { dirname } from 'node:path';
import { encodeLtx, encodeLtxToBuffer } from '../core/ltx/encoder.ts';
import { lockPgno } from '../core/ltx/types.ts';
import type { LtxHeader, LtxPage } from '../core/ltx/types.ts';
import { fsyncDir, tempPathFor, writeFileAtomic } from '../core/fs/atomic.ts';
import { WAL_FRAME_HEADER_SIZE } from '../core/sqlite/wal-format.ts';
import type { ByteSource } from './wal/reader.ts';

export interface PageSources {
  wal: ByteSource;
  db: ByteSource;
  pageSize: number;
  /** pgno → WAL frame offset of its latest committed version. */
  walPages: Map<number, number>;
}

/** Reads one page into `buf`: from its WAL frame when listed, else from the database file (zeros past EOF). */
function readPage(src: PageSources, pgno: number, buf: Uint8Array): void {
  const frame = src.walPages.get(pgno);
  if (frame !== undefined) {
    const n = src.wal.readAt(buf, frame + WAL_FRAME_HEADER_SIZE);
    if (n !== buf.length) throw new Error(`WAL ended inside the frame for page ${pgno} at offset ${frame}: read ${n} of ${buf.length} bytes`);
    return;
  }
  const n = src.db.readAt(buf, (pgno - 1) * src.pageSize);
  if (n < buf.length) buf.fill(0, n);
}

/**
 * Pages 1..commit (lock page skipped). The same buffer is reused for every page: the encoder compresses
 * and hashes each page before asking for the next one.
 */
export function* snapshotPages(src: PageSources, commit: number): Generator<LtxPage> {
  const lock = lockPgno(src.pageSize);
  const page = { pgno: 0, data: new Uint8Array(src.pageSize) };
  for (let pgno = 1; pgno <= commit; pgno++) {
    if (pgno === lock) continue;
    readPage(src, pgno, page.data);
    page.pgno = pgno;
    yield page;
  }
}

/**
 * The WAL pages in pgno order, plus pages the database grew by (prevCommit < pgno ≤ commit) that no frame
 * carries, which come from the database file as SQLite itself would read them.
 */
export function* incrementalPages(src: PageSources, commit: number, prevCommit: number): Generator<LtxPage> {
  const lock = lockPgno(src.pageSize);
  const extra: number[] = [];
  for (let pgno = prevCommit + 1; pgno <= commit; pgno++) {
    if (pgno !== lock && !src.walPages.has(pgno)) extra.push(pgno);
  }
  const order = new Uint32Array(src.walPages.size + extra.length);
  let i = 0;
  for (const pgno of src.walPages.keys()) order[i++] = pgno;
  for (const pgno of extra) order[i++] = pgno;
  order.sort();
  const page = { pgno: 0, data: new Uint8Array(src.pageSize) };
  for (const pgno of order) {
    if (pgno === lock) continue;
    readPage(src, pgno, page.data);
    page.pgno = pgno;
    yield page;
  }
}

/** Runs `check` once every page has been produced, before the file can be renamed into place. */
function* thenCheck(pages: Iterable<LtxPage>, check: () => void): Generator<LtxPage> {
  yield* pages;
  check();
}

/**
 * Writes the L0 file via tmp + fsync + rename + directory fsync. `verifyAfterRead` runs after the last page
 * was read; throwing there discards the file (used to reject reads of a WAL that was restarted meanwhile).
 */
export async function writeL0File(path: string, header: LtxHeader, pages: Iterable<LtxPage>, verifyAfterRead: () => void): Promise<number> {
  await mkdir(dirname(path), { recursive: true });
  return writeFileAtomic(path, encodeLtx(header, thenCheck(pages, verifyAfterRead), { name: path }));
}

/** Encodes an L0 file in memory (for small files, so the upload need not wait for the disk). */
export function encodeL0File(path: string, header: LtxHeader, pages: Iterable<LtxPage>, verifyAfterRead: () => void): Promise<Uint8Array> {
  return encodeLtxToBuffer(header, thenCheck(pages, verifyAfterRead), { name: path });
}

/**
 * Writes encoded L0 bytes via tmp + fsync + rename; the directory is created only when missing. With
 * `syncDir` false the rename is left for a later file's directory fsync to make durable (one fsync covers
 * every rename before it), which the caller must guarantee happens before anything relies on it.
 */
export async function persistL0File(path: string, bytes: Uint8Array, syncDir = true): Promise<void> {
  const tmp = tempPathFor(path);
  try {
    await writeAndSync(tmp, bytes);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    await mkdir(dirname(path), { recursive: true });
    await writeAndSync(tmp, bytes);
  }
  try {
    await rename(tmp, path);
  } catch (err) {
    await rm(tmp, { force: true }).catch(() => undefined);
    throw err;
  }
  if (syncDir) await fsyncDir(dirname(path));
}

async function writeAndSync(tmp: string, bytes: Uint8Array): Promise<void> {
  const handle = await open(tmp, 'wx', 0o644);
  try {
    for (let done = 0; done < bytes.length; ) done += (await handle.write(bytes, done, bytes.length - done, done)).bytesWritten;
    await handle.sync();
  } catch (err) {
    await handle.close().catch(() => undefined);
    await rm(tmp, { force: true }).catch(() => undefined);
    throw err;
  }
  await handle.close();
}
