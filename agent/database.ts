// The per-database WAL syncer: turns committed WAL frames into L0 LTX files and runs the checkpoint policy.
import { existsSync } from 'node:fs';
import { mkdir, rm } from 'node:fs/promises';
import { newHeader } from '../core/ltx/header.ts';
import type { TXID } from '../core/ltx/types.ts';
import { formatTXID } from '../core/layout/names.ts';
import type { Logger } from './logger.ts';
import { silentLogger } from './logger.ts';
import type { DatabaseSettings, DatabaseStats, ReplicationSource, SyncResult } from './database-api.ts';
import { chooseCheckpoint, runCheckpoint } from './wal/checkpoint.ts';
import type { CheckpointHost, OwnCheckpointMode } from './wal/checkpoint.ts';
import type { Clock } from './clock.ts';
import { systemClock } from './clock.ts';
import { L0Store, decodeL0File } from './l0/store.ts';
import type { L0File } from './l0/store.ts';
import { incrementalPages, snapshotPages } from './wal/pages.ts';
import { positionFromHeader } from './wal/position.ts';
import type { WalPosition } from './wal/position.ts';
import { committedEndAfter, planSync } from './wal/sync-plan.ts';
import type { SyncPlan } from './wal/sync-plan.ts';
import { SqliteConnections } from './sqlite-connections.ts';
import { readFrameAt, readWalHeader } from './wal/reader.ts';
import { WAL_HEADER_SIZE, walFrameSize, walHeaderSeed, type WalHeader } from '../core/sqlite/wal-format.ts';
import { parseFrameHeader } from '../core/sqlite/wal-frames.ts';
import { DbFile, fileSize } from './db-file.ts';
import type { FileChange } from './db-file.ts';
import type { ByteSource } from './wal/reader.ts';
import { MAX_TRACKED_PAGES, PageChecksums } from './page-checksums.ts';
import { saveChecksums, sidecarPath, takeChecksums } from './checksum-sidecar.ts';
import { collectWalSegment } from './wal/segment.ts';
import { quietSignature } from './wal/quiet.ts';

/** The WAL was restarted while we read it (possible only when our read lock sits on read-mark 0), or replaced. */
class WalChangedError extends Error {}

/** One sync's view of the files: the WAL opened for this sync, the main file through the long-lived descriptor. */
interface OpenFiles {
  wal: ByteSource;
  db: ByteSource;
  close(): void;
}

/**
 * Incremental files up to this size (estimated from the page count) are encoded in memory and written to disk
 * in the background, so the upload can start while the file and directory fsyncs run.
 */
const DEFERRED_WRITE_LIMIT = 2 * 1024 * 1024;
/** At most this many encoded files wait for the disk (a slow fsync must not stall syncs); then the next sync waits. */
const MAX_DEFERRED_FILES = 8;

interface SyncStepOptions {
  maxBytes: number;
  allowSnapshot: boolean;
  /** A small file may be written to disk in the background (see DEFERRED_WRITE_LIMIT). */
  deferWrite?: boolean;
}

interface StepResult {
  result: SyncResult;
  /** More committed frames may follow (max-sync-wal-bytes reached). */
  limited: boolean;
  /** A snapshot is needed but was not written (not allowed in this step). */
  needsSnapshot: boolean;
}

/**
 * One replicated database (spec §2). Each sync verifies the last L0 position against the WAL, then writes at
 * most one L0 file: the committed frames since the position, or a full snapshot when continuity is lost.
 * Snapshots are never encoded under SQLite's write lock; the only write-locked work is the short "seal"
 * sync plus a `_litestream_seq` bump inside our own checkpoint (see wal/checkpoint.ts). A checkpoint can add a
 * second, small L0 file in the same call.
 */
export class Database implements ReplicationSource {
  readonly settings: DatabaseSettings;
  readonly l0: L0Store;
  private readonly logger: Logger;
  private readonly clock: Clock;
  private readonly conns: SqliteConnections;
  private readonly file: DbFile;
  private readonly walPath: string;
  private opened = false;
  private pageSize = 0;
  private pos: WalPosition | null = null;
  private lastTxid: TXID = 0;
  /** Header timestamp of the newest L0 file (with its TXID, names the state `sums` describes). */
  private lastL0Timestamp = 0;
  /** Page checksums of the state after the newest L0 file, when known (see page-checksums.ts). */
  private sums: PageChecksums | null = null;
  /**
   * The page of the newest L0 file that the first sync after open() compares with the WAL's last synced frame,
   * kept from open()'s full decode of that file so that the sync need not decode it again (for a big snapshot,
   * seconds of CPU at each start). Taken by the next sync attempt, used or not.
   */
  private openedL0Page: { path: string; pgno: number; data: Uint8Array } | null = null;
  private snapshotReason: string | null = null;
  /**
   * The pending snapshot is only for lost WAL continuity: if the database file still equals the state after the
   * newest L0 file (same checksum and size), the next file continues from the current WAL instead.
   */
  private snapshotCheckable = false;
  /** Set while the database file is missing: the connections are closed until it is re-created. */
  private detached: string | null = null;
  private checkpointCount = 0;
  private lastCheckpointAt: number;
  private syncedSinceCheckpoint = false;
  /** End of the WAL right after our own checkpoint's bump: syncing up to here is not new data. */
  private quietEnd: { salt1: number; salt2: number; offset: number } | null = null;
  private pendingSince: number | null = null;
  /** Longest time our checkpoint held the write lock (for tests and diagnostics). */
  maxBarrierMs = 0;
  private queue: Promise<unknown> = Promise.resolve();
  /** The last sync stopped at max-sync-wal-bytes: no checkpoint until the WAL was read to its end. */
  private moreToSync = false;
  /**
   * The files' signature (wal/quiet.ts) taken right before the last sync that found nothing to write: while it
   * holds, the next sync would find nothing either, so an idle database's sync is two stats.
   */
  private quiet: string | null = null;

  constructor(settings: DatabaseSettings, logger: Logger = silentLogger(), clock: Clock = systemClock) {
    this.settings = settings;
    this.logger = logger;
    this.clock = clock;
    this.lastCheckpointAt = clock.now();
    this.l0 = new L0Store(settings.metaPath, logger);
    this.conns = new SqliteConnections(settings.path, settings.busyTimeout);
    this.file = new DbFile(settings.path, this.conns);
    this.walPath = this.file.walPath;
  }

  /**
   * Asks for a snapshot as the next file; the first reason stays. `checkable` reasons (lost WAL continuity) may be
   * answered by the database checksum instead; any other reason makes the snapshot unconditional.
   */
  private requireSnapshot(reason: string, checkable = false): void {
    if (this.snapshotReason === null) {
      this.snapshotReason = reason;
      this.snapshotCheckable = checkable;
    } else {
      this.snapshotCheckable &&= checkable;
    }
  }

  private clearSnapshotReason(): void {
    this.snapshotReason = null;
    this.snapshotCheckable = false;
  }

  /**
   * Runs operations one at a time (sync, checkpoint, continueAfter, close share the connections). The writable
   * connections are closed after each (see closeWritersIfIdle): an operation that needs them reopens them.
   */
  private exclusive<T>(fn: () => Promise<T>): Promise<T> {
    const op = async (): Promise<T> => {
      try {
        return await fn();
      } finally {
        if (this.file.isOpen) this.conns.closeWritersIfIdle();
      }
    };
    const run = this.queue.then(op, op);
    this.queue = run.catch(() => undefined);
    return run;
  }

  open(): Promise<void> {
    return this.exclusive(async () => {
      if (this.opened) return;
      this.quiet = null;
      this.file.open();
      try {
        this.pageSize = this.conns.pageSize();
        await mkdir(this.l0.dir, { recursive: true });
        await this.l0.removeTempFiles();
        await this.recoverPosition();
        await this.loadSavedChecksums();
        this.conns.acquireReadLock();
        this.lastCheckpointAt = this.clock.now();
        this.opened = true;
      } catch (err) {
        this.file.close();
        throw err;
      }
    });
  }

  /** The newest local L0 file, fully decoded, is the position; anything unreadable means a snapshot next. */
  private async recoverPosition(): Promise<void> {
    const newest = (await this.l0.list()).at(-1);
    if (!newest) {
      this.pos = null;
      this.lastTxid = 0;
      this.requireSnapshot('no local L0 files (first start)');
      return;
    }
    this.lastTxid = newest.txid;
    this.openedL0Page = null;
    try {
      let wanted: number | null = null;
      const { header, page } = await decodeL0File(newest.path, (h) => (wanted = this.lastSyncedPgno(positionFromHeader(newest.txid, h))));
      if (wanted !== null && page) this.openedL0Page = { path: newest.path, pgno: wanted, data: page };
      this.pos = positionFromHeader(newest.txid, header);
      this.lastL0Timestamp = header.timestamp;
    } catch (err) {
      const moved = await this.l0.quarantine(newest.path);
      this.logger.warn({ file: newest.path, movedTo: moved, err: (err as Error).message }, 'newest local L0 file is corrupt; the next file is a snapshot');
      this.pos = null;
      this.requireSnapshot(`newest local L0 file ${newest.path} is corrupt`);
    }
  }

  /**
   * The page number in the WAL frame that ends at `pos`, if the WAL holds one there: the page the first sync will
   * compare (a guess only: that sync reads the frame again and decodes the file if the page differs).
   */
  private lastSyncedPgno(pos: WalPosition): number | null {
    if (pos.offset <= WAL_HEADER_SIZE) return null;
    try {
      const wal = this.file.openWal();
      if (!wal) return null;
      try {
        const frame = readFrameAt(wal.source, pos.pageSize, pos.offset - walFrameSize(pos.pageSize));
        return frame ? parseFrameHeader(frame.header).pgno : null;
      } finally {
        wal.close();
      }
    } catch {
      // Unreadable now: the sync reads the WAL itself (and reports what is wrong); the L0 file is not to blame.
      return null;
    }
  }

  /** Page checksums saved by the last clean shutdown, if they describe the newest local L0 file. */
  private async loadSavedChecksums(): Promise<void> {
    this.sums = null;
    if (!this.pos) {
      await rm(sidecarPath(this.settings.metaPath), { force: true });
      return;
    }
    const key = { txid: this.pos.txid, timestamp: this.lastL0Timestamp, commit: this.pos.commit, pageSize: this.pos.pageSize };
    const { sums, reason } = await takeChecksums(this.settings.metaPath, key);
    this.sums = sums;
    this.logger.debug({ known: sums !== null, reason }, 'page checksums of the newest local L0 file');
  }

  /**
   * Saves the page checksums for the next start (failure only costs a snapshot if the WAL is lost meanwhile).
   * They are keyed by the newest L0 file, so a file that never reached the disk makes them unused.
   */
  private async saveChecksumsForRestart(): Promise<void> {
    if (!this.sums || !this.pos || this.sums.pageCount !== this.pos.commit) return;
    const key = { txid: this.lastTxid, timestamp: this.lastL0Timestamp, commit: this.pos.commit, pageSize: this.pageSize };
    try {
      await saveChecksums(this.settings.metaPath, key, this.sums);
    } catch (err) {
      this.logger.warn({ path: sidecarPath(this.settings.metaPath), err: (err as Error).message }, 'could not save page checksums; a lost WAL at the next start means a snapshot');
    }
  }

  private requireOpen(): void {
    if (!this.opened) throw new Error(`database ${this.settings.path}: open() must succeed before sync`);
  }

  sync(options: { forceSnapshot?: boolean; deferWrite?: boolean; deferCheckpoint?: boolean } = {}): Promise<SyncResult> {
    return this.exclusive(async () => {
      this.requireOpen();
      const deferWrite = options.deferWrite === true;
      if (!deferWrite || this.l0.backgroundWrites >= MAX_DEFERRED_FILES) await this.l0.settled();
      // Every background write has ended, so takeWriteFailure sees any failure: only then may the files be quiet.
      const writesSettled = this.l0.backgroundWrites === 0;
      this.takeWriteFailure();
      if (options.forceSnapshot) this.requireSnapshot('snapshot requested');
      const step = await this.syncUnlessQuiet({ maxBytes: this.settings.maxSyncWalBytes, allowSnapshot: true, deferWrite }, writesSettled);
      this.moreToSync = step.limited;
      const result = step.limited ? { ...step.result, more: true } : step.result;
      if (options.deferCheckpoint) return result;
      const sealed = await this.checkpointIfDueNow();
      return sealed ? mergeResults(result, sealed) : result;
    });
  }

  /**
   * The checkpoint policy on its own, after a sync made with `deferCheckpoint` (so the upload of that sync's
   * file need not wait for it). Returns the file written under the checkpoint's write barrier, if any.
   */
  checkpointIfDue(): Promise<SyncResult | null> {
    return this.exclusive(async () => {
      this.requireOpen();
      return this.checkpointIfDueNow();
    });
  }

  private async checkpointIfDueNow(): Promise<SyncResult | null> {
    if (this.moreToSync || this.snapshotReason || !this.file.isOpen) return null;
    // Connections whose WAL or database file was replaced must not checkpoint: the next sync reopens them.
    if (this.file.change()) return null;
    const mode = this.checkpointDue();
    if (!mode) return null;
    // The checkpoint may restart the WAL: every file before it must be durable first (spec §2 step 5).
    await this.flushWrites();
    if (this.snapshotReason) return null;
    return this.checkpoint(mode);
  }

  /** Waits for the background writes; a failed one turns the next file into a snapshot. */
  private async flushWrites(): Promise<void> {
    await this.l0.settled();
    this.takeWriteFailure();
  }

  /**
   * A failed background write leaves its TXID used (the bytes may have reached the replica already): continuity
   * on disk is lost, so the next file is a full snapshot, as after a lost local file.
   */
  private takeWriteFailure(): void {
    const failure = this.l0.takeWriteFailure();
    if (failure !== null) this.requireSnapshot(failure);
  }

  /**
   * syncStep, skipped when neither file changed since a sync that found nothing to write (and nothing else asks
   * for one: no snapshot pending, the WAL read to its end). The signature is taken before the step reads the
   * files, so a write during the step changes it.
   */
  private async syncUnlessQuiet(opts: SyncStepOptions, writesSettled: boolean): Promise<StepResult> {
    if (!writesSettled || this.snapshotReason !== null || this.moreToSync || this.pos === null || !this.file.isOpen) {
      this.quiet = null;
      return this.syncStep(opts);
    }
    // Real time, not the injected clock: it is compared with the filesystem's timestamps.
    const before = quietSignature(this.settings.path, this.walPath);
    if (before !== null && before === this.quiet) return this.noWrite();
    const step = await this.syncStep(opts);
    const nothing = step.result.files.length === 0 && !step.limited && !step.needsSnapshot && this.snapshotReason === null;
    this.quiet = nothing ? before : null;
    return step;
  }

  /**
   * True when a sync now would write nothing and no checkpoint is due: the files are as the last no-op sync saw
   * them. Three stats, no descriptor, no promise: the replicator asks this every tick before starting a sync.
   */
  isIdle(): boolean {
    if (!this.opened || this.quiet === null || this.snapshotReason !== null || this.moreToSync || !this.file.isOpen) return false;
    if (this.l0.backgroundWrites > 0 || quietSignature(this.settings.path, this.walPath) !== this.quiet) return false;
    return this.checkpointDue() === null;
  }

  /** One L0 file at most; retried when the WAL restarts under the read (then the plan changes). */
  private async syncStep(opts: SyncStepOptions): Promise<StepResult> {
    for (let attempt = 0; ; attempt++) {
      try {
        return await this.syncAttempt(opts);
      } catch (err) {
        if (!(err instanceof WalChangedError) || attempt >= 2) throw err;
        this.logger.debug({ attempt }, 'WAL restarted during sync; retrying');
      }
    }
  }

  private async syncAttempt(opts: SyncStepOptions): Promise<StepResult> {
    const opened = this.openedL0Page;
    this.openedL0Page = null;
    const lastL0Path = this.l0.path(this.lastTxid);
    const lastL0Page = opened?.path === lastL0Path ? opened : null;
    if (!opts.allowSnapshot) {
      // Under our write barrier: never reopen connections here; the next regular sync does.
      if (this.file.change()) return this.noWrite(true);
    } else if (!this.attachFiles()) {
      return this.noWrite();
    }
    let io = this.openSyncFiles();
    let header = io && readWalHeader(io.wal);
    if (!header && opts.allowSnapshot) {
      // SQLite writes the WAL header lazily; a write to _litestream_seq makes sure there is one to read.
      io?.close();
      this.conns.bumpSeq();
      io = this.openSyncFiles();
      header = io && readWalHeader(io.wal);
    }
    if (!io) {
      if (!opts.allowSnapshot) return this.noWrite(true);
      throw new Error(`${this.walPath}: no WAL file even after a write to _litestream_seq`);
    }
    try {
      if (!header) {
        if (!opts.allowSnapshot) return this.noWrite(true);
        throw new Error(`${this.walPath}: no valid WAL header even after a write to _litestream_seq`);
      }
      let plan: SyncPlan = this.snapshotReason
        ? { kind: 'snapshot', reason: this.snapshotReason }
        : await planSync({ pos: this.pos, wal: io.wal, header, lastL0Path, lastL0Page });
      if (plan.kind === 'snapshot') {
        const checkable = this.snapshotReason === null || this.snapshotCheckable;
        if (!opts.allowSnapshot) {
          this.requireSnapshot(plan.reason, checkable);
          return this.noWrite(true);
        }
        if (checkable) plan = await this.continueIfDbFileUnchanged(io, header, plan.reason);
      }
      if (plan.kind === 'snapshot') {
        await this.flushWrites();
        return await this.writeSnapshot(io, header, plan.reason);
      }
      return await this.writeIncremental(io, header, plan, opts);
    } finally {
      io.close();
    }
  }

  /**
   * The sync's view of the files, or null when there is no WAL file at all. A WAL other than the one our
   * connections use is never read: the attempt is retried, and the next attempt reopens the connections.
   */
  private openSyncFiles(): OpenFiles | null {
    const wal = this.file.openWal();
    if (!wal) return null;
    if (!this.file.isConnectionsWal(wal)) {
      wal.close();
      throw new WalChangedError(`${this.walPath} was replaced while it was being opened`);
    }
    return { wal: wal.source, db: this.file.db(), close: wal.close };
  }

  /**
   * Makes sure our connections and descriptor belong to the files at the path: reopens them when the WAL or the
   * database file was deleted or replaced (inode changed), never reading on in a deleted file. False while the
   * database file is missing.
   */
  private attachFiles(): boolean {
    if (this.file.isOpen) {
      const change = this.file.change();
      if (!change) return true;
      this.detach(change);
    }
    if (!existsSync(this.settings.path)) return false;
    this.file.open();
    try {
      this.pageSize = this.conns.pageSize();
      this.conns.acquireReadLock();
    } catch (err) {
      this.file.close();
      throw err;
    }
    this.logger.info({ reason: this.detached }, 'reopened the database');
    this.detached = null;
    return true;
  }

  /**
   * Closes connections whose files are gone. Another database file means a snapshot. Another WAL is planned
   * like any WAL (it may be a copy of the one we synced), falling back to the checksum check, then a snapshot.
   */
  private detach(change: FileChange): void {
    this.file.close();
    this.detached = change.reason;
    if (change.kind === 'db-missing' || change.kind === 'db-replaced') {
      this.sums = null;
      this.requireSnapshot(change.reason);
    }
    const waiting = change.kind === 'db-missing' ? '; waiting for the database to be re-created' : '';
    this.logger.warn({ reason: change.reason }, `files changed under the agent's connections; closed them${waiting}`);
  }

  /**
   * WAL continuity is lost, but the database file may still hold exactly the state after the newest L0 file
   * (e.g. the application checkpointed the WAL we had synced completely, then deleted it). Our read transaction
   * keeps the file from changing except by frames of the current WAL, which the next file ships from its start;
   * so equal checksums and page counts mean nothing was lost. Otherwise the reason is extended and a snapshot
   * follows.
   */
  private async continueIfDbFileUnchanged(io: OpenFiles, header: WalHeader, reason: string): Promise<SyncPlan> {
    const pos = this.pos;
    const sums = this.sums;
    if (!pos || pos.pageSize !== this.pageSize || header.pageSize !== this.pageSize) return { kind: 'snapshot', reason };
    if (!sums || sums.pageCount !== pos.commit) {
      return { kind: 'snapshot', reason: `${reason}; the checksum of the state after TXID ${formatTXID(pos.txid)} is not known (unclean shutdown or a database too large to track)` };
    }
    const pages = Math.floor(io.db.size() / this.pageSize);
    if (pages !== pos.commit) {
      return { kind: 'snapshot', reason: `${reason}; the database file has ${pages} pages, the newest L0 file ${pos.commit}` };
    }
    const start = performance.now();
    const now = await PageChecksums.ofFile(io.db, this.pageSize, pages);
    const ms = Math.round(performance.now() - start);
    const expected = sums.checksum().toString(16);
    const actual = now.checksum().toString(16);
    if (actual !== expected) {
      return { kind: 'snapshot', reason: `${reason}; the database file (checksum ${actual}) differs from the state after TXID ${formatTXID(pos.txid)} (${expected})` };
    }
    this.sums = now;
    this.pos = { ...pos, offset: WAL_HEADER_SIZE, salt1: header.salt1, salt2: header.salt2, lastFrameHeader: null, walEndsHere: true };
    this.clearSnapshotReason();
    this.logger.info({ reason, txid: formatTXID(pos.txid), checksum: actual, pages, ms }, 'WAL continuity lost, but the database file equals the newest L0 file: continuing from the current WAL without a snapshot');
    return { kind: 'incremental', offset: WAL_HEADER_SIZE, seed: walHeaderSeed(header), salt1: header.salt1, salt2: header.salt2, restarted: true };
  }

  private noWrite(needsSnapshot = false): StepResult {
    return { result: { txid: this.lastTxid, snapshot: false, files: [] }, limited: false, needsSnapshot };
  }

  private walUnchangedCheck(wal: ByteSource, header: WalHeader): () => void {
    return () => {
      const now = readWalHeader(wal);
      if (!now || now.salt1 !== header.salt1 || now.salt2 !== header.salt2 || now.checksum1 !== header.checksum1) {
        throw new WalChangedError(`${this.walPath} was restarted while it was being read`);
      }
    };
  }

  /**
   * Every page 1..commit from the whole WAL (latest committed frame) or the database file. Written without
   * the write lock: our read transaction keeps other connections from copying frames past it into the
   * database file, and every frame they could copy is read from the WAL instead.
   */
  private async writeSnapshot(io: OpenFiles, header: WalHeader, reason: string): Promise<StepResult> {
    const seg = collectWalSegment(io.wal, header);
    const commit = seg.transactions > 0 ? seg.commit : Math.floor(io.db.size() / this.pageSize);
    const txid = this.lastTxid + 1;
    const ltx = newHeader({
      pageSize: this.pageSize,
      commit,
      minTXID: txid,
      maxTXID: txid,
      timestamp: this.clock.now(),
      // A WAL with no committed frame yet (a long first transaction) has no position to record: LTX forbids a WAL
      // offset without a size, so the file says none and the next restart re-plans from a snapshot.
      ...(seg.endOffset > WAL_HEADER_SIZE
        ? { walOffset: WAL_HEADER_SIZE, walSize: seg.endOffset - WAL_HEADER_SIZE, walSalt1: header.salt1, walSalt2: header.salt2 }
        : { walOffset: 0, walSize: 0, walSalt1: 0, walSalt2: 0 }),
    });
    const src = { wal: io.wal, db: io.db, pageSize: this.pageSize, walPages: seg.pages };
    const sums = commit <= MAX_TRACKED_PAGES ? new PageChecksums(this.pageSize) : null;
    const pages = sums ? sums.recording(snapshotPages(src, commit)) : snapshotPages(src, commit);
    const file = await this.l0.write(ltx, pages, this.walUnchangedCheck(io.wal, header));
    this.logger.info({ txid: formatTXID(txid), commit, reason, bytes: file.size }, 'wrote snapshot L0 file');
    sums?.resize(commit);
    this.sums = sums;
    this.lastTxid = txid;
    this.lastL0Timestamp = ltx.timestamp;
    this.clearSnapshotReason();
    this.pos = { txid, offset: seg.endOffset, salt1: header.salt1, salt2: header.salt2, commit, pageSize: this.pageSize, lastFrameHeader: seg.lastFrameHeader };
    this.noteSynced(header.salt1, header.salt2, seg.endOffset);
    const observedAt = this.pendingSince ?? this.clock.now();
    this.pendingSince = null;
    return { result: { txid, snapshot: true, files: [file], observedAt }, limited: false, needsSnapshot: false };
  }

  private async writeIncremental(io: OpenFiles, header: WalHeader, plan: Extract<SyncPlan, { kind: 'incremental' }>, opts: SyncStepOptions): Promise<StepResult> {
    const seenAt = this.clock.now();
    const seg = collectWalSegment(io.wal, header, { offset: plan.offset, seed: plan.seed, salt1: plan.salt1, salt2: plan.salt2, maxBytes: opts.maxBytes });
    if (this.pos && !this.pos.lastFrameHeader && plan.verifiedLastFrame) this.pos.lastFrameHeader = plan.verifiedLastFrame;
    if (seg.transactions === 0 || !this.pos) return this.noWrite();
    const txid = this.lastTxid + 1;
    const ltx = newHeader({
      pageSize: this.pageSize,
      commit: seg.commit,
      minTXID: txid,
      maxTXID: txid,
      timestamp: this.clock.now(),
      walOffset: plan.offset,
      walSize: seg.endOffset - plan.offset,
      walSalt1: plan.salt1,
      walSalt2: plan.salt2,
    });
    const src = { wal: io.wal, db: io.db, pageSize: this.pageSize, walPages: seg.pages };
    const tracked = seg.commit <= MAX_TRACKED_PAGES ? this.sums?.pending() : undefined;
    const walPages = incrementalPages(src, seg.commit, this.pos.commit);
    const pages = tracked ? tracked.track(walPages) : walPages;
    const estimate = (seg.pages.size + Math.max(0, seg.commit - this.pos.commit)) * this.pageSize;
    let file: L0File;
    if (opts.deferWrite && estimate <= DEFERRED_WRITE_LIMIT) {
      file = await this.l0.writeInBackground(ltx, pages, this.walUnchangedCheck(io.wal, header));
    } else {
      await this.flushWrites();
      file = await this.l0.write(ltx, pages, this.walUnchangedCheck(io.wal, header));
    }
    if (plan.restarted) this.logger.debug({ txid: formatTXID(txid) }, 'continuing in the restarted WAL');
    if (tracked) tracked.commit(seg.commit);
    else this.sums = null;
    this.lastTxid = txid;
    this.lastL0Timestamp = ltx.timestamp;
    this.pos = { txid, offset: seg.endOffset, salt1: plan.salt1, salt2: plan.salt2, commit: seg.commit, pageSize: this.pageSize, lastFrameHeader: seg.lastFrameHeader };
    this.noteSynced(plan.salt1, plan.salt2, seg.endOffset);
    const observedAt = this.pendingSince ?? seenAt;
    const limited = seg.stopReason === 'limit';
    this.pendingSince = limited ? seenAt : null;
    return { result: { txid, snapshot: false, files: [file], observedAt }, limited, needsSnapshot: false };
  }

  /** Data counts for the interval checkpoint unless it is only the bump of our own last checkpoint. */
  private noteSynced(salt1: number, salt2: number, end: number): void {
    const q = this.quietEnd;
    if (q && q.salt1 === salt1 && q.salt2 === salt2 && end <= q.offset) return;
    this.syncedSinceCheckpoint = true;
  }

  private checkpointDue(): OwnCheckpointMode | null {
    if (!this.pos) return null;
    const dbMtime = this.file.dbMtimeMs();
    return chooseCheckpoint(this.settings, {
      pageSize: this.pageSize,
      walBytes: this.pos.offset,
      syncedSinceCheckpoint: this.syncedSinceCheckpoint,
      lastCheckpointAt: Math.max(this.lastCheckpointAt, dbMtime),
      now: this.clock.now(),
    });
  }

  /** Runs our own checkpoint; returns the result of the sync made under the write barrier, if any. */
  private async checkpoint(mode: OwnCheckpointMode): Promise<SyncResult | null> {
    let sealed: SyncResult | null = null;
    const host: CheckpointHost = {
      conns: this.conns,
      sealUnderBarrier: async () => {
        const step = await this.syncStep({ maxBytes: Number.POSITIVE_INFINITY, allowSnapshot: false, deferWrite: false });
        if (step.result.files.length > 0) sealed = step.result;
        return !step.needsSnapshot;
      },
      markWalEndsAtPosition: () => {
        if (this.pos) this.pos = { ...this.pos, walEndsHere: true };
      },
      requireSnapshot: (reason) => {
        this.requireSnapshot(reason);
      },
    };
    const walBefore = this.pos?.offset ?? 0;
    const outcome = await runCheckpoint(host, mode);
    if (outcome.result) this.checkpointCount++;
    this.lastCheckpointAt = this.clock.now();
    this.syncedSinceCheckpoint = false;
    this.quietEnd = this.pos ? this.committedEnd(this.pos) : null;
    if (outcome.sealedComplete && !this.sums) await this.learnChecksumsAfterCheckpoint();
    this.logger.debug({ mode, result: outcome.result, sealedComplete: outcome.sealedComplete, barrierMs: outcome.barrierMs, walBefore }, 'checkpoint');
    this.maxBarrierMs = Math.max(this.maxBarrierMs, outcome.barrierMs);
    return sealed;
  }

  private committedEnd(pos: WalPosition): { salt1: number; salt2: number; offset: number } | null {
    const wal = this.file.openWal();
    if (!wal) return null;
    try {
      return committedEndAfter(wal.source, pos);
    } finally {
      wal.close();
    }
  }

  /**
   * Right after a complete checkpoint under our barrier, the database file holds exactly the state after the
   * newest L0 file, and our read transaction (on read-mark 0) keeps anyone from copying frames into it: the one
   * moment its page checksums can be learned from the file (after an unclean start they are unknown).
   */
  private async learnChecksumsAfterCheckpoint(): Promise<void> {
    const pos = this.pos;
    if (!pos || pos.commit > MAX_TRACKED_PAGES || !this.conns.isReadLocked) return;
    const db = this.file.db();
    if (Math.floor(db.size() / this.pageSize) !== pos.commit) return;
    const start = performance.now();
    this.sums = await PageChecksums.ofFile(db, this.pageSize, pos.commit);
    this.logger.debug({ txid: formatTXID(pos.txid), pages: pos.commit, ms: Math.round(performance.now() - start) }, 'learned page checksums from the database file');
  }

  txid(): TXID {
    return this.lastTxid;
  }

  /** LTX database checksum of the state after the newest L0 file, when known (diagnostics and tests). */
  stateChecksum(): bigint | null {
    return this.sums?.checksum() ?? null;
  }

  /**
   * Continues numbering after the replica's newest TXID with a snapshot. Local L0 files up to remoteMax are
   * removed: their names collide with different remote files. A replica behind us is left alone.
   */
  continueAfter(remoteMax: TXID): Promise<void> {
    return this.exclusive(async () => {
      await this.flushWrites();
      if (remoteMax < this.lastTxid) {
        this.logger.warn({ remoteMax: formatTXID(remoteMax), local: formatTXID(this.lastTxid) }, 'continueAfter: replica is behind the local position; nothing to do');
        return;
      }
      await this.l0.removeThrough(remoteMax);
      this.lastTxid = remoteMax;
      this.pos = null;
      this.sums = null;
      this.clearSnapshotReason();
      this.requireSnapshot(`replica is ahead (TXID ${formatTXID(remoteMax)}); continuing after it`);
    });
  }

  pruneLocalL0(uploaded: TXID, retentionMs: number): Promise<number> {
    // Files still being written are newer than anything prunable, so no need to wait for them.
    return this.exclusive(() => this.l0.prune(uploaded, retentionMs, this.clock.now()));
  }

  stats(): DatabaseStats {
    return {
      txid: this.lastTxid,
      dbSize: fileSize(this.settings.path),
      walSize: fileSize(this.walPath),
      checkpoints: this.checkpointCount,
    };
  }

  /**
   * Saves the page checksums for the next start, then closes the connections (read-only one last, so the WAL
   * file stays) and only then the database file descriptor.
   */
  close(): Promise<void> {
    return this.exclusive(async () => {
      try {
        await this.flushWrites();
        if (this.opened && this.file.isOpen) await this.saveChecksumsForRestart();
      } finally {
        this.file.close();
        this.opened = false;
      }
    });
  }
}

function mergeResults(first: SyncResult, second: SyncResult): SyncResult {
  return {
    txid: second.txid,
    snapshot: first.snapshot || second.snapshot,
    files: [...first.files, ...second.files],
    observedAt: first.observedAt ?? second.observedAt,
  };
}
