// Where the newest L0 file left the WAL: the position the next sync continues from.
import type { LtxHeader, TXID } from '../../core/ltx/types.ts';

/** Where the last L0 file left the WAL: the next sync continues from `offset` in the WAL with these salts. */
export interface WalPosition {
  txid: TXID;
  /** WALOffset + WALSize of the newest L0 file. */
  offset: number;
  salt1: number;
  salt2: number;
  /** Database size in pages after that file. */
  commit: number;
  pageSize: number;
  /**
   * Header of the last frame the file covered, when known in this process. Equal bytes at offset-frameSize
   * prove the WAL was not rewritten (same salts and same cumulative checksum).
   */
  lastFrameHeader: Uint8Array | null;
  /**
   * Known in this process only: the WAL with these salts was completely checkpointed under our write
   * barrier with its last frame at this position, so a single restart after it loses nothing.
   */
  walEndsHere?: boolean;
}

export function positionFromHeader(txid: TXID, header: LtxHeader): WalPosition {
  return {
    txid,
    offset: header.walOffset + header.walSize,
    salt1: header.walSalt1,
    salt2: header.walSalt2,
    commit: header.commit,
    pageSize: header.pageSize,
    lastFrameHeader: null,
  };
}
