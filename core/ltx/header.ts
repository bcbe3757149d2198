// Encode, decode and validate the 100-byte LTX header (spec §1.1) with Go ltx's validation rules.
import { LtxFormatError } from './errors.ts';
import {
  CHECKSUM_FLAG,
  HEADER_FLAG_NO_CHECKSUM,
  HEADER_SIZE,
  isSnapshot,
  LTX_MAGIC,
  type LtxHeader,
  txidHex,
} from './types.ts';

const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);

/** A header with Litestream's defaults (flags = NoChecksum, zero checksums, WAL fields and node ID). */
export function newHeader(partial: Partial<LtxHeader> & Pick<LtxHeader, 'pageSize' | 'commit' | 'minTXID' | 'maxTXID'>): LtxHeader {
  return {
    flags: HEADER_FLAG_NO_CHECKSUM,
    timestamp: 0,
    preApplyChecksum: 0n,
    walOffset: 0,
    walSize: 0,
    walSalt1: 0,
    walSalt2: 0,
    nodeID: 0n,
    ...partial,
  };
}

export function isValidPageSize(n: number): boolean {
  return Number.isInteger(n) && n >= 512 && n <= 65536 && (n & (n - 1)) === 0;
}

/** Returns what is wrong with the header, or null when it is valid. */
export function headerProblem(h: LtxHeader): string | null {
  if ((h.flags & ~HEADER_FLAG_NO_CHECKSUM) !== 0) return `invalid header flags 0x${h.flags.toString(16).padStart(8, '0')}`;
  if (!isValidPageSize(h.pageSize)) return `invalid page size ${h.pageSize} (must be a power of two from 512 to 65536)`;
  if (!Number.isInteger(h.commit) || h.commit < 0 || h.commit > 0xffffffff) return `invalid commit ${h.commit}`;
  for (const [name, v] of [['minimum', h.minTXID], ['maximum', h.maxTXID]] as const) {
    if (!Number.isSafeInteger(v) || v < 0) return `${name} TXID ${v} is not an integer from 1 to 2^53-1`;
    if (v === 0) return `${name} TXID is required (0 found)`;
  }
  if (h.minTXID > h.maxTXID) return `TXIDs out of order: min ${txidHex(h.minTXID)} > max ${txidHex(h.maxTXID)}`;
  if (!Number.isSafeInteger(h.timestamp)) return `timestamp ${h.timestamp} is not an integer number of milliseconds`;
  if (!Number.isSafeInteger(h.walOffset) || !Number.isSafeInteger(h.walSize)) return 'WAL offset and size must be integers';
  for (const v of [h.walSalt1, h.walSalt2]) if (!Number.isInteger(v) || v < 0 || v > 0xffffffff) return `invalid WAL salt ${v}`;
  if (h.nodeID < 0n || h.nodeID >= 1n << 64n) return `invalid node ID ${h.nodeID}`;
  if (h.walOffset < 0) return `WAL offset cannot be negative: ${h.walOffset}`;
  if (h.walSize < 0) return `WAL size cannot be negative: ${h.walSize}`;
  if ((h.walSalt1 !== 0 || h.walSalt2 !== 0) && h.walOffset === 0) return 'WAL offset required when a WAL salt is set';
  if (h.walOffset !== 0 && h.walSize === 0) return 'WAL size required when the WAL offset is set';
  if (h.walOffset === 0 && h.walSize !== 0) return 'WAL offset required when the WAL size is set';
  if (isSnapshot(h)) {
    if (h.preApplyChecksum !== 0n) return 'pre-apply checksum must be zero on snapshots';
  } else if ((h.flags & HEADER_FLAG_NO_CHECKSUM) !== 0) {
    if (h.preApplyChecksum !== 0n) return 'pre-apply checksum must be zero when checksums are disabled (NoChecksum flag)';
  } else {
    if (h.preApplyChecksum === 0n) return 'pre-apply checksum required on non-snapshot files';
    if ((h.preApplyChecksum & CHECKSUM_FLAG) === 0n) return 'invalid pre-apply checksum (bit 63 not set)';
  }
  return null;
}

export function validateHeader(h: LtxHeader, file: string): void {
  const problem = headerProblem(h);
  if (problem) throw new LtxFormatError(file, 0, problem);
}

function setU64(view: DataView, off: number, v: number | bigint): void {
  view.setBigUint64(off, BigInt(v));
}

export function encodeHeader(h: LtxHeader, dst: Uint8Array = new Uint8Array(HEADER_SIZE)): Uint8Array {
  const view = new DataView(dst.buffer, dst.byteOffset, HEADER_SIZE);
  dst.fill(0, 0, HEADER_SIZE);
  dst.set(new TextEncoder().encode(LTX_MAGIC), 0);
  view.setUint32(4, h.flags);
  view.setUint32(8, h.pageSize);
  view.setUint32(12, h.commit);
  setU64(view, 16, h.minTXID);
  setU64(view, 24, h.maxTXID);
  view.setBigInt64(32, BigInt(h.timestamp));
  view.setBigUint64(40, h.preApplyChecksum);
  view.setBigInt64(48, BigInt(h.walOffset));
  view.setBigInt64(56, BigInt(h.walSize));
  view.setUint32(64, h.walSalt1);
  view.setUint32(68, h.walSalt2);
  view.setBigUint64(72, h.nodeID);
  return dst;
}

function safeNumber(v: bigint, what: string, file: string, offset: number): number {
  if (v > MAX_SAFE || v < -MAX_SAFE) throw new LtxFormatError(file, offset, `${what} ${v} exceeds 2^53-1, which streambed does not support`);
  return Number(v);
}

/** Parses and validates a header; `bytes` must hold at least 100 bytes. */
export function decodeHeader(bytes: Uint8Array, file: string): LtxHeader {
  if (bytes.length < HEADER_SIZE) throw new LtxFormatError(file, bytes.length, `file too short for an LTX header (${bytes.length} bytes)`);
  const magic = String.fromCharCode(bytes[0], bytes[1], bytes[2], bytes[3]);
  if (magic !== LTX_MAGIC) throw new LtxFormatError(file, 0, `not an LTX file (magic ${JSON.stringify(magic)}, expected "LTX1")`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, HEADER_SIZE);
  const h: LtxHeader = {
    flags: view.getUint32(4),
    pageSize: view.getUint32(8),
    commit: view.getUint32(12),
    minTXID: safeNumber(view.getBigUint64(16), 'minimum TXID', file, 16),
    maxTXID: safeNumber(view.getBigUint64(24), 'maximum TXID', file, 24),
    timestamp: safeNumber(view.getBigInt64(32), 'timestamp', file, 32),
    preApplyChecksum: view.getBigUint64(40),
    walOffset: safeNumber(view.getBigInt64(48), 'WAL offset', file, 48),
    walSize: safeNumber(view.getBigInt64(56), 'WAL size', file, 56),
    walSalt1: view.getUint32(64),
    walSalt2: view.getUint32(68),
    nodeID: view.getBigUint64(72),
  };
  validateHeader(h, file);
  return h;
}
