// Failure lines of one retry loop: always with the reason, a new reason at once, the same one again at least once a minute.
import type { Logger } from './logger.ts';

/** The same reason is repeated at WARN (or ERROR) at least this often while it lasts. */
export const REPEAT_LOG_INTERVAL_MS = 60_000;

export interface FailureFields {
  [key: string]: unknown;
}

/**
 * One loop's failure streak. The first failure, and each change of reason, is logged at once; further failures
 * with the same reason go to debug, except that one loud line (with the count since the last one) is written
 * whenever `interval` has passed. Lines are ERROR instead of WARN while the caller says changes are late.
 */
export class FailureLog {
  private readonly logger: Logger;
  private readonly interval: number;
  private reason = '';
  private loudAt = 0;
  /** When each recent reason was last logged loudly, so reasons that alternate do not each print every time. */
  private readonly loudByReason = new Map<string, number>();
  private unreported = 0;
  private streak = 0;
  private streakSince = 0;

  constructor(logger: Logger, interval: number = REPEAT_LOG_INTERVAL_MS) {
    this.logger = logger;
    this.interval = interval;
  }

  /** Failures in the current streak (0 while healthy). */
  get failures(): number {
    return this.streak;
  }

  /** The reason of the newest failure ('' while healthy). */
  get lastReason(): string {
    return this.reason;
  }

  failed(msg: string, reason: string, fields: FailureFields = {}, late = false, now: number = Date.now()): void {
    if (this.streak === 0) this.streakSince = now;
    this.streak++;
    const changed = reason !== this.reason && now - (this.loudByReason.get(reason) ?? -Infinity) >= this.interval;
    this.reason = reason;
    const due = changed || now - this.loudAt >= this.interval;
    const line = { err: reason, errors: this.streak, ...fields };
    if (!due) {
      this.unreported++;
      this.logger.debug(line, msg);
      return;
    }
    const repeats = this.unreported > 0 ? { repeatedSinceLastLine: this.unreported, failingForS: Math.round((now - this.streakSince) / 1000) } : {};
    this.unreported = 0;
    this.loudAt = now;
    this.rememberLoud(reason, now);
    if (late) this.logger.error({ ...line, ...repeats }, msg);
    else this.logger.warn({ ...line, ...repeats }, msg);
  }

  /** Ends the streak; returns what it was (undefined if there was none). */
  recovered(now: number = Date.now()): { failures: number; downMs: number; reason: string } | undefined {
    if (this.streak === 0) return undefined;
    const ended = { failures: this.streak, downMs: now - this.streakSince, reason: this.reason };
    this.streak = 0;
    this.reason = '';
    this.unreported = 0;
    this.loudAt = 0;
    this.loudByReason.clear();
    return ended;
  }

  private rememberLoud(reason: string, now: number): void {
    this.loudByReason.delete(reason);
    this.loudByReason.set(reason, now);
    // Only a handful of reasons matter at once; the oldest is forgotten first.
    if (this.loudByReason.size > 16) this.loudByReason.delete(this.loudByReason.keys().next().value as string);
  }
}
