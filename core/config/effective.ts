// The printable effective configuration: YAML key names, S3 replicas as the client resolves them, durations in ms,
// sizes in bytes, secrets as "***".
import type { ReplicaOptions, S3ReplicaOptions } from '../replica/options.ts';
import { resolvedS3Settings } from '../replica/s3-config.ts';
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

/** An S3 replica as the client runs it: every value from resolvedS3Settings, the one resolution the client uses. */
function s3Json(o: S3ReplicaOptions): JsonObject {
  const s = resolvedS3Settings(o);
  const e = s.encryption;
  return compact({
    type: 's3',
    bucket: s.bucket,
    path: s.path,
    provider: s.provider,
    region: s.region,
    endpoint: s.endpoint,
    'force-path-style': s.forcePathStyle,
    'skip-verify': s.skipVerify,
    'sign-payload': s.signPayload,
    'require-content-md5': s.requireContentMD5,
    'storage-class': s.storageClass,
    'part-size': s.partSize,
    concurrency: s.concurrency,
    'access-key-id': secret(o.accessKeyId),
    'secret-access-key': secret(o.secretAccessKey),
    'session-token': secret(o.sessionToken),
    'sse-customer-algorithm': e.kind === 'sse-c' ? e.algorithm : undefined,
    'sse-customer-key': secret(o.sseCustomerKey),
    'sse-customer-key-path': o.sseCustomerKeyPath,
    'sse-kms-key-id': e.kind === 'sse-kms' ? e.keyId : undefined,
    'request-checksum-calculation': s.requestChecksumCalculation,
    'response-checksum-validation': s.responseChecksumValidation,
    'extra-headers': Object.keys(s.extraHeaders).length > 0 ? s.extraHeaders : undefined,
  });
}

function optionsJson(o: ReplicaOptions): JsonObject {
  return o.type === 'file' ? { type: 'file', path: o.path } : s3Json(o);
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
