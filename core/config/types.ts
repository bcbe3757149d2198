// The effective streambed configuration, after defaults, env expansion and URL parsing (spec §5).
import type { ReplicaOptions } from '../replica/options.ts';

/** All durations are milliseconds; all sizes are bytes. */
export interface ReplicaConfig {
  options: ReplicaOptions;
  /** The URL as written, if the replica was given as one. */
  url?: string;
  syncInterval: number;
  maxSyncLtxFiles: number;
  autoRecover: boolean;
  validationInterval?: number;
}

export interface DbConfig {
  /** Absolute path of the SQLite database. */
  path: string;
  /** Local staging directory; default `<dir>/.<file>-streambed`. */
  metaPath?: string;
  monitorInterval: number;
  checkpointInterval: number;
  busyTimeout: number;
  minCheckpointPageCount: number;
  truncatePageN: number;
  maxSyncWalBytes: number;
  restoreIfDbNotExists: boolean;
  replica: ReplicaConfig;
}

/**
 * A `dir` entry (Litestream v0.5 directory replication): every SQLite database under `dir` whose file name matches
 * `pattern`, including databases created while the agent runs. Each one is replicated with `template`'s settings
 * at the replica path joined with its path relative to `dir` (see dir-entry.ts).
 */
export interface DirConfig {
  /** Absolute path of the directory. */
  dir: string;
  /** Glob on the file name, as Go's filepath.Match reads it (`*.db`, `tenant-?.sqlite`, `[a-c]*.db`). */
  pattern: string;
  /** Descend into subdirectories. */
  recursive: boolean;
  /** Settings every discovered database gets; `path` is the directory and the replica path is the base path. */
  template: DbConfig;
  /** `meta-path` written on the entry: each database stages below it at `<base>/<rel dir>/.<file>-streambed`. */
  metaBase?: string;
}

export interface LoggingConfig {
  level: 'trace' | 'debug' | 'info' | 'warn' | 'error';
  type: 'text' | 'json';
  stderr: boolean;
  /** Add the source file and line to log records (Litestream `logging.source`). */
  source?: boolean;
}

export interface StreambedConfig {
  /** The file it was read from, if any. */
  source?: string;
  addr?: string;
  /** Litestream's MCP server address; accepted, not served by streambed. */
  mcpAddr?: string;
  exec?: string;
  logging: LoggingConfig;
  dbs: DbConfig[];
  /** `dir` entries, each resolved to databases at run time by the agent (absent when there are none). */
  dirs?: DirConfig[];
  /** Cap on the S3 (or file) requests per second of all replica clients of this process together (undefined: none). */
  maxRequestsPerSecond?: number;
  /** Compaction intervals of L1..Ln. Default [30s, 5m, 1h]. */
  levels: number[];
  snapshot: { interval: number; retention: number };
  l0Retention: number;
  l0RetentionCheckInterval: number;
  retention: { enabled: boolean };
  /** 'local': the agent compacts and enforces retention itself; 'remote': deployed Lambdas do. */
  compaction: 'local' | 'remote';
  validationInterval?: number;
  verifyCompaction: boolean;
  shutdownSyncTimeout: number;
  shutdownSyncInterval: number;
  /** Heartbeat URL pinged after successful syncs, and its interval (default 5 min, minimum 1 min). */
  heartbeatUrl?: string;
  heartbeatInterval?: number;
  /** Things the loader accepted but mapped or ignored (v0.3 keys, unsupported features); for debug output. */
  notes?: string[];
}
