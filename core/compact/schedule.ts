// Wall-clock aligned compaction windows (spec §3: `now.Truncate(interval)`), computed from the clock alone.

/** Start of the interval window that contains `now`, aligned to the Unix epoch like Go's Time.Truncate. */
export function windowStart(now: Date, interval: number): Date {
  if (!(interval > 0)) throw new RangeError(`compaction interval must be positive, got ${interval} ms`);
  return new Date(Math.floor(now.getTime() / interval) * interval);
}

/**
 * A level is due when its newest file was written before the current window began: one output per window,
 * however often the maintenance runs. A level with no file yet is always due.
 */
export function isDue(newestCreatedAt: Date | undefined, now: Date, interval: number): boolean {
  return newestCreatedAt === undefined || newestCreatedAt.getTime() < windowStart(now, interval).getTime();
}
