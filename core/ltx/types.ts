// LTX v3 data model shared by the encoder, decoder, compactor and every caller (spec §1).

export const LTX_MAGIC = 'LTX1';
export const HEADER_SIZE = 100;
export const TRAILER_SIZE = 16;
export const PAGE_HEADER_SIZE = 6;
/** Size of the u32 compressed-size field that follows a v3 page header. */
export const PAGE_SIZE_FIELD_SIZE = 4;

/** Header flag: the rolling database checksums are not maintained (Litestream always sets it). */
export const HEADER_FLAG_NO_CHECKSUM = 0x2;
/** Page-header flag: a u32 compressed size follows and the payload is one raw LZ4 block. */
export const PAGE_FLAG_SIZE = 0x1;
/** Bit 63, forced on in every stored checksum. */
export const CHECKSUM_FLAG = 1n << 63n;

/** Level that holds full snapshots. */
export const SNAPSHOT_LEVEL = 9;
export const MAX_LEVEL = 9;

/**
 * TXIDs are u64 on disk; we carry them as numbers and refuse files whose TXIDs exceed 2^53-1,
 * which no real database reaches (one TXID per sync).
 */
export type TXID = number;

/**
 * A TXID as 16 lowercase hex digits, as in file names, messages and Litestream's output: the one place that shapes
 * it (core/layout's formatTXID checks the range first and then uses this).
 */
export function txidHex(txid: TXID): string {
  return txid.toString(16).padStart(16, '0');
}

export interface LtxHeader {
  flags: number;
  pageSize: number;
  /** Database size in pages after this file is applied. */
  commit: number;
  minTXID: TXID;
  maxTXID: TXID;
  /** Milliseconds since the Unix epoch. */
  timestamp: number;
  preApplyChecksum: bigint;
  walOffset: number;
  walSize: number;
  walSalt1: number;
  walSalt2: number;
  nodeID: bigint;
}

export interface LtxTrailer {
  postApplyChecksum: bigint;
  fileChecksum: bigint;
}

export interface LtxPage {
  pgno: number;
  /** Exactly pageSize bytes, decompressed. */
  data: Uint8Array;
}

export interface LtxPageIndexEntry {
  pgno: number;
  /** Absolute byte offset of the page frame from the start of the file. */
  offset: number;
  /** Encoded frame size: page header, size field and compressed payload. */
  size: number;
}

/** A snapshot covers the database from its first transaction. */
export function isSnapshot(header: Pick<LtxHeader, 'minTXID'>): boolean {
  return header.minTXID === 1;
}

/** The page that holds SQLite's PENDING_BYTE; it is never stored. */
export function lockPgno(pageSize: number): number {
  return Math.floor(0x40000000 / pageSize) + 1;
}
