// SQLite's WAL file header (https://www.sqlite.org/fileformat.html#the_write_ahead_log): constants, parser and builder, one owner for the agent, follow and v0.3 restore.
import { walChecksum, type WalChecksum } from './wal-checksum.ts';

export const WAL_HEADER_SIZE = 32;
export const WAL_FRAME_HEADER_SIZE = 24;
/** Magic with little-endian checksum words; 0x377f0683 means big-endian words. */
export const WAL_MAGIC_LE = 0x377f0682;
export const WAL_MAGIC_BE = 0x377f0683;
export const WAL_VERSION = 3007000;

/** Bytes of one frame: its 24-byte header plus one page. */
export function walFrameSize(pageSize: number): number {
  return WAL_FRAME_HEADER_SIZE + pageSize;
}

export interface WalHeader {
  /** True for magic 0x377f0683: checksum words are read big-endian. */
  bigEndianChecksums: boolean;
  version: number;
  pageSize: number;
  checkpointSeq: number;
  salt1: number;
  salt2: number;
  /** The header's own checksum (bytes 24..31): the seed of the first frame's checksum. */
  checksum1: number;
  checksum2: number;
}

/** The checksum the first frame continues from: the header's own. */
export function walHeaderSeed(header: WalHeader): WalChecksum {
  return { s0: header.checksum1, s1: header.checksum2 };
}

function isValidPageSize(n: number): boolean {
  return n >= 512 && n <= 65536 && (n & (n - 1)) === 0;
}

/**
 * Parses the 32-byte WAL header. Returns a reason string instead of a header when SQLite would treat the
 * WAL as empty (too short, unknown magic or version, bad page size, checksum mismatch).
 */
export function parseWalHeader(bytes: Uint8Array): WalHeader | string {
  if (bytes.length < WAL_HEADER_SIZE) return `WAL header is ${bytes.length} bytes, expected ${WAL_HEADER_SIZE}`;
  const view = new DataView(bytes.buffer, bytes.byteOffset, WAL_HEADER_SIZE);
  const magic = view.getUint32(0);
  if (magic !== WAL_MAGIC_LE && magic !== WAL_MAGIC_BE) return `bad WAL magic 0x${magic.toString(16)}`;
  const bigEndianChecksums = magic === WAL_MAGIC_BE;
  const version = view.getUint32(4);
  if (version !== WAL_VERSION) return `unsupported WAL version ${version}`;
  const pageSize = view.getUint32(8);
  if (!isValidPageSize(pageSize)) return `invalid WAL page size ${pageSize}`;
  const checksum1 = view.getUint32(24);
  const checksum2 = view.getUint32(28);
  const sum = { s0: 0, s1: 0 };
  walChecksum(sum, bigEndianChecksums, bytes, 0, 24);
  if (sum.s0 !== checksum1 || sum.s1 !== checksum2) return 'WAL header checksum mismatch';
  return {
    bigEndianChecksums,
    version,
    pageSize,
    checkpointSeq: view.getUint32(12),
    salt1: view.getUint32(16),
    salt2: view.getUint32(20),
    checksum1,
    checksum2,
  };
}

/** A new WAL header (little-endian checksums, as SQLite writes on x86 and ARM, checkpoint sequence 0) with the given salts. */
export function buildWalHeader(pageSize: number, salt1: number, salt2: number): { bytes: Uint8Array; header: WalHeader } {
  const bytes = new Uint8Array(WAL_HEADER_SIZE);
  const view = new DataView(bytes.buffer);
  view.setUint32(0, WAL_MAGIC_LE);
  view.setUint32(4, WAL_VERSION);
  view.setUint32(8, pageSize);
  view.setUint32(12, 0);
  view.setUint32(16, salt1);
  view.setUint32(20, salt2);
  const sum = { s0: 0, s1: 0 };
  walChecksum(sum, false, bytes, 0, 24);
  view.setUint32(24, sum.s0);
  view.setUint32(28, sum.s1);
  const header: WalHeader = {
    bigEndianChecksums: false, version: WAL_VERSION, pageSize, checkpointSeq: 0, salt1, salt2, checksum1: sum.s0, checksum2: sum.s1,
  };
  return { bytes, header };
}
