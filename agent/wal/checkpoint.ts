// Checkpoint policy (which mode, when) and the procedure that keeps WAL continuity across our own checkpoints.
import { isBusyError } from '../sqlite-connections.ts';
import type { CheckpointResult, SqliteConnections } from '../sqlite-connections.ts';
import { walSizeForFrames } from './reader.ts';
import type { WalHeader } from '../../core/sqlite/wal-format.ts';

export type OwnCheckpointMode = 'PASSIVE' | 'TRUNCATE';

export interface CheckpointPolicy {
  minCheckpointPageCount: number;
  /** 0 disables the forced TRUNCATE. */
  truncatePageN: number;
  /** Milliseconds; 0 disables time-based checkpoints. */
  checkpointInterval: number;
}

export interface PolicyInput {
  pageSize: number;
  /**
   * Bytes of the live WAL: the end of its last committed frame. The file size is not used because a
   * restarted WAL keeps its old length and would trigger a checkpoint on every tick.
   */
  walBytes: number;
  syncedSinceCheckpoint: boolean;
  /** Newest of the database file's mtime and our last checkpoint, in ms. */
  lastCheckpointAt: number;
  now: number;
}

/** Litestream's priority order: TRUNCATE threshold, PASSIVE threshold, then the interval. */
export function chooseCheckpoint(policy: CheckpointPolicy, input: PolicyInput): OwnCheckpointMode | null {
  if (policy.truncatePageN > 0 && input.walBytes >= walSizeForFrames(input.pageSize, policy.truncatePageN)) return 'TRUNCATE';
  if (policy.minCheckpointPageCount > 0 && input.walBytes >= walSizeForFrames(input.pageSize, policy.minCheckpointPageCount)) return 'PASSIVE';
  if (
    policy.checkpointInterval > 0 &&
    input.syncedSinceCheckpoint &&
    input.now - input.lastCheckpointAt >= policy.checkpointInterval &&
    input.walBytes > walSizeForFrames(input.pageSize, 1)
  ) {
    return 'PASSIVE';
  }
  return null;
}

/** What the procedure needs from the database syncer. */
export interface CheckpointHost {
  readonly conns: SqliteConnections;
  /** Syncs every committed frame while the barrier is held; false when a snapshot is needed instead. */
  sealUnderBarrier(): Promise<boolean>;
  /**
   * The WAL at the current position was checkpointed completely while nobody could write: it ends exactly
   * there, so its next restart (salt-1 + 1) continues the chain at offset 32 without a snapshot.
   */
  markWalEndsAtPosition(): void;
  requireSnapshot(reason: string): void;
}

export interface CheckpointOutcome {
  mode: OwnCheckpointMode;
  result: CheckpointResult | null;
  /** True when every frame was copied under our barrier (the WAL restarts at the next write). */
  sealedComplete: boolean;
  /** Milliseconds we held SQLite's write lock (other writers wait at most this long because of us). */
  barrierMs: number;
}

function isComplete(r: CheckpointResult | null): boolean {
  return r !== null && r.busy === 0 && r.log >= 0 && r.log === r.checkpointed;
}

function runPragma(conns: SqliteConnections, mode: 'PASSIVE' | 'TRUNCATE'): CheckpointResult | null {
  try {
    return conns.checkpoint(mode);
  } catch (err) {
    if (isBusyError(err)) return null;
    throw err;
  }
}

/** Copies the WAL into the database file while holding SQLite's write lock as briefly as possible. */
async function sealAndCopy(host: CheckpointHost, outcome: CheckpointOutcome): Promise<void> {
  const { conns } = host;
  if (!conns.tryBeginBarrier()) return;
  const start = performance.now();
  try {
    if (!(await host.sealUnderBarrier())) return;
    conns.releaseReadLock();
    outcome.result = runPragma(conns, 'PASSIVE') ?? outcome.result;
    outcome.sealedComplete = isComplete(outcome.result);
    // Fully copied: this read transaction sits on read-mark 0, which stops anyone else from copying frames,
    // so the WAL can restart at most once (at the next write) until our next checkpoint.
    conns.acquireReadLock();
    if (outcome.sealedComplete) host.markWalEndsAtPosition();
  } finally {
    conns.rollbackBarrier();
    outcome.barrierMs = performance.now() - start;
    if (!conns.isReadLocked) conns.acquireReadLock();
  }
}

/**
 * 1. Take a fresh read mark and run PASSIVE: the bulk of the copying, with no writer blocked and no restart
 *    possible (our read mark pins the WAL).
 * 2. Take the write barrier, sync what was committed meanwhile ("seal"), release the read lock and run
 *    PASSIVE again (only the delta), take the read lock again, drop the barrier. If that copy was complete,
 *    the WAL provably ends at our position, and its restart by the next write (our `_litestream_seq` bump or
 *    the application's) continues the chain at offset 32.
 * 3. TRUNCATE mode when the copy stayed incomplete (other readers): run TRUNCATE, which waits for readers
 *    and writers. Frames committed between the seal and the truncation may be gone, so the next L0 file is
 *    a snapshot, written after the write lock was released.
 */
export async function runCheckpoint(host: CheckpointHost, mode: OwnCheckpointMode): Promise<CheckpointOutcome> {
  const { conns } = host;
  const outcome: CheckpointOutcome = { mode, result: null, sealedComplete: false, barrierMs: 0 };
  conns.releaseReadLock();
  try {
    conns.acquireReadLock();
    outcome.result = runPragma(conns, 'PASSIVE');
    await sealAndCopy(host, outcome);
    if (outcome.sealedComplete) {
      // Shrinks the file when our bump restarts the WAL; only for the size-driven TRUNCATE case.
      if (mode === 'TRUNCATE') conns.setJournalSizeLimit(0);
      try {
        conns.bumpSeq();
      } catch (err) {
        if (!isBusyError(err)) throw err; // the application's next write restarts the WAL instead
      } finally {
        if (mode === 'TRUNCATE') conns.setJournalSizeLimit(-1);
      }
      return outcome;
    }
    if (mode === 'TRUNCATE') {
      conns.releaseReadLock();
      const truncated = runPragma(conns, 'TRUNCATE');
      conns.acquireReadLock();
      if (truncated) outcome.result = truncated;
      if (truncated && truncated.busy === 0) host.requireSnapshot('boundary snapshot after a TRUNCATE checkpoint');
      conns.bumpSeq();
    }
    return outcome;
  } finally {
    if (!conns.isReadLocked) conns.acquireReadLock();
  }
}
