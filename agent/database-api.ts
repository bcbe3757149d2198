// The contract between a database's WAL syncer (agent/database.ts) and the upload loop (agent/replicator.ts).
import type { TXID } from '../core/ltx/types.ts';
import type { L0File, L0Store } from './l0/store.ts';

export interface DatabaseSettings {
  /** Absolute path of the SQLite database. */
  path: string;
  /** Local staging directory, default `<dir>/.<file>-streambed`. L0 files live in `<metaPath>/ltx/0/`. */
  metaPath: string;
  busyTimeout: number;
  minCheckpointPageCount: number;
  truncatePageN: number;
  /** Milliseconds. */
  checkpointInterval: number;
  maxSyncWalBytes: number;
}

export interface SyncResult {
  /** TXID of the newest local L0 file after this sync. */
  txid: TXID;
  /** The L0 files written, in TXID order (a checkpoint may add a second one; none when nothing changed): everything the uploader needs. */
  files: L0File[];
  /** True when the file written was a full snapshot (continuity lost, first start, forced). */
  snapshot: boolean;
  /** Milliseconds since the epoch at which the changes in the new file were first seen in the WAL. */
  observedAt?: number;
  /** The sync stopped at max-sync-wal-bytes: more committed frames wait in the WAL, so sync again at once. */
  more?: boolean;
}

export interface DatabaseStats {
  txid: TXID;
  dbSize: number;
  walSize: number;
  checkpoints: number;
}

/** What the upload loop needs from a replicated database. */
export interface ReplicationSource {
  readonly settings: DatabaseSettings;
  /** The local L0 files: the uploader opens files from here (written by an earlier process, or by `files`). */
  readonly l0: L0Store;
  /** Opens the agent's connection and recovers the local position from staging. */
  open(): Promise<void>;
  /**
   * Turns the committed WAL frames since the last position into at most one new L0 file; may checkpoint. With
   * `deferWrite`, a small file may still be on its way to disk when the promise resolves: its record in `files`
   * holds the bytes meanwhile, and a later sync or any other operation waits for it. Without it, every file is
   * durable.
   */
  sync(options?: { forceSnapshot?: boolean; deferWrite?: boolean; deferCheckpoint?: boolean }): Promise<SyncResult>;
  /** With `deferCheckpoint` the sync skips the checkpoint policy; this runs it (returns a file it wrote, if any). */
  checkpointIfDue?(): Promise<SyncResult | null>;
  /**
   * True when a sync now would write nothing and no checkpoint is due (cheap: a few stats), so the loop may skip
   * the tick. Optional: without it every tick syncs.
   */
  isIdle?(): boolean;
  /** Newest local TXID (0 when nothing was written yet). */
  txid(): TXID;
  /** The replica is ahead (e.g. after a restore): continue TXIDs after `remoteMax` with a snapshot next. */
  continueAfter(remoteMax: TXID): Promise<void>;
  /** Removes local L0 files with TXID ≤ uploaded that are older than retentionMs, keeping the newest. */
  pruneLocalL0(uploaded: TXID, retentionMs: number): Promise<number>;
  stats(): DatabaseStats;
  close(): Promise<void>;
}
