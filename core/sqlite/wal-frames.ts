// SQLite's WAL frame header: reading its fields, sealing a frame as SQLite writes it, checking one as SQLite's recovery does.
import { NATIVE_LITTLE_ENDIAN, walChecksum, type WalChecksum } from './wal-checksum.ts';
import { WAL_FRAME_HEADER_SIZE, type WalHeader } from './wal-format.ts';

export interface FrameHeaderFields {
  pgno: number;
  /** Database size in pages after this commit; 0 for frames that are not the last of a transaction. */
  commit: number;
  salt1: number;
  salt2: number;
  checksum1: number;
  checksum2: number;
}

export function parseFrameHeader(header: Uint8Array): FrameHeaderFields {
  const v = new DataView(header.buffer, header.byteOffset, WAL_FRAME_HEADER_SIZE);
  return {
    pgno: v.getUint32(0),
    commit: v.getUint32(4),
    salt1: v.getUint32(8),
    salt2: v.getUint32(12),
    checksum1: v.getUint32(16),
    checksum2: v.getUint32(20),
  };
}

/** The checksum the next frame continues from: this frame's own (bytes 16..23 of its header). */
export function walFrameSeed(frame: { checksum1: number; checksum2: number }): WalChecksum {
  return { s0: frame.checksum1, s1: frame.checksum2 };
}

/** Continues `sum` over a whole frame as SQLite does: the header's first 8 bytes, then the page. */
export function frameChecksum(sum: WalChecksum, header: WalHeader, frame: Uint8Array): void {
  if (header.bigEndianChecksums !== NATIVE_LITTLE_ENDIAN && frame.byteOffset % 4 === 0) {
    frameChecksumWords(sum, new Uint32Array(frame.buffer, frame.byteOffset, frame.length >>> 2), 0, frame.length >>> 2);
    return;
  }
  walChecksum(sum, header.bigEndianChecksums, frame, 0, 8);
  walChecksum(sum, header.bigEndianChecksums, frame, WAL_FRAME_HEADER_SIZE, frame.length - WAL_FRAME_HEADER_SIZE);
}

/**
 * frameChecksum over the frame at words [first, end) of a view already in the checksum's byte order (the WAL's
 * order is this machine's), for a reader that keeps one Uint32Array over its buffer. One loop per frame on purpose:
 * two range checksums per frame (2 words, then the page) measured 2.5x slower in the agent's reader.
 */
export function frameChecksumWords(sum: WalChecksum, words: Uint32Array, first: number, end: number): void {
  let s0 = (sum.s0 + words[first] + sum.s1) >>> 0;
  let s1 = (sum.s1 + words[first + 1] + s0) >>> 0;
  for (let i = first + WAL_FRAME_HEADER_SIZE / 4; i < end; i += 2) {
    s0 = (s0 + words[i] + s1) >>> 0;
    s1 = (s1 + words[i + 1] + s0) >>> 0;
  }
  sum.s0 = s0;
  sum.s1 = s1;
}

/**
 * Fills `frame` (WAL_FRAME_HEADER_SIZE + pageSize bytes, the page already at offset 24): page number, the database
 * size after the transaction on a commit frame (0 otherwise), the salts, and the checksum continued from `sum`.
 */
export function sealFrame(frame: Uint8Array, pgno: number, commit: number, header: WalHeader, sum: WalChecksum): void {
  const view = new DataView(frame.buffer, frame.byteOffset, WAL_FRAME_HEADER_SIZE);
  view.setUint32(0, pgno);
  view.setUint32(4, commit);
  view.setUint32(8, header.salt1);
  view.setUint32(12, header.salt2);
  frameChecksum(sum, header, frame);
  view.setUint32(16, sum.s0);
  view.setUint32(20, sum.s1);
}

/** Checks a frame read from the WAL as SQLite's recovery does; returns the frame's commit field, or -1 if invalid. */
export function checkFrame(frame: Uint8Array, header: WalHeader, sum: WalChecksum): number {
  const view = new DataView(frame.buffer, frame.byteOffset, WAL_FRAME_HEADER_SIZE);
  if (view.getUint32(0) === 0 || view.getUint32(8) !== header.salt1 || view.getUint32(12) !== header.salt2) return -1;
  frameChecksum(sum, header, frame);
  if (sum.s0 !== view.getUint32(16) || sum.s1 !== view.getUint32(20)) return -1;
  return view.getUint32(4);
}
