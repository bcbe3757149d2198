// File-level access to a database's WAL and main file for one sync: descriptors, header, live end.
import { closeSync, existsSync, openSync, statSync } from 'node:fs';
import type { WalPosition } from './local-position.ts';
import { WAL_HEADER_SIZE, fileSource, parseFrameHeader, readFrameAt, readWalHeader, walFrameSize } from './wal-reader.ts';
import type { ByteSource, WalHeader } from './wal-reader.ts';
import { collectWalSegment } from './wal-segment.ts';

export interface OpenFiles {
  wal: ByteSource;
  db: ByteSource;
  close(): void;
}

/** Fresh descriptors per sync: another process may delete and recreate the WAL file at any time. */
export function openSyncFiles(walPath: string, dbPath: string): OpenFiles {
  const walFd = openSync(walPath, 'r');
  let dbFd: number;
  try {
    dbFd = openSync(dbPath, 'r');
  } catch (err) {
    closeSync(walFd);
    throw err;
  }
  return {
    wal: fileSource(walFd),
    db: fileSource(dbFd),
    close() {
      closeSync(walFd);
      closeSync(dbFd);
    },
  };
}

/** The WAL header on disk now; null when the file is missing, short or invalid. */
export function readWalHeaderAt(walPath: string): WalHeader | null {
  let fd: number;
  try {
    fd = openSync(walPath, 'r');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw err;
  }
  try {
    return readWalHeader(fd);
  } finally {
    closeSync(fd);
  }
}

export function fileSize(path: string): number {
  try {
    return statSync(path).size;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return 0;
    throw err;
  }
}

/**
 * End of the committed frames that follow `pos`, when `pos` lies in the current WAL (or the WAL restarted
 * right after a position known to end it); otherwise null.
 */
export function committedEndAfter(walPath: string, pos: WalPosition): { salt1: number; salt2: number; offset: number } | null {
  if (!existsSync(walPath)) return null;
  const fd = openSync(walPath, 'r');
  try {
    const wal = fileSource(fd);
    const header = readWalHeader(wal);
    if (!header) return null;
    if (pos.walEndsHere && header.salt1 === ((pos.salt1 + 1) >>> 0)) {
      return { salt1: header.salt1, salt2: header.salt2, offset: collectWalSegment(wal, header).endOffset };
    }
    if (header.salt1 !== pos.salt1 || header.salt2 !== pos.salt2) return null;
    let seed = { s0: header.checksum1, s1: header.checksum2 };
    if (pos.offset > WAL_HEADER_SIZE) {
      const frame = readFrameAt(wal, header.pageSize, pos.offset - walFrameSize(header.pageSize));
      if (!frame) return null;
      const f = parseFrameHeader(frame.header);
      seed = { s0: f.checksum1, s1: f.checksum2 };
    }
    const seg = collectWalSegment(wal, header, { offset: pos.offset, seed, salt1: pos.salt1, salt2: pos.salt2 });
    return { salt1: pos.salt1, salt2: pos.salt2, offset: seg.endOffset };
  } finally {
    closeSync(fd);
  }
}
