// The pages of one L0 file, read from their latest committed WAL frames or the database file: incremental or a full snapshot.
import { lockPgno } from '../../core/ltx/types.ts';
import type { LtxPage } from '../../core/ltx/types.ts';
import { WAL_FRAME_HEADER_SIZE } from '../../core/sqlite/wal-format.ts';
import type { ByteSource } from './reader.ts';

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
