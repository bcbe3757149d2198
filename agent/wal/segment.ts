// Collects the committed frames of a WAL range: latest frame offset per page, final size, end position.
import type { WalChecksum } from '../../core/sqlite/wal-checksum.ts';
import { WAL_FRAME_HEADER_SIZE, type WalHeader } from '../../core/sqlite/wal-format.ts';
import { walFrameSeed } from '../../core/sqlite/wal-frames.ts';
import { WalReader } from './reader.ts';
import type { ByteSource, WalStopReason } from './reader.ts';

export interface WalSegment {
  startOffset: number;
  /** Offset just past the last commit frame (equals startOffset when no transaction was committed). */
  endOffset: number;
  salt1: number;
  salt2: number;
  /** Database size in pages after the last commit; 0 when no transaction was found. */
  commit: number;
  /** pgno → offset of the frame holding its latest committed version; pages above `commit` removed. */
  pages: Map<number, number>;
  /** Number of commit frames (SQLite transactions) in the range. */
  transactions: number;
  /** Checksum after the last commit frame (the seed for reading on from endOffset). */
  checksum: WalChecksum;
  /** Copy of the last commit frame's 24-byte header, to recognise the position later. */
  lastFrameHeader: Uint8Array | null;
  /** Why reading stopped; 'limit' means more committed frames may follow. */
  stopReason: WalStopReason;
}

export interface CollectOptions {
  offset?: number;
  seed?: WalChecksum;
  salt1?: number;
  salt2?: number;
  /** Stop at the first commit boundary at or after this many bytes (default: no limit). */
  maxBytes?: number;
}

/** Reads frames from `offset` and keeps only whole transactions, as SQLite's recovery would. */
export function collectWalSegment(source: ByteSource, header: WalHeader, options: CollectOptions = {}): WalSegment {
  const reader = new WalReader(source, header, options);
  const start = reader.position;
  const maxBytes = options.maxBytes ?? Number.POSITIVE_INFINITY;
  const pages = new Map<number, number>();
  // Frames of the transaction in progress: pairs (pgno, offset), moved to `pages` at its commit frame.
  const pending: number[] = [];
  const seg: WalSegment = {
    startOffset: start,
    endOffset: start,
    salt1: options.salt1 ?? header.salt1,
    salt2: options.salt2 ?? header.salt2,
    commit: 0,
    pages,
    transactions: 0,
    checksum: { ...reader.checksum },
    lastFrameHeader: null,
    stopReason: 'eof',
  };
  for (const frame of reader.frames()) {
    pending.push(frame.pgno, frame.offset);
    if (frame.commit === 0) continue;
    for (let i = 0; i < pending.length; i += 2) pages.set(pending[i], pending[i + 1]);
    pending.length = 0;
    seg.commit = frame.commit;
    seg.transactions++;
    seg.endOffset = frame.offset + reader.frameSize;
    seg.checksum = walFrameSeed(frame);
    seg.lastFrameHeader = frame.header.slice(0, WAL_FRAME_HEADER_SIZE);
    if (seg.endOffset - start >= maxBytes) reader.stop('limit');
  }
  seg.stopReason = reader.stopReason ?? 'eof';
  for (const pgno of pages.keys()) {
    if (pgno > seg.commit) pages.delete(pgno);
  }
  return seg;
}
