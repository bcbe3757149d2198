// Per-database upload loop: syncs the WAL into local L0 files and ships each one to the replica, in TXID order.
import { watch } from 'node:fs';
import type { FSWatcher } from 'node:fs';
import { basename, dirname } from 'node:path';
import { collectGarbage } from '../core/util/gc-pacer.ts';
import type { LtxFileRef, ReplicaClient } from '../core/replica/client.ts';
import { MAX_LEVEL, type TXID } from '../core/ltx/types.ts';
import { formatTXID } from '../core/layout/names.ts';
import { listLevel, newestFile } from '../core/listing/listing.ts';
import type { ReplicationSource, SyncResult } from './database-api.ts';
import { Backoff } from './backoff.ts';
import { settlesBy } from './deadline.ts';
import { FailureLog, REPEAT_LOG_INTERVAL_MS } from './failure-log.ts';
import { Lateness, lateAfterMs, walSignature } from './lateness.ts';
import type { L0Body, L0File } from './l0/store.ts';
import type { Clock } from './clock.ts';
import { systemClock } from './clock.ts';
import type { AgentMetrics } from './metrics.ts';
import { silentLogger, type Logger } from './logger.ts';

export interface ReplicatorSettings {
  /** Milliseconds between upload runs; 0 = low-latency mode (ship on every WAL change). */
  syncInterval: number;
  /** Fallback poll in low-latency mode, milliseconds. */
  monitorInterval: number;
  maxSyncLtxFiles: number;
  /** Local L0 files already uploaded are removed once older than this (milliseconds). */
  l0Retention: number;
  l0RetentionCheckInterval: number;
  /**
   * With local compaction: the TXID up to which L0 has been compacted. Local L0 files after it are kept (up to
   * LOCAL_L0_CAP) because compaction reads them instead of downloading what was just uploaded.
   */
  compactedTXID?: () => TXID;
  /** First retry delay after a failed run; it doubles up to maxBackoff. Default 1 s. */
  minBackoff?: number;
  /** Default 4 s, so replication resumes within seconds of the cause of a failure going away. */
  maxBackoff?: number;
  /** Committed changes unreplicated for this long are late (ERROR lines, /readyz); default lateAfterMs(syncInterval). */
  lateAfter?: number;
  /** A failure that keeps repeating is logged loudly this often; default 1 minute. */
  repeatLogInterval?: number;
}

/** One L0 file acknowledged by the replica. Times are milliseconds since the epoch. */
export interface UploadEvent {
  db: string;
  txid: TXID;
  bytes: number;
  snapshot: boolean;
  /** When the sync that wrote the file started reading the WAL (commits before it are in this file or earlier). */
  syncStartedAt?: number;
  syncEndedAt?: number;
  /** When the changes were first seen in the WAL. */
  observedAt?: number;
  ackAt: number;
  /** ackAt − observedAt, when known (files written by this process). */
  lagMs?: number;
}

/** The longest an uploaded local L0 file waits for compaction to read it. */
export const LOCAL_L0_CAP = 60 * 60_000;

export interface ReplicatorOptions {
  db: ReplicationSource;
  client: ReplicaClient;
  settings: ReplicatorSettings;
  logger?: Logger;
  metrics?: AgentMetrics;
  onUpload?: (event: UploadEvent) => void;
  /** Wall time for upload events, lag, lateness and pruning; default the real clock. */
  clock?: Clock;
}

interface PendingInfo {
  syncStartedAt: number;
  syncEndedAt: number;
  observedAt: number;
  snapshot: boolean;
}

/** Uploads at least this big (a multipart upload, 5 MiB parts) are followed by a full collection. */
const COLLECT_AFTER_UPLOAD_BYTES = 8 * 1024 * 1024;
const DEFAULT_MIN_BACKOFF = 1000;
const DEFAULT_MAX_BACKOFF = 4000;

/**
 * Runs two serialized lanes that overlap: WAL syncs (on a timer, or on every WAL change with sync-interval 0) and
 * uploads of the resulting L0 files in TXID order. The next sync may read the WAL while the previous file is still
 * in flight, which keeps replication lag near one sync plus one PUT.
 */
export class Replicator {
  readonly db: ReplicationSource;
  readonly client: ReplicaClient;
  readonly settings: ReplicatorSettings;
  private readonly logger: Logger;
  private metrics?: AgentMetrics;
  private readonly onUpload?: (event: UploadEvent) => void;
  private readonly label: string;
  private readonly clock: Clock;

  /** Highest TXID the replica acknowledged; undefined = unknown, recovered from the listing. */
  private replicaPos: TXID | undefined;
  /** Syncs wait until the replica position was learned once, so TXIDs never collide with a replica that is ahead. */
  private positionKnownOnce = false;
  private readonly pending = new Map<TXID, PendingInfo>();
  /** Records of the L0 files this process's syncs wrote and the replica has not acknowledged yet. */
  private readonly staged = new Map<TXID, L0File>();
  private opened = false;
  private stopped = true;
  private syncWanted = false;
  private syncRun: Promise<void> | undefined;
  private uploadRun: Promise<void> | undefined;
  private prepareRun: Promise<void> | undefined;
  private readonly uploadBackoff: Backoff;
  private readonly syncBackoff: Backoff;
  private tickTimer: NodeJS.Timeout | undefined;
  private syncRetryTimer: NodeJS.Timeout | undefined;
  private uploadRetryTimer: NodeJS.Timeout | undefined;
  private watcher: FSWatcher | undefined;
  private lastPrune = 0;
  /** The upload lane is writing a snapshot itself; the sync lane waits. */
  private recovering = false;
  /** How long committed changes have waited for the replica: the one source for logs, metrics and /readyz. */
  readonly lateness: Lateness;
  private readonly uploadLog: FailureLog;
  private readonly syncLog: FailureLog;
  private readonly repeatLogInterval: number;
  /** The WAL as the last good sync found it (see walSignature); changes away from it are waiting. */
  private walBase = '';
  /** When the running upload (or position) request started, for stall reports. */
  private uploadStartedAt = 0;
  /** The newest retried S3 attempt already reported. */
  private retrySeenAt = 0;
  private lateLoggedAt = 0;
  private lateSince: number | undefined;

  constructor(options: ReplicatorOptions) {
    this.db = options.db;
    this.client = options.client;
    this.settings = options.settings;
    this.logger = (options.logger ?? silentLogger()).child({ db: options.db.settings.path });
    this.metrics = options.metrics;
    this.onUpload = options.onUpload;
    this.label = options.db.settings.path;
    this.clock = options.clock ?? systemClock;
    const min = this.settings.minBackoff ?? DEFAULT_MIN_BACKOFF;
    const max = this.settings.maxBackoff ?? DEFAULT_MAX_BACKOFF;
    this.uploadBackoff = new Backoff(min, max);
    this.syncBackoff = new Backoff(min, max);
    this.lateness = new Lateness(this.settings.lateAfter ?? lateAfterMs(this.settings.syncInterval));
    this.repeatLogInterval = this.settings.repeatLogInterval ?? REPEAT_LOG_INTERVAL_MS;
    this.uploadLog = new FailureLog(this.logger, this.repeatLogInterval);
    this.syncLog = new FailureLog(this.logger, this.repeatLogInterval);
  }

  /** Starts recording into `metrics` (the agent creates them only when they are served). */
  attachMetrics(metrics: AgentMetrics): void {
    this.metrics = metrics;
    metrics.trackLateness(this.label, () => this.lateness.report());
  }

  /** Highest TXID known to be in the replica (undefined until the listing was read, and after upload errors). */
  get replicaTXID(): TXID | undefined {
    return this.replicaPos;
  }

  /** Consecutive failed upload (or position) runs. */
  get errorCount(): number {
    return this.uploadBackoff.failures;
  }

  /** Current upload retry delay in milliseconds (0 while healthy). */
  get currentBackoff(): number {
    return this.uploadBackoff.delay;
  }

  /** Starts both lanes. Failures (including opening the database) are retried with backoff. */
  async start(): Promise<void> {
    this.stopped = false;
    this.walBase = this.walSignatureNow();
    this.metrics?.trackLateness(this.label, () => this.lateness.report());
    const cadence = this.settings.syncInterval > 0 ? this.settings.syncInterval : this.settings.monitorInterval;
    this.tickTimer = setInterval(() => {
      if (!this.idleTick()) this.requestSync();
      this.watchForStalls();
    }, cadence);
    if (this.settings.syncInterval === 0) this.watchWal();
    this.requestSync();
  }

  /** Opens the database if needed and learns the replica position; continues TXIDs past the replica if it is ahead. */
  async prepare(): Promise<void> {
    if (!this.opened) {
      await this.db.open();
      this.opened = true;
    }
    if (this.replicaPos === undefined) {
      const remoteMax = await this.fetchRemoteMax();
      if (this.db.txid() < remoteMax) {
        this.logger.info({ localTXID: formatTXID(this.db.txid()), remoteTXID: formatTXID(remoteMax) }, 'replica is ahead of the local database; continuing after it');
        await this.db.continueAfter(remoteMax);
      }
      this.replicaPos = remoteMax;
      this.positionKnownOnce = true;
      this.metrics?.replicaTxid.set({ db: this.label }, remoteMax);
      this.lateness.acknowledged(remoteMax);
      const now = this.clock.now();
      for (let txid = remoteMax + 1; txid <= this.db.txid(); txid++) this.lateness.fileFound(txid, now);
    }
  }

  /** One sync plus upload of everything pending, serially (for `--once` and shutdown). Throws on failure. */
  async syncAndUpload(options: { forceSnapshot?: boolean } = {}): Promise<void> {
    await this.prepare();
    await this.syncDatabase(options.forceSnapshot === true);
    await this.uploadPending();
    await this.pruneIfDue();
  }

  /** Uploads the L0 files already written, without reading the database again. */
  private async uploadWritten(): Promise<void> {
    await this.prepare();
    await this.uploadPending();
  }

  /** True when every local L0 file has been acknowledged by the replica. */
  isCaughtUp(): boolean {
    return this.replicaPos !== undefined && this.replicaPos >= this.db.txid();
  }

  /**
   * Stops the lanes. With finalSync, syncs and uploads one last time, retrying every `interval` until `timeout`;
   * with uploadWritten instead (a deleted database), only uploads the L0 files already written.
   * Returns true when everything local reached the replica.
   */
  async stop(options: { finalSync?: boolean; uploadWritten?: boolean; timeout?: number; interval?: number } = {}): Promise<boolean> {
    // Shutdown deadlines race real timers, so they are real time, not the injected clock.
    const deadline = Date.now() + (options.timeout ?? 30_000);
    this.stopped = true;
    clearInterval(this.tickTimer);
    clearTimeout(this.syncRetryTimer);
    clearTimeout(this.uploadRetryTimer);
    this.tickTimer = this.syncRetryTimer = this.uploadRetryTimer = undefined;
    this.watcher?.close();
    this.watcher = undefined;
    let caughtUp = false;
    if (!(await settlesBy(this.idle(), deadline))) {
      // A request that hangs must not hold the process past shutdown-sync-timeout; it is abandoned, not awaited.
      this.logger.error(
        { err: this.stallReason(this.clock.now()), localTXID: formatTXID(this.db.txid()), replicaTXID: this.shownReplicaTXID() },
        'shutdown: a replication request was still running at shutdown-sync-timeout; giving up',
      );
    } else {
      caughtUp = this.opened && this.isCaughtUp();
      if (options.finalSync !== false && this.opened) caughtUp = await this.finalSync(deadline, options.interval ?? 500, () => this.syncAndUpload());
      // A deleted database: no new sync, but the changes already written to local L0 files still go up.
      else if (options.uploadWritten && this.opened && !caughtUp) caughtUp = await this.finalSync(deadline, options.interval ?? 500, () => this.uploadWritten());
    }
    if (this.opened) await settlesBy(this.db.close(), Math.max(deadline, Date.now() + 1000));
    this.opened = false;
    return caughtUp;
  }

  /** Closes without a final sync (tests, `--once`). */
  async close(): Promise<void> {
    await this.stop({ finalSync: false });
  }

  private async idle(): Promise<void> {
    while (this.syncRun || this.uploadRun || this.prepareRun) {
      await Promise.allSettled([this.syncRun, this.uploadRun, this.prepareRun]);
    }
  }

  private async finalSync(deadline: number, interval: number, run: () => Promise<void>): Promise<boolean> {
    let reason = '';
    for (;;) {
      this.uploadStartedAt = this.clock.now();
      const attempt = run().then(
        () => undefined,
        (err: unknown) => {
          this.replicaPos = undefined;
          reason = errorSummary(err);
          this.logger.warn({ err: reason }, 'final sync failed; retrying');
        },
      );
      const finished = await settlesBy(attempt, deadline);
      if (finished && this.isCaughtUp()) return true;
      if (!finished) reason = this.stallReason(this.clock.now());
      if (!finished || Date.now() + interval > deadline) {
        this.logger.error(
          { err: reason || 'not caught up', localTXID: formatTXID(this.db.txid()), replicaTXID: this.shownReplicaTXID() },
          'final sync did not finish before shutdown-sync-timeout',
        );
        return false;
      }
      await new Promise((r) => setTimeout(r, interval));
    }
  }

  /**
   * Whether this tick may skip its sync: everything local is acknowledged, no lane runs or waits, nothing failed,
   * no prune is due, and the database says a sync would find nothing (its files unchanged since a sync that
   * found nothing, no checkpoint due). With a thousand idle databases this is most ticks.
   */
  private idleTick(): boolean {
    if (!this.opened || this.replicaPos === undefined || this.replicaPos < this.db.txid()) return false;
    if (this.syncWanted || this.syncRun || this.uploadRun || this.prepareRun || this.recovering) return false;
    if (this.syncLog.failures > 0 || this.uploadLog.failures > 0) return false;
    if (this.clock.now() - this.lastPrune >= this.settings.l0RetentionCheckInterval) return false;
    return this.db.isIdle?.() === true;
  }

  /** A timer tick or a WAL change: sync as soon as the sync lane is free. */
  private requestSync(): void {
    this.syncWanted = true;
    this.pump();
  }

  /** Starts whatever lane can run now. Called after every event and every completed run. */
  private pump(): void {
    if (this.stopped) return;
    if (!this.opened || this.replicaPos === undefined) {
      this.startPrepare();
      if (!this.positionKnownOnce) return;
    } else if (!this.uploadRun && this.replicaPos < this.db.txid() && !this.uploadBackoff.active()) {
      this.startUpload();
    }
    if (this.syncWanted && !this.syncRun && !this.prepareRun && !this.recovering && this.opened && !this.syncBackoff.active() && this.syncMayRun()) {
      this.syncWanted = false;
      this.startSync();
    }
  }

  /** While uploads are healthy, at most one file waits behind the one in flight; more changes coalesce into it. */
  private syncMayRun(): boolean {
    if (this.uploadBackoff.failures > 0 || this.replicaPos === undefined) return true;
    return this.db.txid() - this.replicaPos < 2;
  }

  private startPrepare(): void {
    if (this.prepareRun || this.syncRun || this.uploadRun || this.uploadBackoff.active()) return;
    this.uploadStartedAt = this.clock.now();
    // Success here does not end a failure streak: only an acknowledged upload does (LIST may work while PUT fails).
    this.prepareRun = this.prepare().then(
      () => undefined,
      (err: unknown) => this.uploadFailed(err),
    ).finally(() => {
      this.prepareRun = undefined;
      this.pump();
    });
  }

  private startUpload(): void {
    this.uploadStartedAt = this.clock.now();
    this.uploadRun = this.uploadPending().then(
      () => this.uploadSucceeded(),
      (err: unknown) => this.uploadFailed(err),
    ).finally(() => {
      this.uploadRun = undefined;
      this.pump();
    });
  }

  private startSync(): void {
    this.syncRun = this.syncThenCheckpoint().then(
      async () => {
        this.syncBackoff.succeed();
        const ended = this.syncLog.recovered();
        if (ended) this.logger.info({ errors: ended.failures, downS: seconds(ended.downMs), lastErr: ended.reason }, 'sync recovered');
        await this.pruneIfDue();
      },
    ).catch((err: unknown) => {
      this.metrics?.syncErrorCount.inc({ db: this.label });
      const delay = this.syncBackoff.fail();
      const now = this.clock.now();
      this.noteWalChanges(now);
      this.syncLog.failed('sync failed; will retry', errorSummary(err), { retryInMs: delay }, this.lateness.report(now).late, now);
      this.syncRetryTimer = this.retryAfter(this.syncRetryTimer, delay);
    }).finally(() => {
      this.syncRun = undefined;
      this.pump();
    });
  }

  private uploadSucceeded(): void {
    this.uploadBackoff.succeed();
    const ended = this.uploadLog.recovered();
    if (ended) {
      this.logger.info({ errors: ended.failures, downS: seconds(ended.downMs), lastErr: ended.reason, replicaTXID: this.shownReplicaTXID() }, 'replication recovered');
    }
  }

  private uploadFailed(err: unknown): void {
    this.replicaPos = undefined;
    this.metrics?.syncErrorCount.inc({ db: this.label });
    const delay = this.uploadBackoff.fail();
    const now = this.clock.now();
    this.uploadLog.failed('replication failed; will retry', errorSummary(err), { retryInMs: delay }, this.lateness.report(now).late, now);
    this.uploadRetryTimer = this.retryAfter(this.uploadRetryTimer, delay);
  }

  /**
   * Runs on every tick: reports S3 attempts the client retried by itself while an upload waits, notices WAL
   * changes while the sync lane cannot capture them, and says so at ERROR, once a minute, while changes are late.
   */
  private watchForStalls(now: number = this.clock.now()): void {
    const busy = this.uploadRun !== undefined || this.prepareRun !== undefined;
    const retried = this.client.lastRetriedError?.();
    if (busy && retried && retried.at > this.retrySeenAt && retried.at >= this.uploadStartedAt) {
      this.retrySeenAt = retried.at;
      const fields = { inFlightS: seconds(now - this.uploadStartedAt), replica: this.client.location };
      this.uploadLog.failed('replica request failed; retrying', retried.reason, fields, this.lateness.report(now).late, now);
    }
    if (this.syncLog.failures > 0 || !this.positionKnownOnce) this.noteWalChanges(now);
    this.reportLateness(now);
  }

  private reportLateness(now: number): void {
    const report = this.lateness.report(now);
    if (!report.late) {
      if (this.lateSince !== undefined) {
        this.logger.info({ lateForS: seconds(now - this.lateSince), replicaTXID: this.shownReplicaTXID() }, 'replication caught up; changes no longer late');
      }
      this.lateSince = undefined;
      return;
    }
    this.lateSince ??= now;
    if (now - this.lateLoggedAt < this.repeatLogInterval) return;
    this.lateLoggedAt = now;
    this.logger.error(
      {
        err: this.stallReason(now),
        waitingS: seconds(report.waitingMs),
        lateAfterS: seconds(report.lateAfterMs),
        localTXID: formatTXID(this.db.txid()),
        replicaTXID: this.shownReplicaTXID(),
      },
      'committed changes are waiting unreplicated',
    );
  }

  /** Why replication is not progressing, as well as the agent knows. */
  private stallReason(now: number): string {
    const failing = this.uploadLog.lastReason || this.syncLog.lastReason;
    if (failing) return failing;
    const busy = this.uploadRun !== undefined || this.prepareRun !== undefined;
    if (busy) return `a request to ${this.client.location} has not finished after ${seconds(now - this.uploadStartedAt)} s`;
    if (this.syncRun) return 'a WAL sync has not finished';
    return 'no upload is running';
  }

  /** WAL changes that no good sync captured count as waiting from the first time they are seen. */
  private noteWalChanges(now: number): void {
    if (this.walSignatureNow() !== this.walBase) this.lateness.walChanged(now);
  }

  private walSignatureNow(): string {
    try {
      return walSignature(`${this.db.settings.path}-wal`);
    } catch {
      return this.walBase;
    }
  }

  private shownReplicaTXID(): string | undefined {
    const txid = this.replicaPos ?? this.lateness.report().replicaTXID;
    return txid === undefined ? undefined : formatTXID(txid);
  }

  private retryAfter(previous: NodeJS.Timeout | undefined, delay: number): NodeJS.Timeout | undefined {
    clearTimeout(previous);
    return this.stopped ? undefined : setTimeout(() => this.pump(), delay + 1);
  }

  /**
   * The loop's sync: the new file is uploaded (from memory) while it is fsynced and while the checkpoint policy
   * runs, which keeps both off the replication lag. The next sync still waits for the checkpoint.
   */
  private async syncThenCheckpoint(): Promise<void> {
    const checkpointIfDue = this.db.checkpointIfDue?.bind(this.db);
    await this.syncDatabase(false, checkpointIfDue ? { deferWrite: true, deferCheckpoint: true } : { deferWrite: true });
    if (!checkpointIfDue) return;
    this.pump();
    const started = this.clock.now();
    const checkpoints = this.db.stats().checkpoints;
    const sealed = await checkpointIfDue();
    if (sealed && sealed.files.length > 0) this.notePending(sealed, started, this.clock.now());
    // Our own checkpoint rewrote the WAL: that is not an application change waiting for a sync.
    if (this.db.stats().checkpoints !== checkpoints) this.walBase = this.walSignatureNow();
  }

  private async syncDatabase(forceSnapshot: boolean, defer: { deferWrite?: boolean; deferCheckpoint?: boolean } = {}): Promise<void> {
    const started = this.clock.now();
    // Taken before the read, so a commit racing the sync still counts as a change the next sync must capture.
    const walBefore = this.walSignatureNow();
    const result = await this.db.sync({ forceSnapshot, ...defer });
    this.walBase = walBefore;
    const ended = this.clock.now();
    const seconds = (ended - started) / 1000;
    if (this.metrics) {
      this.metrics.syncCount.inc({ db: this.label });
      this.metrics.syncSeconds.inc({ db: this.label }, seconds);
      this.metrics.syncDuration.observe({ db: this.label }, seconds);
      const bytes = result.files.reduce((sum, f) => sum + f.size, 0);
      if (bytes > 0) this.metrics.totalWalBytes.inc({ db: this.label }, bytes);
      this.metrics.recordStats(this.label, this.db.stats());
    }
    if (result.files.length > 0) this.notePending(result, started, ended);
    // A capped read leaves committed frames behind: the next piece follows at once, not one interval later.
    if (result.more) this.syncWanted = true;
    this.lateness.walSynced();
  }

  private notePending(result: SyncResult, started: number, ended: number): void {
    for (const file of result.files) this.staged.set(file.txid, file);
    const observedAt = result.observedAt ?? started;
    this.pending.set(result.txid, { syncStartedAt: started, syncEndedAt: ended, observedAt, snapshot: result.snapshot });
    this.lateness.fileWritten(result.txid, observedAt);
  }

  private async uploadPending(): Promise<void> {
    for (;;) {
      if (this.replicaPos === undefined) throw new Error('replica position unknown');
      const from = this.replicaPos + 1;
      const to = Math.min(this.db.txid(), from + this.settings.maxSyncLtxFiles - 1);
      if (from > to) return;
      for (let txid = from; txid <= to; txid++) {
        const shipped = await this.uploadOne(txid);
        if (!shipped) return;
      }
    }
  }

  /**
   * Uploads one L0 file: the record the sync returned (or, for a file of an earlier process, the store's), its
   * bytes, one PUT. False when it was missing locally and a fresh snapshot was queued instead.
   */
  private async uploadOne(txid: TXID): Promise<boolean> {
    let file: L0File;
    let upload: L0Body;
    try {
      file = this.staged.get(txid) ?? (await this.db.l0.file(txid));
      upload = await this.db.l0.openForUpload(file);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
      await this.recoverFromMissingFile(txid, this.db.l0.path(txid));
      return false;
    }
    const { body, size } = upload;
    const ref: LtxFileRef = { level: 0, minTXID: txid, maxTXID: txid };
    try {
      // The replica client stores the header's timestamp with the file itself (litestream-timestamp).
      await this.client.writeLtxFile(ref, body);
    } catch (err) {
      if (!(body instanceof Uint8Array)) body.destroy();
      this.metrics?.uploadErrors.inc({ db: this.label });
      throw err;
    }
    // A snapshot's multipart upload leaves its part Buffers dead but resident in an agent that now idles.
    if (size >= COLLECT_AFTER_UPLOAD_BYTES) collectGarbage();
    const ackAt = this.clock.now();
    this.replicaPos = txid;
    this.forgetStagedThrough(txid);
    this.lateness.acknowledged(txid, ackAt);
    const info = this.pending.get(txid);
    this.pending.delete(txid);
    const lagMs = info ? ackAt - info.observedAt : undefined;
    if (this.metrics) {
      this.metrics.replicaOperations.inc({ db: this.label, operation: 'PUT' });
      this.metrics.replicaOperationBytes.inc({ db: this.label, operation: 'PUT' }, size);
      this.metrics.replicaTxid.set({ db: this.label }, txid);
      this.metrics.lastUpload.set({ db: this.label }, ackAt / 1000);
      if (lagMs !== undefined) this.metrics.replicationLag.observe({ db: this.label }, lagMs / 1000);
    }
    const event: UploadEvent = {
      db: this.label, txid, bytes: size, snapshot: info?.snapshot ?? false,
      syncStartedAt: info?.syncStartedAt, syncEndedAt: info?.syncEndedAt, observedAt: info?.observedAt, ackAt, lagMs,
    };
    const { db: _db, ...fields } = event;
    this.logger.debug({ ...fields, txid: formatTXID(txid) }, 'uploaded');
    this.onUpload?.(event);
    return true;
  }

  private forgetStagedThrough(txid: TXID): void {
    for (const t of this.staged.keys()) if (t <= txid) this.staged.delete(t);
  }

  /** A local L0 file vanished before upload: the chain cannot be continued, so ship a full snapshot next. */
  private async recoverFromMissingFile(txid: TXID, path: string): Promise<void> {
    this.logger.warn({ txid: formatTXID(txid), path }, 'local L0 file missing before upload; writing a snapshot to restore continuity');
    this.recovering = true;
    let result: SyncResult;
    try {
      while (this.syncRun) await this.syncRun.catch(() => undefined);
      result = await this.db.sync({ forceSnapshot: true });
    } finally {
      this.recovering = false;
    }
    if (result.files.length === 0) throw new Error(`local L0 file ${path} is missing and no snapshot could be written`);
    for (const file of result.files) this.staged.set(file.txid, file);
    const now = this.clock.now();
    this.pending.set(result.txid, { syncStartedAt: now, syncEndedAt: now, observedAt: now, snapshot: true });
    this.lateness.fileWritten(result.txid, now);
    this.replicaPos = result.txid - 1;
    this.forgetStagedThrough(this.replicaPos);
  }

  /** Highest MaxTXID in the replica: L0 normally, other levels when L0 is empty. */
  private async fetchRemoteMax(): Promise<TXID> {
    const maxOfLevel = async (level: number): Promise<TXID> => newestFile(await listLevel(this.client, level))?.maxTXID ?? 0;
    let max = await maxOfLevel(0);
    if (max > 0) return max;
    for (let level = 1; level <= MAX_LEVEL; level++) max = Math.max(max, await maxOfLevel(level));
    return max;
  }

  private async pruneIfDue(): Promise<void> {
    const now = this.clock.now();
    if (this.replicaPos === undefined || now - this.lastPrune < this.settings.l0RetentionCheckInterval) return;
    this.lastPrune = now;
    const compacted = this.settings.compactedTXID?.();
    let removed = await this.db.pruneLocalL0(Math.min(this.replicaPos, compacted ?? this.replicaPos), this.settings.l0Retention);
    // A stalled compaction must not fill the disk: past the cap, uploaded files go whatever compaction reached.
    if (compacted !== undefined && compacted < this.replicaPos) removed += await this.db.pruneLocalL0(this.replicaPos, Math.max(this.settings.l0Retention, LOCAL_L0_CAP));
    if (removed > 0) this.logger.debug({ removed, uploadedTXID: formatTXID(this.replicaPos) }, 'pruned local L0 files');
  }

  private watchWal(): void {
    const dir = dirname(this.db.settings.path);
    const base = basename(this.db.settings.path);
    const names = new Set([base, `${base}-wal`]);
    try {
      this.watcher = watch(dir, { persistent: false }, (_event, filename) => {
        if (filename === null || names.has(String(filename))) this.requestSync();
      });
      this.watcher.on('error', (err) => {
        this.logger.warn({ err: errorSummary(err), dir }, 'file watch failed; falling back to polling at monitor-interval');
        this.watcher?.close();
        this.watcher = undefined;
      });
    } catch (err) {
      this.logger.warn({ err: errorSummary(err), dir }, 'cannot watch the database directory; polling at monitor-interval');
    }
  }
}

function errorSummary(err: unknown): string {
  if (err instanceof Error) return `${err.name === 'Error' ? '' : err.name + ': '}${err.message}`;
  return String(err);
}

function seconds(ms: number): number {
  return Math.round(ms / 100) / 10;
}
