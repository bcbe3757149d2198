// Prometheus metrics of the agent (own registry), named like Litestream's where it has one, served on `addr`.
import { createServer } from 'node:http';
import type { Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { DatabaseStats } from './database-api.ts';
import type { LatenessReport } from './lateness.ts';
import { readinessOf, type ReadinessSource } from './health.ts';

const LAG_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60, 300];
const SYNC_BUCKETS = [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 5];

export class AgentMetrics {
  readonly registry = new Registry();
  readonly dbSize: Gauge<'db'>;
  readonly walSize: Gauge<'db'>;
  readonly txid: Gauge<'db'>;
  readonly replicaTxid: Gauge<'db'>;
  readonly lastUpload: Gauge<'db'>;
  readonly unreplicatedSeconds: Gauge<'db'>;
  readonly totalWalBytes: Counter<'db'>;
  readonly syncCount: Counter<'db'>;
  readonly syncErrorCount: Counter<'db'>;
  readonly syncSeconds: Counter<'db'>;
  readonly syncDuration: Histogram<'db'>;
  readonly checkpointCount: Gauge<'db'>;
  readonly replicaOperations: Counter<'db' | 'operation'>;
  readonly replicaOperationBytes: Counter<'db' | 'operation'>;
  readonly uploadErrors: Counter<'db'>;
  readonly replicationLag: Histogram<'db'>;
  readonly maintenanceErrors: Counter<'db'>;
  /** Read at every scrape: each database's lateness, from the replicator that owns it. */
  private readonly lateness = new Map<string, () => LatenessReport>();

  constructor(options: { defaultMetrics?: boolean } = {}) {
    const registers = [this.registry];
    if (options.defaultMetrics) collectDefaultMetrics({ register: this.registry });
    const gauge = (name: string, help: string) => new Gauge({ name, help, labelNames: ['db'] as const, registers });
    const counter = (name: string, help: string) => new Counter({ name, help, labelNames: ['db'] as const, registers });
    this.dbSize = gauge('litestream_db_size', 'Size of the database file in bytes');
    this.walSize = gauge('litestream_wal_size', 'Size of the -wal file in bytes');
    this.txid = gauge('litestream_txid', 'Newest local TXID (newest L0 file written)');
    this.replicaTxid = gauge('streambed_replica_txid', 'Newest TXID acknowledged by the replica');
    this.lastUpload = gauge('streambed_last_upload_timestamp_seconds', 'When the replica last acknowledged an upload (unix seconds)');
    const lateness = this.lateness;
    this.unreplicatedSeconds = new Gauge({
      name: 'streambed_unreplicated_seconds',
      help: 'How long the oldest committed change not yet acknowledged by the replica has waited (0 when nothing waits)',
      labelNames: ['db'] as const,
      registers,
      collect() {
        for (const [db, report] of lateness) this.set({ db }, report().waitingMs / 1000);
      },
    });
    this.totalWalBytes = counter('litestream_total_wal_bytes', 'Bytes written to local L0 files');
    this.syncCount = counter('litestream_sync_count', 'Number of sync operations');
    this.syncErrorCount = counter('litestream_sync_error_count', 'Number of failed sync or upload runs');
    this.syncSeconds = counter('litestream_sync_seconds', 'Time spent syncing the WAL, in seconds');
    this.syncDuration = new Histogram({
      name: 'streambed_sync_duration_seconds', help: 'Duration of one WAL sync', labelNames: ['db'] as const, buckets: SYNC_BUCKETS, registers,
    });
    this.checkpointCount = gauge('litestream_checkpoint_count', 'Checkpoints run by the agent');
    this.replicaOperations = new Counter({
      name: 'litestream_replica_operation_total', help: 'Replica operations', labelNames: ['db', 'operation'] as const, registers,
    });
    this.replicaOperationBytes = new Counter({
      name: 'litestream_replica_operation_bytes', help: 'Bytes moved by replica operations', labelNames: ['db', 'operation'] as const, registers,
    });
    this.uploadErrors = counter('streambed_upload_error_count', 'Failed LTX uploads');
    this.replicationLag = new Histogram({
      name: 'streambed_replication_lag_seconds',
      help: 'Time from a change being seen in the WAL to its L0 file being acknowledged by the replica',
      labelNames: ['db'] as const,
      buckets: LAG_BUCKETS,
      registers,
    });
    this.maintenanceErrors = counter('streambed_maintenance_error_count', 'Failed compaction or retention runs');
  }

  /** Reports `db`'s lateness on every scrape (the newest registration for a name wins). */
  trackLateness(db: string, report: () => LatenessReport): void {
    this.lateness.set(db, report);
  }

  /** Drops a released database's series (a `dir` entry's deleted database must not be reported forever). */
  forgetDb(db: string): void {
    this.lateness.delete(db);
    for (const metric of [this.dbSize, this.walSize, this.txid, this.replicaTxid, this.lastUpload, this.unreplicatedSeconds,
      this.totalWalBytes, this.syncCount, this.syncErrorCount, this.syncSeconds, this.syncDuration, this.checkpointCount,
      this.uploadErrors, this.replicationLag, this.maintenanceErrors]) {
      metric.remove({ db });
    }
    for (const metric of [this.replicaOperations, this.replicaOperationBytes]) {
      for (const operation of ['GET', 'PUT', 'DELETE', 'LIST']) metric.remove({ db, operation });
    }
  }

  recordStats(db: string, stats: DatabaseStats): void {
    this.dbSize.set({ db }, stats.dbSize);
    this.walSize.set({ db }, stats.walSize);
    this.txid.set({ db }, stats.txid);
    this.checkpointCount.set({ db }, stats.checkpoints);
  }

  async text(): Promise<string> {
    return this.registry.metrics();
  }
}

export interface MetricsServer {
  /** The port actually bound (useful with port 0). */
  port: number;
  url: string;
  close(): Promise<void>;
}

/** Parses `addr` as Litestream does: `:9090` (all interfaces), `127.0.0.1:9090`, `[::1]:9090`. */
export function parseAddr(addr: string): { host?: string; port: number } {
  const m = /^(?:\[([^\]]+)\]|([^:]*)):(\d+)$/.exec(addr.trim());
  if (!m) throw new Error(`addr "${addr}": expected HOST:PORT or :PORT`);
  const host = m[1] ?? (m[2] || undefined);
  return { host, port: Number(m[3]) };
}

/**
 * Serves on addr: `/metrics`; `/healthz` (200 while the process runs); `/readyz` (503 while any database of
 * `readiness` has late changes, with a JSON body naming it; 200 otherwise); `/` keeps its plain 200 (liveness only).
 */
export async function serveMetrics(metrics: AgentMetrics, addr: string, readiness?: ReadinessSource): Promise<MetricsServer> {
  const { host, port } = parseAddr(addr);
  const server: Server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (path === '/healthz') {
      sendJson(res, 200, { status: 'ok' });
      return;
    }
    if (path === '/readyz') {
      const body = readinessOf(readiness?.() ?? []);
      sendJson(res, body.ready ? 200 : 503, body);
      return;
    }
    if (path === '/metrics') {
      metrics.text().then(
        (body) => {
          res.writeHead(200, { 'content-type': metrics.registry.contentType });
          res.end(body);
        },
        (err: unknown) => {
          res.writeHead(500);
          res.end(String(err));
        },
      );
      return;
    }
    res.writeHead(path === '/' ? 200 : 404, { 'content-type': 'text/plain' });
    res.end(path === '/' ? 'streambed\n' : 'not found\n');
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
  const bound = (server.address() as AddressInfo).port;
  const shownHost = host && host.includes(':') ? `[${host}]` : (host ?? '127.0.0.1');
  return {
    port: bound,
    url: `http://${shownHost}:${bound}/metrics`,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body) + '\n';
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text), 'cache-control': 'no-store' });
  res.end(text);
}
