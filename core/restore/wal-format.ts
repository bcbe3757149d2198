// SQLite WAL file format for writing frames: the header, the frame header and the cumulative checksum.
// (agent/wal-reader.ts reads WALs for the agent; core does not depend on agent/, so the few lines are repeated here.)

export const WAL_HEADER_SIZE = 32;
export const FRAME_HEADER_SIZE = 24;
const MAGIC_LE = 0x377f0682;
const MAGIC_BE = 0x377f0683;
const WAL_VERSION = 3007000;

/** The running checksum pair (s0, s1) of a WAL, carried from frame to frame. */
export interface WalSum {
  s0: number;
  s1: number;
}

export interface WalHeaderInfo {
  bigEndian: boolean;
  pageSize: number;
  salt1: number;
  salt2: number;
  /** The header's own checksum: the seed of the first frame's checksum. */
  sum: WalSum;
}

/** SQLite's WAL checksum: s0 += x0 + s1; s1 += x1 + s0 over pairs of 32-bit words, in the magic's byte order. */
export function walChecksum(sum: WalSum, bigEndian: boolean, bytes: Uint8Array, offset: number, length: number): void {
  const view = new DataView(bytes.buffer, bytes.byteOffset + offset, length);
  const little = !bigEndian;
  let { s0, s1 } = sum;
  for (let i = 0; i < length; i += 8) {
    s0 = (s0 + view.getUint32(i, little) + s1) >>> 0;
    s1 = (s1 + view.getUint32(i + 4, little) + s0) >>> 0;
  }
  sum.s0 = s0;
  sum.s1 = s1;
}

/** The header, or undefined when SQLite would treat the WAL as empty (short, bad magic/version, bad checksum). */
export function parseWalHeader(bytes: Uint8Array): WalHeaderInfo | undefined {
  if (bytes.length < WAL_HEADER_SIZE) return undefined;
  const view = new DataView(bytes.buffer, bytes.byteOffset, WAL_HEADER_SIZE);
  const magic = view.getUint32(0);
  if ((magic !== MAGIC_LE && magic !== MAGIC_BE) || view.getUint32(4) !== WAL_VERSION) return undefined;
  const bigEndian = magic === MAGIC_BE;
  const sum = { s0: 0, s1: 0 };
  walChecksum(sum, bigEndian, bytes, 0, 24);
  if (sum.s0 !== view.getUint32(24) || sum.s1 !== view.getUint32(28)) return undefined;
  return { bigEndian, pageSize: view.getUint32(8), salt1: view.getUint32(16), salt2: view.getUint32(20), sum };
}

/** A new WAL header (little-endian checksums, as SQLite writes on x86 and ARM) with the given salts. */
export function buildWalHeader(pageSize: number, salt1: number, salt2: number): { bytes: Uint8Array; info: WalHeaderInfo } {
  const bytes = new Uint8Array(WAL_HEADER_SIZE);
  const view = new DataView(bytes.buffer);
  view.setUint32(0, MAGIC_LE);
  view.setUint32(4, WAL_VERSION);
  view.setUint32(8, pageSize);
  view.setUint32(12, 0);
  view.setUint32(16, salt1);
  view.setUint32(20, salt2);
  const sum = { s0: 0, s1: 0 };
  walChecksum(sum, false, bytes, 0, 24);
  view.setUint32(24, sum.s0);
  view.setUint32(28, sum.s1);
  return { bytes, info: { bigEndian: false, pageSize, salt1, salt2, sum } };
}

/**
 * Fills `frame` (FRAME_HEADER_SIZE + pageSize bytes, the page already at offset 24): page number, the database size
 * after the transaction on a commit frame (0 otherwise), the salts, and the checksum continued from `sum`.
 */
export function sealFrame(frame: Uint8Array, pgno: number, commit: number, header: WalHeaderInfo, sum: WalSum): void {
  const view = new DataView(frame.buffer, frame.byteOffset, FRAME_HEADER_SIZE);
  view.setUint32(0, pgno);
  view.setUint32(4, commit);
  view.setUint32(8, header.salt1);
  view.setUint32(12, header.salt2);
  walChecksum(sum, header.bigEndian, frame, 0, 8);
  walChecksum(sum, header.bigEndian, frame, FRAME_HEADER_SIZE, frame.length - FRAME_HEADER_SIZE);
  view.setUint32(16, sum.s0);
  view.setUint32(20, sum.s1);
}

/** Checks a frame read from the WAL as SQLite's recovery does; returns the frame's commit field, or -1 if invalid. */
export function checkFrame(frame: Uint8Array, header: WalHeaderInfo, sum: WalSum): number {
  const view = new DataView(frame.buffer, frame.byteOffset, FRAME_HEADER_SIZE);
  if (view.getUint32(0) === 0 || view.getUint32(8) !== header.salt1 || view.getUint32(12) !== header.salt2) return -1;
  walChecksum(sum, header.bigEndian, frame, 0, 8);
  walChecksum(sum, header.bigEndian, frame, FRAME_HEADER_SIZE, frame.length - FRAME_HEADER_SIZE);
  if (sum.s0 !== view.getUint32(16) || sum.s1 !== view.getUint32(20)) return -1;
  return view.getUint32(4);
}
