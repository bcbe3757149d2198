// Plans the next sync: verify the last L0 position against the WAL and continue from it, or take a snapshot.
import { decodeL0File } from '../l0/store.ts';
import type { WalPosition } from './position.ts';
import { collectWalSegment } from './segment.ts';
import type { WalChecksum } from '../../core/sqlite/wal-checksum.ts';
import { WAL_FRAME_HEADER_SIZE, WAL_HEADER_SIZE, walFrameSize, walHeaderSeed, type WalHeader } from '../../core/sqlite/wal-format.ts';
import { parseFrameHeader, walFrameSeed } from '../../core/sqlite/wal-frames.ts';
import { readFrameAt, readWalHeader } from './reader.ts';
import type { ByteSource } from './reader.ts';

export type SyncPlan =
  | {
      kind: 'incremental';
      offset: number;
      seed: WalChecksum;
      salt1: number;
      salt2: number;
      restarted: boolean;
      /** Header of the last synced frame once verified, so later checks need not decode the L0 file again. */
      verifiedLastFrame?: Uint8Array;
    }
  | { kind: 'snapshot'; reason: string };

export interface PlanInput {
  pos: WalPosition | null;
  wal: ByteSource;
  header: WalHeader;
  /** Path of the newest local L0 file, to compare the last synced page when the frame header is not cached. */
  lastL0Path: string;
  /**
   * A page of that file, kept from its full decode (every page and the file checksum verified) when the database
   * was opened: when it is the page asked for, the file is not decoded a second time.
   */
  lastL0Page?: { pgno: number; data: Uint8Array } | null;
}

function snapshot(reason: string): SyncPlan {
  return { kind: 'snapshot', reason };
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return Buffer.from(a.buffer, a.byteOffset, a.length).equals(Buffer.from(b.buffer, b.byteOffset, b.length));
}

/** Does the frame at the end of the last sync still hold what that sync shipped? */
async function lastFrameMatches(input: PlanInput, pos: WalPosition, frame: { header: Uint8Array; data: Uint8Array }): Promise<boolean> {
  if (pos.lastFrameHeader) return sameBytes(frame.header, pos.lastFrameHeader);
  const f = parseFrameHeader(frame.header);
  if (f.commit === 0) return false; // every sync ends on a commit frame
  const kept = input.lastL0Page;
  const page = kept && kept.pgno === f.pgno ? kept.data : (await decodeL0File(input.lastL0Path, f.pgno)).page;
  return page !== null && sameBytes(page, frame.data);
}

/**
 * Litestream's verification (spec §2 step 2), stricter on WAL restarts: a restart is only accepted when it
 * happened exactly once (salt-1 advanced by one) and no committed frame of the old WAL follows our position,
 * i.e. the old WAL ended where the last sync did. Anything else loses continuity and needs a snapshot.
 */
export async function planSync(input: PlanInput): Promise<SyncPlan> {
  const { pos, header, wal } = input;
  if (!pos) return snapshot('no local position');
  if (pos.pageSize !== header.pageSize) return snapshot(`page size changed from ${pos.pageSize} to ${header.pageSize}`);
  if (pos.offset < WAL_HEADER_SIZE) return snapshot('the last L0 file records no WAL position');
  const saltsMatch = header.salt1 === pos.salt1 && header.salt2 === pos.salt2;
  const fromHeader = { offset: WAL_HEADER_SIZE, seed: walHeaderSeed(header), salt1: header.salt1, salt2: header.salt2 };
  if (pos.walEndsHere && !saltsMatch) {
    // Our checkpoint proved the old WAL ends at the position: exactly one restart continues the chain.
    return header.salt1 === ((pos.salt1 + 1) >>> 0)
      ? { kind: 'incremental', ...fromHeader, restarted: true }
      : snapshot('WAL restarted more than once since our checkpoint');
  }
  if (pos.offset === WAL_HEADER_SIZE) {
    return saltsMatch ? { kind: 'incremental', ...fromHeader, restarted: false } : snapshot('WAL restarted after a sync that ended at the WAL header');
  }
  const frameSize = walFrameSize(header.pageSize);
  if ((pos.offset - WAL_HEADER_SIZE) % frameSize !== 0) return snapshot(`position ${pos.offset} is not on a WAL frame boundary`);
  const walSize = wal.size();
  if (pos.offset > walSize) return snapshot(`WAL truncated by another process (size ${walSize} < position ${pos.offset})`);
  const frame = readFrameAt(wal, header.pageSize, pos.offset - frameSize);
  if (!frame) return snapshot(`WAL ends before the last synced frame at ${pos.offset - frameSize}`);
  const last = parseFrameHeader(frame.header.subarray(0, WAL_FRAME_HEADER_SIZE));
  if (last.salt1 !== pos.salt1 || last.salt2 !== pos.salt2) return snapshot('WAL overwritten: the last synced frame carries other salts');
  if (!(await lastFrameMatches(input, pos, frame))) return snapshot('WAL overwritten: the last synced frame differs from the newest L0 file');
  const seed = walFrameSeed(last);
  if (saltsMatch) {
    const verifiedLastFrame = frame.header.slice(0, WAL_FRAME_HEADER_SIZE);
    return { kind: 'incremental', offset: pos.offset, seed, salt1: pos.salt1, salt2: pos.salt2, restarted: false, verifiedLastFrame };
  }

  if (header.salt1 !== ((pos.salt1 + 1) >>> 0)) return snapshot('WAL restarted more than once, or replaced, since the last sync');
  const tail = collectWalSegment(wal, header, { offset: pos.offset, seed, salt1: pos.salt1, salt2: pos.salt2 });
  if (tail.transactions > 0) return snapshot('transactions after the last sync were checkpointed before the WAL restarted');
  return { kind: 'incremental', ...fromHeader, restarted: true };
}

/**
 * End of the committed frames that follow `pos`, when `pos` lies in this WAL (or the WAL restarted right after
 * a position known to end it); otherwise null.
 */
export function committedEndAfter(wal: ByteSource, pos: WalPosition): { salt1: number; salt2: number; offset: number } | null {
  const header = readWalHeader(wal);
  if (!header) return null;
  if (pos.walEndsHere && header.salt1 === ((pos.salt1 + 1) >>> 0)) {
    return { salt1: header.salt1, salt2: header.salt2, offset: collectWalSegment(wal, header).endOffset };
  }
  if (header.salt1 !== pos.salt1 || header.salt2 !== pos.salt2) return null;
  let seed = walHeaderSeed(header);
  if (pos.offset > WAL_HEADER_SIZE) {
    const frame = readFrameAt(wal, header.pageSize, pos.offset - walFrameSize(header.pageSize));
    if (!frame) return null;
    const f = parseFrameHeader(frame.header);
    seed = walFrameSeed(f);
  }
  const seg = collectWalSegment(wal, header, { offset: pos.offset, seed, salt1: pos.salt1, salt2: pos.salt2 });
  return { salt1: pos.salt1, salt2: pos.salt2, offset: seg.endOffset };
}
