// Runs every configured database (listed, or found under a `dir`): one Replicator each, local maintenance, graceful shutdown.
import type { DbConfig, StreambedConfig } from '../core/config/types.ts';
import { dbConfigForDirEntry } from '../core/config/dir-entry.ts';
import { defaultMetaPath, formatTXID } from '../core/layout/names.ts';
import type { LtxFileInfo, ReplicaClient } from '../core/replica/client.ts';
import type { MaintenanceSettings } from '../core/compact/settings.ts';
import type { ReplicaOptions } from '../core/replica/options.ts';
import { openReplicaClient } from '../core/replica/open.ts';
import { existsSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { basename } from 'node:path';
import { MAX_LEVEL, type TXID } from '../core/ltx/types.ts';
import { maintenanceSettingsFromConfig } from '../core/compact/settings.ts';
import { maintenanceDue, retentionDue } from '../core/compact/due.ts';
import type { MaintenanceReport } from '../core/compact/report.ts';
import { IndexedReplicaClient, ReplicaIndex } from '../core/replica/indexed.ts';
import type { DatabaseSettings, ReplicationSource } from './database-api.ts';
import { Database } from './database.ts';
import { DirectoryWatcher } from './directory.ts';
import { capRequests, RequestCap } from './request-cap.ts';
import { MaintenanceWorker } from './maintenance-worker.ts';
import { silentLogger, type Logger } from './logger.ts';
import { settlesBy } from './deadline.ts';
import { FailureLog } from './failure-log.ts';
import { readinessOf, type Readiness } from './health.ts';
import { startHeartbeat, type Heartbeat } from './heartbeat.ts';
import type { LatenessReport } from './lateness.ts';
import type { AgentMetrics, MetricsServer } from './metrics.ts';
import { Replicator, type ReplicatorSettings, type UploadEvent } from './replicator.ts';

export interface AgentOptions {
  logger?: Logger;
  metrics?: AgentMetrics;
  onUpload?: (event: UploadEvent) => void;
  /** How often local maintenance (compaction, snapshots, retention) is checked; default from the config. */
  maintenanceInterval?: number;
  /** Overrides how replica clients are made (tests put a fault proxy in between). */
  openClient?: (options: ReplicaOptions) => ReplicaClient;
  /**
   * Run big maintenance passes in a worker thread (default: yes, unless openClient is overridden, since the worker
   * makes its own clients from the replica options). Passes that read little run on the agent's thread.
   */
  maintenanceInWorker?: boolean;
  /** Passes reading more than this go to the worker (default INLINE_PASS_MAX_BYTES; 0: every pass that reads). */
  maintenanceInlineMaxBytes?: number;
  /** Overrides how databases are made. */
  openDatabase?: (settings: DatabaseSettings, logger: Logger) => ReplicationSource;
  /** Restore every database that does not exist yet from its replica before replicating (`-restore-if-db-not-exists`). */
  restoreIfDbNotExists?: boolean;
  /** Backoff bounds for every replicator (tests shorten them). */
  minBackoff?: number;
  maxBackoff?: number;
  /** How often a repeating failure is logged loudly (default 1 minute; tests shorten it). */
  repeatLogInterval?: number;
  /** When waiting changes count as late (default max(5 × sync-interval, 1 minute); tests shorten it). */
  lateAfter?: number;
  /** How often each `dir` entry is rescanned besides fs.watch (default 10 s; tests shorten it). */
  rescanInterval?: number;
}

interface RunningDb {
  config: DbConfig;
  replicator: Replicator;
  /**
   * The replicator's client: listings come from memory, kept current by the uploads and by maintenance's writes
   * and deletes, so an idle database makes no request.
   */
  client: IndexedReplicaClient;
  /** When the last maintenance pass, and the last one that ran retention, started (undefined: none yet). */
  lastPassAt?: number;
  lastRetentionAt?: number;
  /** Paces maintenance failure lines like the replicator's (a failing step every interval would flood the log). */
  maintenanceLog: FailureLog;
  maintenanceTimer?: NodeJS.Timeout;
  maintenanceRun?: Promise<void>;
}

export function databaseSettings(db: DbConfig): DatabaseSettings {
  return {
    path: db.path,
    metaPath: db.metaPath ?? defaultMetaPath(db.path),
    busyTimeout: db.busyTimeout,
    minCheckpointPageCount: db.minCheckpointPageCount,
    truncatePageN: db.truncatePageN,
    checkpointInterval: db.checkpointInterval,
    maxSyncWalBytes: db.maxSyncWalBytes,
  };
}

export function replicatorSettings(db: DbConfig, config: StreambedConfig): ReplicatorSettings {
  return {
    syncInterval: db.replica.syncInterval,
    monitorInterval: db.monitorInterval,
    maxSyncLtxFiles: db.replica.maxSyncLtxFiles,
    l0Retention: config.l0Retention,
    l0RetentionCheckInterval: config.l0RetentionCheckInterval,
  };
}

/** Local maintenance is checked often enough to honour the shortest level interval and the L0 retention check. */
export function defaultMaintenanceInterval(config: StreambedConfig): number {
  const candidates = [config.levels[0] ?? 30_000, config.l0RetentionCheckInterval || 15_000, 10_000];
  return Math.max(1000, Math.min(...candidates));
}

/** The name streambed gives a staging folder (defaultMetaPath): the only kind it deletes on its own. */
const STAGING_FOLDER = /^\..+-streambed$/;

/** Deletes a released database's staging folder, never a folder the user named (`meta-path` on a single database). */
async function removeStagingFolder(metaPath: string, logger: Logger): Promise<void> {
  if (!STAGING_FOLDER.test(basename(metaPath))) return;
  try {
    await rm(metaPath, { recursive: true, force: true });
  } catch (err) {
    logger.warn({ staging: metaPath, err: (err as Error).message }, 'could not remove the staging folder of a deleted database');
  }
}

/** How far L0 is compacted: the end of the furthest file above L0 (0 before the index is loaded: keep everything). */
function compactedTXID(index: ReplicaIndex): TXID {
  let max = 0;
  for (let level = 1; level <= MAX_LEVEL; level++) for (const f of index.level(level)) max = Math.max(max, f.maxTXID);
  return max;
}

export class Agent {
  readonly config: StreambedConfig;
  /**
   * Prometheus metrics: the ones passed in, else created on start() when `addr` is set (prom-client costs
   * ~13 MB of RSS, wasted when nothing can scrape it).
   */
  metrics: AgentMetrics | undefined;
  private readonly logger: Logger;
  private readonly options: AgentOptions;
  /** Every database served now, by path: the listed ones, and those the `dir` entries found and still have. */
  private readonly dbs = new Map<string, RunningDb>();
  private readonly directories: DirectoryWatcher[];
  /** The per-host request budget (`max-requests-per-second`), shared with the maintenance worker. */
  private readonly requestCap: RequestCap | undefined;
  private metricsServer: MetricsServer | undefined;
  /** Pings heartbeat-url while every database is ready (started by start() when configured). */
  heartbeat: Heartbeat | undefined;
  private readonly maintenanceWorker: MaintenanceWorker | undefined;
  private started = false;
  private stopping = false;

  constructor(config: StreambedConfig, options: AgentOptions = {}) {
    this.config = config;
    this.options = options;
    this.logger = options.logger ?? silentLogger();
    this.metrics = options.metrics;
    if (config.maxRequestsPerSecond) this.requestCap = new RequestCap(config.maxRequestsPerSecond);
    if (options.maintenanceInWorker ?? options.openClient === undefined) {
      // Ended after two windows of the shortest level without a big pass: an active database keeps it, an idle agent drops it.
      const idleMs = 2 * (config.levels[0] ?? defaultMaintenanceInterval(config));
      this.maintenanceWorker = new MaintenanceWorker({ requestCap: this.requestCap?.buffer, idleMs, inlineMaxBytes: options.maintenanceInlineMaxBytes });
    }
    for (const dbConfig of config.dbs) this.dbs.set(dbConfig.path, this.runningDb(dbConfig));
    this.directories = (config.dirs ?? []).map((entry) => new DirectoryWatcher(entry, {
      found: (path) => this.addDatabase(dbConfigForDirEntry(entry, path)),
      gone: (path) => this.releaseDatabase(path),
    }, { logger: this.logger, rescanInterval: options.rescanInterval }));
  }

  private runningDb(dbConfig: DbConfig): RunningDb {
    const { config, options } = this;
    const openDatabase = options.openDatabase ?? ((s: DatabaseSettings, l: Logger) => new Database(s, l));
    const openClient = options.openClient ?? openReplicaClient;
    const db = openDatabase(databaseSettings(dbConfig), this.logger.child({ db: dbConfig.path }));
    const index = new ReplicaIndex();
    const settings = {
      ...replicatorSettings(dbConfig, config),
      compactedTXID: config.compaction === 'local' ? () => compactedTXID(index) : undefined,
      minBackoff: options.minBackoff, maxBackoff: options.maxBackoff,
      repeatLogInterval: options.repeatLogInterval, lateAfter: options.lateAfter,
    };
    const client = new IndexedReplicaClient(capRequests(openClient(dbConfig.replica.options), this.requestCap), index, {
      localL0Path: (txid) => db.l0.path(txid),
      listFromIndex: config.compaction === 'local',
    });
    const replicator = new Replicator({
      db, client, settings, logger: this.logger, metrics: this.metrics, onUpload: options.onUpload,
    });
    const maintenanceLog = new FailureLog(this.logger.child({ db: dbConfig.path }), options.repeatLogInterval);
    return { config: dbConfig, replicator, client, maintenanceLog };
  }

  get replicators(): readonly Replicator[] {
    return [...this.dbs.values()].map((d) => d.replicator);
  }

  /** Paths of every database served now. */
  get databasePaths(): string[] {
    return [...this.dbs.keys()];
  }

  /** What `/readyz` answers: ready unless a database has committed changes waiting longer than it may. */
  readiness(now: number = Date.now()): Readiness {
    return readinessOf(this.lateness(now));
  }

  private lateness(now: number): Array<{ db: string; lateness: LatenessReport }> {
    return [...this.dbs.values()].map((d) => ({ db: d.config.path, lateness: d.replicator.lateness.report(now) }));
  }

  /** The metrics endpoint, when `addr` is configured and the agent started. */
  get metricsUrl(): string | undefined {
    return this.metricsServer?.url;
  }

  /** Starts the metrics server, every replication loop and (with `compaction: local`) maintenance timers. */
  async start(): Promise<void> {
    if (this.started) return;
    this.started = true;
    if (this.config.addr) {
      const { AgentMetrics, serveMetrics } = await import('./metrics.ts');
      const metrics = (this.metrics ??= new AgentMetrics({ defaultMetrics: true }));
      for (const d of this.dbs.values()) d.replicator.attachMetrics(metrics);
      this.metricsServer = await serveMetrics(metrics, this.config.addr, () => this.lateness(Date.now()));
      this.logger.info({ url: this.metricsServer.url }, 'serving metrics');
    }
    const listed = [...this.dbs.values()];
    for (const d of listed) {
      if (this.options.restoreIfDbNotExists || d.config.restoreIfDbNotExists) await this.restoreIfMissing(d);
      await this.startDb(d);
    }
    // Each directory's first scan starts the databases it finds (and logs "replicating" for each).
    for (const w of this.directories) await w.start();
    for (const w of this.directories) {
      this.logger.info({ dir: w.entry.dir, pattern: w.entry.pattern, recursive: w.entry.recursive, databases: w.databases.size }, 'watching directory');
    }
    this.heartbeat = startHeartbeat(this.config, () => this.readiness().ready, this.logger);
    // The synchronous part of opening the databases runs first, so that "replicating" is printed right before
    // start() returns: callers watching for it (and then signalling) find the caller's handlers installed.
    await new Promise((resolve) => setImmediate(resolve));
    for (const d of listed) this.logReplicating(d);
  }

  private async startDb(d: RunningDb): Promise<void> {
    await d.replicator.start();
    if (this.config.compaction === 'local') this.startMaintenance(d);
  }

  private logReplicating(d: RunningDb): void {
    this.logger.info(
      { db: d.config.path, replica: d.replicator.client.location, syncInterval: d.config.replica.syncInterval, compaction: this.config.compaction },
      'replicating',
    );
  }

  /** A database a `dir` entry found: served from now on (started at once when the agent runs). */
  private async addDatabase(dbConfig: DbConfig): Promise<void> {
    if (this.dbs.has(dbConfig.path) || this.stopping) return;
    let d: RunningDb;
    try {
      d = this.runningDb(dbConfig);
    } catch (err) {
      this.logger.error({ db: dbConfig.path, err: (err as Error).message }, 'cannot replicate a database found in the directory');
      return;
    }
    this.dbs.set(dbConfig.path, d);
    if (!this.started) return;
    await this.startDb(d);
    this.logReplicating(d);
  }

  /**
   * A database deleted from a `dir`: its loops stop, the changes it had already captured in local L0 files are
   * uploaded, its connections close and its entry goes. Nothing remote is deleted, so its replica keeps every file
   * and restores the database as it was last written. Its staging folder goes once nothing in it is left to upload.
   */
  private async releaseDatabase(path: string): Promise<void> {
    const d = this.dbs.get(path);
    if (!d) return;
    this.dbs.delete(path);
    if (d.maintenanceTimer) clearInterval(d.maintenanceTimer);
    d.maintenanceTimer = undefined;
    // A pass waiting on an unanswering replica must not hold the release (the worker's pass only reads and writes S3).
    await settlesBy(d.maintenanceRun ?? Promise.resolve(), Date.now() + this.config.shutdownSyncTimeout);
    const uploaded = await d.replicator.stop({ finalSync: false, uploadWritten: true, timeout: this.config.shutdownSyncTimeout });
    this.metrics?.forgetDb(path);
    await d.client.inner.close?.();
    const fields = { db: path, replica: d.replicator.client.location, replicaTXID: d.replicator.replicaTXID === undefined ? 'unknown' : formatTXID(d.replicator.replicaTXID) };
    if (!uploaded) {
      this.logger.warn({ ...fields, staging: d.replicator.db.settings.metaPath }, 'database deleted before its last changes reached the replica; they stay in its staging folder');
      return;
    }
    await removeStagingFolder(d.replicator.db.settings.metaPath, this.logger);
    this.logger.info(fields, 'database deleted; released (its replica is kept)');
  }

  /** `replicate --once`: one sync and upload of every database, then close. Throws on the first failure. */
  async syncOnce(options: { forceSnapshot?: boolean } = {}): Promise<void> {
    try {
      for (const w of this.directories) await w.scan();
      for (const d of this.dbs.values()) {
        if (this.options.restoreIfDbNotExists || d.config.restoreIfDbNotExists) await this.restoreIfMissing(d);
        await d.replicator.syncAndUpload(options);
        this.logger.info({ db: d.config.path, txid: d.replicator.replicaTXID === undefined ? 'none' : formatTXID(d.replicator.replicaTXID) }, 'synced');
      }
    } finally {
      for (const d of this.dbs.values()) await d.replicator.close();
      await this.closeClients();
    }
  }

  /** Runs compaction/snapshot/retention once for every database (no-op with `compaction: remote`). */
  async runMaintenanceOnce(now: Date = new Date()): Promise<void> {
    if (this.config.compaction !== 'local') return;
    for (const d of this.dbs.values()) await this.maintain(d, now, true);
  }

  /**
   * Stops everything. With finalSync (default), each database gets a last sync and upload, retried at
   * shutdown-sync-interval until shutdown-sync-timeout. Returns true when every database caught up.
   */
  async stop(options: { finalSync?: boolean } = {}): Promise<boolean> {
    // The whole shutdown fits in shutdown-sync-timeout: a replica that stopped answering must not hold the process.
    const deadline = Date.now() + this.config.shutdownSyncTimeout;
    this.stopping = true;
    await Promise.all(this.directories.map((w) => w.stop()));
    const dbs = [...this.dbs.values()];
    for (const d of dbs) {
      if (d.maintenanceTimer) clearInterval(d.maintenanceTimer);
      d.maintenanceTimer = undefined;
    }
    // Maintenance that is still running finishes beside the final syncs (as it runs beside uploads), not before them.
    const maintenance = settlesBy(Promise.all(dbs.map((d) => d.maintenanceRun)), deadline).then((done) => {
      if (!done) this.logger.warn({ err: 'a maintenance run was still waiting for the replica at shutdown-sync-timeout' }, 'shutdown: abandoning maintenance');
    });
    const results = await Promise.all(
      dbs.map((d) =>
        d.replicator.stop({
          finalSync: options.finalSync,
          timeout: Math.max(0, deadline - Date.now()),
          interval: this.config.shutdownSyncInterval,
        }),
      ),
    );
    await maintenance;
    await this.heartbeat?.stop();
    this.heartbeat = undefined;
    await this.metricsServer?.close();
    this.metricsServer = undefined;
    await this.maintenanceWorker?.close();
    await this.closeClients();
    this.started = false;
    this.stopping = false;
    return results.every(Boolean);
  }

  /** The agent opened every replica client, so it closes them: a stopped agent leaves no socket open. */
  private async closeClients(): Promise<void> {
    await Promise.all([...this.dbs.values()].map((d) => d.client.close()));
  }

  /** A missing database is restored from its replica first; an empty replica means a fresh start. */
  private async restoreIfMissing(d: RunningDb): Promise<void> {
    if (existsSync(d.config.path)) return;
    // Loaded only when needed: the restore path is large and most agents never take it.
    const { NoBackupsError, restoreDatabase } = await import('../core/restore/index.ts');
    try {
      const result = await restoreDatabase(d.replicator.client, { outputPath: d.config.path, logger: this.logger });
      this.logger.info({ db: d.config.path, txid: formatTXID(result.txid), files: result.files.length }, 'restored missing database from replica');
    } catch (err) {
      if (!(err instanceof NoBackupsError)) throw err;
      this.logger.info({ db: d.config.path, replica: d.replicator.client.location }, 'database missing and replica empty; starting fresh');
    }
  }

  /**
   * One pass: in the worker (it gets the index and the local L0 folder, and reports back what it wrote and
   * deleted), or on this thread through the replicator's indexed client.
   */
  private async runPass(d: RunningDb, settings: MaintenanceSettings, files: LtxFileInfo[], now: Date, inWorker: boolean): Promise<MaintenanceReport> {
    if (!inWorker || !this.maintenanceWorker) return (await import('../core/compact/index.ts')).runMaintenance(d.client, settings, now);
    const report = await this.maintenanceWorker.run(d.config.replica.options, settings, now, { files, metaPath: d.replicator.db.settings.metaPath });
    for (const f of report.written) d.client.index.add(f);
    d.client.index.remove(report.deleted);
    return report;
  }

  private startMaintenance(d: RunningDb): void {
    const interval = this.options.maintenanceInterval ?? defaultMaintenanceInterval(this.config);
    d.maintenanceTimer = setInterval(() => {
      if (d.maintenanceRun) return;
      const now = new Date();
      if (!this.maintenanceDue(d, now)) return;
      d.maintenanceRun = this.maintain(d, now).finally(() => {
        d.maintenanceRun = undefined;
      });
    }, interval);
    d.maintenanceTimer.unref();
  }

  /** Whether a pass could write or delete anything now; decided from the in-memory index, without a request. */
  private maintenanceDue(d: RunningDb, now: Date): boolean {
    if (!d.client.index.loaded) return true;
    const settings = maintenanceSettingsFromConfig(this.config);
    const files = d.client.index.files();
    return maintenanceDue(files, settings, d.lastPassAt, now) || retentionDue(files, settings, d.lastRetentionAt, now);
  }

  /** After a failure, what the pass changed is unknown: the next tick lists the replica again and runs every step. */
  private forgetPasses(d: RunningDb): void {
    d.client.index.invalidate();
    d.lastPassAt = undefined;
    d.lastRetentionAt = undefined;
  }

  private async maintain(d: RunningDb, now: Date, always = false): Promise<void> {
    try {
      await d.client.index.load(d.client.inner);
      const base = maintenanceSettingsFromConfig(this.config);
      const files = d.client.index.files();
      const withRetention = always || retentionDue(files, base, d.lastRetentionAt, now);
      const settings = { ...base, promoteFirstSnapshot: true, skipRetention: !withRetention, logger: this.logger.child({ db: d.config.path }) };
      d.lastPassAt = now.getTime();
      if (withRetention) d.lastRetentionAt = now.getTime();
      const inWorker = this.maintenanceWorker?.inWorker(files, settings, now) === true;
      const report = await this.runPass(d, settings, files, now, inWorker);
      // On this thread, runMaintenance has logged its failed steps already.
      if (inWorker) for (const e of report.errors) d.maintenanceLog.failed('maintenance step failed', e.message, { step: e.step });
      if (report.errors.length > 0) {
        // A failed step may have written or deleted part of its work: the next listing asks the replica, and the
        // next tick retries.
        this.forgetPasses(d);
        this.metrics?.maintenanceErrors.inc({ db: d.config.path });
      } else {
        const ended = d.maintenanceLog.recovered();
        if (ended) this.logger.info({ db: d.config.path, errors: ended.failures, lastErr: ended.reason }, 'maintenance recovered');
      }
      if (report.written.length > 0 || report.deleted.length > 0) {
        this.logger.debug({ db: d.config.path, written: report.written.length, deleted: report.deleted.length, inWorker }, 'maintenance');
      }
    } catch (err) {
      this.forgetPasses(d);
      const reason = err instanceof Error ? err.message : String(err);
      // Stopping ends the worker under a running job: that is not a failure to report.
      if (this.stopping) this.logger.debug({ db: d.config.path, err: reason }, 'maintenance stopped by shutdown');
      else {
        this.metrics?.maintenanceErrors.inc({ db: d.config.path });
        d.maintenanceLog.failed('maintenance failed; will retry', reason);
      }
    }
  }
}
