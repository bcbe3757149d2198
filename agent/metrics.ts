// Prometheus metrics of the agent (own registry), named like Litestream's where it has one, served on `addr`.
import { createServer } from 'node:http';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { DatabaseStats } from './database-api.ts';

const LAG_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60, 300];
const SYNC_BUCKETS = [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 5];

export class AgentMetrics {
  readonly registry = new Registry();
  readonly dbSize: Gauge<'db'>;
  readonly walSize: Gauge<'db'>;
  readonly txid: Gauge<'db'>;
  readonly replicaTxid: Gauge<'db'>;
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

  constructor(options: { defaultMetrics?: boolean } = {}) {
    const registers = [this.registry];
    if (options.defaultMetrics) collectDefaultMetrics({ register: this.registry });
    const gauge = (name: string, help: string) => new Gauge({ name, help, labelNames: ['db'] as const, registers });
    const counter = (name: string, help: string) => new Counter({ name, help, labelNames: ['db'] as const, registers });
    this.dbSize = gauge('litestream_db_size', 'Size of the database file in bytes');
    this.walSize = gauge('litestream_wal_size', 'Size of the -wal file in bytes');
    this.txid = gauge('litestream_txid', 'Newest local TXID (newest L0 file written)');
    this.replicaTxid = gauge('streambed_replica_txid', 'Newest TXID acknowledged by the replica');
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

/** Serves `/metrics` (and `/` as a plain health check) on addr. */
export async function serveMetrics(metrics: AgentMetrics, addr: string): Promise<MetricsServer> {
  const { host, port } = parseAddr(addr);
  const server: Server = createServer((req, res) => {
    if (req.url === '/metrics' || req.url?.startsWith('/metrics?')) {
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
    res.writeHead(req.url === '/' ? 200 : 404, { 'content-type': 'text/plain' });
    res.end(req.url === '/' ? 'streambed\n' : 'not found\n');
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
