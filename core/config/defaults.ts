// Default values of every setting (spec §2, §3, §5); durations in milliseconds, sizes in bytes.
// The maintenance defaults are owned by core/compact/settings.ts (also read by the Lambdas and the CDK construct).
export { DEFAULT_L0_RETENTION, DEFAULT_LEVEL_INTERVALS, DEFAULT_SNAPSHOT_INTERVAL, DEFAULT_SNAPSHOT_RETENTION } from '../compact/settings.ts';
export { DEFAULT_CONCURRENCY, DEFAULT_PART_SIZE, MIN_PART_SIZE } from '../replica/options.ts';

export const DEFAULT_SYNC_INTERVAL = 1000;
export const DEFAULT_MONITOR_INTERVAL = 1000;
export const DEFAULT_CHECKPOINT_INTERVAL = 60_000;
export const DEFAULT_BUSY_TIMEOUT = 1000;
export const DEFAULT_MIN_CHECKPOINT_PAGE_COUNT = 1000;
export const DEFAULT_TRUNCATE_PAGE_N = 121_359;
export const DEFAULT_MAX_SYNC_WAL_BYTES = 64 * 1024 * 1024;
export const DEFAULT_MAX_SYNC_LTX_FILES = 256;
export const DEFAULT_L0_RETENTION_CHECK_INTERVAL = 15_000;
export const DEFAULT_SHUTDOWN_SYNC_TIMEOUT = 30_000;
export const DEFAULT_SHUTDOWN_SYNC_INTERVAL = 500;
export const DEFAULT_HEARTBEAT_INTERVAL = 5 * 60_000;
export const MIN_HEARTBEAT_INTERVAL = 60_000;
