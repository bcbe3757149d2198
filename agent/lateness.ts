// How long a database's committed changes have waited unreplicated: the one owner of "late" (logs, metrics, /readyz).
import { statSync } from 'node:fs';
import type { TXID } from '../core/ltx/types.ts';

/** Changes are late after 5 sync intervals, and never sooner than a minute (issue 7 item 4, issue 9 item 5). */
export function lateAfterMs(syncInterval: number): number {
  return Math.max(5 * syncInterval, 60_000);
}

/** What readiness and metrics report about one database. */
export interface LatenessReport {
  /** Milliseconds since the oldest change not yet acknowledged by the replica was seen; 0 when nothing waits. */
  waitingMs: number;
  /** When that change was seen (ms since the epoch), if something waits. */
  waitingSince?: number;
  lateAfterMs: number;
  late: boolean;
  /** Newest TXID the replica acknowledged to this process (or held when it was listed). */
  replicaTXID?: TXID;
  /** When the last upload was acknowledged (ms since the epoch). */
  lastUploadAt?: number;
}

/**
 * Tracks committed changes that the replica has not acknowledged: local L0 files not uploaded yet (with the time
 * their changes were first seen) and WAL changes no sync has captured (seen by the WAL file's identity, size and
 * mtime moving away from what the last good sync read). An idle database waits for nothing, however long ago its
 * last upload was.
 */
export class Lateness {
  readonly lateAfterMs: number;
  private readonly files = new Map<TXID, number>();
  private walSince: number | undefined;
  private replicaTXID: TXID | undefined;
  private lastUploadAt: number | undefined;

  constructor(lateAfter: number) {
    this.lateAfterMs = lateAfter;
  }

  /** A local L0 file holds changes first seen at `seenAt`; unsynced WAL changes seen earlier move into it. */
  fileWritten(txid: TXID, seenAt: number): void {
    const since = Math.min(seenAt, this.walSince ?? seenAt, this.files.get(txid) ?? seenAt);
    this.files.set(txid, since);
  }

  /** A local file found beyond the replica's position (left by an earlier run): counted from now at the latest. */
  fileFound(txid: TXID, now: number): void {
    if (!this.files.has(txid)) this.files.set(txid, now);
  }

  /** A sync read the WAL up to its end: nothing committed is left outside the local files. */
  walSynced(): void {
    this.walSince = undefined;
  }

  /** Committed WAL changes that no sync has captured (yet) were seen at `at`; the earliest sighting counts. */
  walChanged(at: number): void {
    this.walSince ??= at;
  }

  /** The replica holds everything up to `txid` (its listing, or an upload acknowledged at `at`). */
  acknowledged(txid: TXID, at?: number): void {
    for (const t of this.files.keys()) if (t <= txid) this.files.delete(t);
    this.replicaTXID = txid;
    if (at !== undefined) this.lastUploadAt = at;
  }

  /** The oldest unacknowledged change, if any. */
  waitingSince(): number | undefined {
    let since = this.walSince;
    for (const t of this.files.values()) if (since === undefined || t < since) since = t;
    return since;
  }

  report(now: number = Date.now()): LatenessReport {
    const since = this.waitingSince();
    const waitingMs = since === undefined ? 0 : Math.max(0, now - since);
    return {
      waitingMs,
      waitingSince: since,
      lateAfterMs: this.lateAfterMs,
      late: since !== undefined && waitingMs >= this.lateAfterMs,
      replicaTXID: this.replicaTXID,
      lastUploadAt: this.lastUploadAt,
    };
  }
}

/**
 * Identity, size and mtime of a WAL file ('' when it does not exist). stat() opens no descriptor, so it cannot
 * drop SQLite's POSIX locks on the database the way an open/close would.
 */
export function walSignature(walPath: string): string {
  try {
    const st = statSync(walPath, { bigint: true });
    return `${st.ino}:${st.size}:${st.mtimeNs}`;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return '';
    throw err;
  }
}
