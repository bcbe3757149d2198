// Every configuration key Litestream v0.3 and v0.5 accept, by level, plus streambed's own keys.

/** Replica settings that may also be given globally, as defaults for every replica (Litestream ReplicaSettings). */
export const S3_KEYS = [
  'access-key-id', 'secret-access-key', 'region', 'bucket', 'endpoint', 'force-path-style', 'skip-verify',
  'sign-payload', 'require-content-md5', 'storage-class', 'part-size', 'concurrency',
  'sse-customer-algorithm', 'sse-customer-key', 'sse-customer-key-path', 'sse-kms-key-id',
] as const;

/** Keys of the backends streambed does not implement: recognised so Litestream files load, ignored for s3/file. */
export const OTHER_BACKEND_KEYS = [
  'account-name', 'account-key', 'sas-token',
  'host', 'user', 'password', 'key-path', 'concurrent-writes', 'host-key',
  'webdav-url', 'webdav-username', 'webdav-password',
  'jwt', 'seed', 'creds', 'nkey', 'username', 'token', 'tls', 'root-cas', 'client-cert', 'client-key',
  'max-reconnects', 'reconnect-wait', 'timeout',
] as const;

export const REPLICA_SETTING_KEYS = [
  'sync-interval', 'validation-interval', 'max-sync-ltx-files', 'auto-recover',
  ...S3_KEYS, ...OTHER_BACKEND_KEYS, 'age',
] as const;

/** v0.3 replica keys with no v0.5 meaning; accepted (mapped or ignored with a note), never an error. */
export const LEGACY_REPLICA_KEYS = ['retention', 'retention-check-interval', 'snapshot-interval'] as const;

export const REPLICA_KEYS = new Set<string>(['type', 'url', 'path', 'name', ...REPLICA_SETTING_KEYS, ...LEGACY_REPLICA_KEYS]);

export const DB_KEYS = new Set<string>([
  'path', 'dir', 'pattern', 'recursive', 'watch', 'meta-dir', 'meta-path',
  'monitor-interval', 'checkpoint-interval', 'busy-timeout', 'min-checkpoint-page-count', 'truncate-page-n',
  'max-sync-wal-bytes', 'restore-if-db-not-exists', 'snapshot', 'replica', 'replicas',
  'heartbeat-url', 'heartbeat-interval',
  // Removed in later versions; accepted and ignored with a note.
  'max-checkpoint-page-count', 'monitor-delay-interval', 'shadow-retention-count',
]);

export const GLOBAL_KEYS = new Set<string>([
  'addr', 'mcp-addr', 'exec', 'logging', 'dbs', 'levels', 'snapshot', 'l0-retention', 'l0-retention-check-interval',
  'retention', 'validation', 'verify-compaction', 'heartbeat-url', 'heartbeat-interval', 'shutdown-sync-timeout',
  'shutdown-sync-interval', 'socket', 'compaction', 'max-requests-per-second', ...REPLICA_SETTING_KEYS,
]);

export const LOGGING_KEYS = new Set(['level', 'type', 'stderr', 'source']);
export const SNAPSHOT_KEYS = new Set(['interval', 'retention']);
export const LEVEL_KEYS = new Set(['interval']);
export const RETENTION_KEYS = new Set(['enabled']);
export const VALIDATION_KEYS = new Set(['interval']);
export const SOCKET_KEYS = new Set(['enabled', 'path', 'permissions']);

/** Keys whose values are credentials: never printed, never quoted in an error. */
export const SECRET_KEYS = new Set([
  'access-key-id', 'secret-access-key', 'session-token', 'sse-customer-key', 'account-key', 'sas-token', 'password',
  'webdav-password', 'jwt', 'seed', 'creds', 'nkey', 'token',
]);

/** Replica types Litestream knows; only s3 and file are implemented by streambed. */
export const KNOWN_REPLICA_TYPES = ['file', 's3', 'gs', 'abs', 'sftp', 'webdav', 'webdavs', 'nats', 'oss'] as const;
export const SUPPORTED_REPLICA_TYPES = ['s3', 'file'] as const;
