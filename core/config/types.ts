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
