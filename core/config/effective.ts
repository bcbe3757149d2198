// The printable effective configuration: YAML key names, durations in ms, sizes in bytes, secrets as "***".
import type { ReplicaOptions } from '../replica/options.ts';
import { redactUrl } from './replica-url.ts';
import type { DbConfig, DirConfig, ReplicaConfig, StreambedConfig } from './types.ts';

export const REDACTED = '***';

type Json = string | number | boolean | null | Json[] | { [key: string]: Json };
type JsonObject = { [key: string]: Json };

/** Drops undefined members so the JSON shows only settings that have a value. */
function compact(entries: Record<string, Json | undefined>): JsonObject {
  const out: JsonObject = {};
  for (const [k, v] of Object.entries(entries)) if (v !== undefined) out[k] = v;
  return out;
}

function secret(value: string | undefined): string | undefined {
  return value ? REDACTED : undefined;
}

function optionsJson(o: ReplicaOptions): JsonObject {
  if (o.type === 'file') return { type: 'file', path: o.path };
  return compact({
    type: 's3',
    bucket: o.bucket,
    path: o.path,
    region: o.region,
    endpoint: o.endpoint,
    'force-path-style': o.forcePathStyle,
    'skip-verify': o.skipVerify,
    'sign-payload': o.signPayload,
    'require-content-md5': o.requireContentMD5,
    'storage-class': o.storageClass,
    'part-size': o.partSize,
    concurrency: o.concurrency,
    'access-key-id': secret(o.accessKeyId),
    'secret-access-key': secret(o.secretAccessKey),
    'session-token': secret(o.sessionToken),
    'sse-customer-algorithm': o.sseCustomerAlgorithm,
    'sse-customer-key': secret(o.sseCustomerKey),
    'sse-customer-key-path': o.sseCustomerKeyPath,
    'sse-kms-key-id': o.sseKmsKeyId,
    'request-checksum-calculation': o.requestChecksumCalculation,
    'response-checksum-validation': o.responseChecksumValidation,
    'extra-headers': o.extraHeaders,
  });
}

function replicaJson(r: ReplicaConfig): JsonObject {
  return compact({
    type: r.options.type,
    url: r.url === undefined ? undefined : redactUrl(r.url),
    ...optionsJson(r.options),
    'sync-interval': r.syncInterval,
    'max-sync-ltx-files': r.maxSyncLtxFiles,
    'auto-recover': r.autoRecover,
    'validation-interval': r.validationInterval,
  });
}

function dbJson(d: DbConfig): JsonObject {
  return compact({
    path: d.path,
    'meta-path': d.metaPath,
    'monitor-interval': d.monitorInterval,
    'checkpoint-interval': d.checkpointInterval,
    'busy-timeout': d.busyTimeout,
    'min-checkpoint-page-count': d.minCheckpointPageCount,
    'truncate-page-n': d.truncatePageN,
    'max-sync-wal-bytes': d.maxSyncWalBytes,
    'restore-if-db-not-exists': d.restoreIfDbNotExists,
    replica: replicaJson(d.replica),
  });
}

function dirJson(d: DirConfig): JsonObject {
  const { path: _dir, 'meta-path': _meta, ...settings } = dbJson(d.template);
  return compact({ dir: d.dir, pattern: d.pattern, recursive: d.recursive, 'meta-path': d.metaBase, ...settings });
}

/** The JSON `streambed config` prints; it never contains a credential. */
export function effectiveConfigJson(config: StreambedConfig): unknown {
  return compact({
    addr: config.addr,
    'mcp-addr': config.mcpAddr,
    exec: config.exec,
    logging: compact({ level: config.logging.level, type: config.logging.type, stderr: config.logging.stderr, source: config.logging.source }),
    compaction: config.compaction,
    levels: config.levels.map((interval) => ({ interval })),
    snapshot: { interval: config.snapshot.interval, retention: config.snapshot.retention },
    'l0-retention': config.l0Retention,
    'l0-retention-check-interval': config.l0RetentionCheckInterval,
    retention: { enabled: config.retention.enabled },
    validation: config.validationInterval === undefined ? undefined : { interval: config.validationInterval },
    'verify-compaction': config.verifyCompaction,
    'heartbeat-url': config.heartbeatUrl,
    'heartbeat-interval': config.heartbeatInterval,
    'shutdown-sync-timeout': config.shutdownSyncTimeout,
    'shutdown-sync-interval': config.shutdownSyncInterval,
    'max-requests-per-second': config.maxRequestsPerSecond,
    dbs: [...config.dbs.map(dbJson), ...(config.dirs ?? []).map(dirJson)],
  });
}
