// Pings `heartbeat-url` with a GET at most once per `heartbeat-interval`, and only while every database is ready.
//
// As Litestream does: the condition is checked every 15 s, the attempt time is recorded before the request (so a
// failing endpoint is not hammered), a request gives up after 30 s, and anything but a 2xx status is a failure that
// is logged and retried at the next interval. "Ready" is the agent's /readyz answer: no database has committed
// changes waiting for the replica longer than it may.

import { DEFAULT_HEARTBEAT_INTERVAL } from '../core/config/defaults.ts';
import type { Logger } from '../core/log/logger.ts';

export interface HeartbeatOptions {
  url: string;
  /** Milliseconds between pings (heartbeat-interval; the config loader enforces its minimum of 1 minute). */
  intervalMs: number;
  /** Whether every database is healthy now. */
  healthy: () => boolean;
  logger: Logger;
  /** How often the condition is checked (default 15 s). */
  checkEveryMs?: number;
  /** How long one request may take (default 30 s). */
  timeoutMs?: number;
  now?: () => number;
}

const HEARTBEAT_CHECK_EVERY_MS = 15_000;
const HEARTBEAT_TIMEOUT_MS = 30_000;

export class Heartbeat {
  readonly url: string;
  private readonly options: HeartbeatOptions;
  private readonly now: () => number;
  private timer: NodeJS.Timeout | undefined;
  private lastAttemptAt = -Infinity;
  private inFlight: Promise<boolean> | undefined;
  private readonly abort = new AbortController();

  constructor(options: HeartbeatOptions) {
    this.url = options.url;
    this.options = options;
    this.now = options.now ?? Date.now;
  }

  /** Starts the periodic check; the first one runs after one check period, as in Litestream. */
  start(): void {
    if (this.timer) return;
    this.timer = setInterval(() => void this.check(), this.options.checkEveryMs ?? HEARTBEAT_CHECK_EVERY_MS);
    this.timer.unref();
  }

  /**
   * One check: pings when the interval has passed since the last attempt and every database is healthy.
   * Resolves to whether a ping was sent and answered with a 2xx status; never rejects.
   */
  check(): Promise<boolean> {
    if (this.inFlight) return this.inFlight;
    const now = this.now();
    if (now - this.lastAttemptAt < this.options.intervalMs || !this.options.healthy()) return Promise.resolve(false);
    this.lastAttemptAt = now;
    this.inFlight = this.ping().finally(() => (this.inFlight = undefined));
    return this.inFlight;
  }

  private async ping(): Promise<boolean> {
    const signal = AbortSignal.any([this.abort.signal, AbortSignal.timeout(this.options.timeoutMs ?? HEARTBEAT_TIMEOUT_MS)]);
    try {
      const response = await fetch(this.url, { method: 'GET', signal, redirect: 'follow' });
      await response.body?.cancel();
      if (response.status >= 200 && response.status < 300) return true;
      this.options.logger.warn({ host: hostOf(this.url), status: response.status }, 'heartbeat ping failed: unexpected status');
    } catch (err) {
      if (this.abort.signal.aborted) return false;
      this.options.logger.warn({ host: hostOf(this.url), err: err instanceof Error ? err.message : String(err) }, 'heartbeat ping failed');
    }
    return false;
  }

  /** Stops the checks and cancels a ping in flight. */
  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    this.abort.abort();
    await this.inFlight;
  }
}

/** Heartbeat URLs often carry a token in the path (healthchecks.io), so logs name only the host. */
function hostOf(url: string): string {
  try {
    return new URL(url).host;
  } catch {
    return '(invalid URL)';
  }
}

/** A running heartbeat for `heartbeat-url`, or undefined when none is configured. */
export function startHeartbeat(
  config: { heartbeatUrl?: string; heartbeatInterval?: number },
  healthy: () => boolean,
  logger: Logger,
): Heartbeat | undefined {
  if (!config.heartbeatUrl) return undefined;
  const intervalMs = config.heartbeatInterval ?? DEFAULT_HEARTBEAT_INTERVAL;
  const heartbeat = new Heartbeat({ url: config.heartbeatUrl, intervalMs, healthy, logger });
  heartbeat.start();
  logger.info({ host: hostOf(heartbeat.url), intervalS: intervalMs / 1000 }, 'heartbeat enabled');
  return heartbeat;
}
