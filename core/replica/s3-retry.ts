// Retries on top of the SDK's adaptive strategy: Litestream's extra transient cases, a delay cap, few timeouts, a report.
import type { S3Client } from '@aws-sdk/client-s3';

interface RetryErrorInfoLike {
  errorType: string;
  error?: { name?: string; message?: string; Code?: string; $metadata?: { httpStatusCode?: number } };
}

interface BackoffLike {
  computeNextBackoffDelay(attempt: number): number;
}

interface RetryStrategyLike {
  refreshRetryTokenForRetry?: (token: unknown, info: RetryErrorInfoLike) => Promise<unknown>;
  /** Internals of the SDK's strategies (AdaptiveRetryStrategy wraps a StandardRetryStrategy that owns the backoff). */
  standardRetryStrategy?: { retryBackoffStrategy?: BackoffLike };
  retryBackoffStrategy?: BackoffLike;
}

/**
 * Longest pause between two attempts of one request. The SDK's own backoff grows to 20 s, so a request that
 * failed during a short outage could wait that long after the endpoint is back.
 */
export const S3_MAX_RETRY_DELAY_MS = 2_000;
/**
 * Attempts of one request that may end in a timeout. Each costs a whole idle timeout, so ten of them would keep
 * a `restore` against an unresponsive endpoint busy for minutes; the agent retries on its own schedule anyway.
 */
export const S3_MAX_TIMEOUT_ATTEMPTS = 3;

/** One failed attempt that the SDK is about to retry. */
export interface RetryNotice {
  /** `Name: message` of the attempt's error. */
  reason: string;
  /** The attempt that failed (1 = the first). */
  attempt: number;
  at: number;
}

export interface RetryOptions {
  onRetry?: (notice: RetryNotice) => void;
  maxDelay?: number;
  maxTimeoutAttempts?: number;
}

/** True for failures the SDK calls client errors but Litestream retries (spec §6). */
export function isExtraRetryable(info: RetryErrorInfoLike): boolean {
  const e = info.error;
  return e?.$metadata?.httpStatusCode === 408 || e?.name === 'RequestCanceled' || e?.Code === 'RequestCanceled';
}

function isTimeout(info: RetryErrorInfoLike): boolean {
  return info.error?.name === 'TimeoutError';
}

function reasonOf(info: RetryErrorInfoLike): string {
  const e = info.error;
  const name = e?.Code ?? e?.name ?? info.errorType;
  return e?.message ? `${name}: ${e.message}` : name;
}

/** Caps the strategy's backoff; false when the SDK's internals changed shape (the cap test then fails). */
function capBackoff(strategy: RetryStrategyLike, maxDelay: number): boolean {
  const backoff = strategy.standardRetryStrategy?.retryBackoffStrategy ?? strategy.retryBackoffStrategy;
  if (!backoff || typeof backoff.computeNextBackoffDelay !== 'function') return false;
  const compute = backoff.computeNextBackoffDelay.bind(backoff);
  backoff.computeNextBackoffDelay = (attempt) => Math.min(maxDelay, compute(attempt));
  return true;
}

/**
 * Wraps the client's retry strategy: 408 and RequestCanceled count as transient, the pause between attempts is
 * capped, at most `maxTimeoutAttempts` attempts may time out, and every retry is reported to `onRetry`. The
 * retry middleware asks `config.retryStrategy()` on every request, so replacing that provider is enough; mode and
 * attempts are unchanged.
 */
export function retryLikeLitestream(client: S3Client, options: RetryOptions = {}): void {
  const maxDelay = options.maxDelay ?? S3_MAX_RETRY_DELAY_MS;
  const maxTimeouts = options.maxTimeoutAttempts ?? S3_MAX_TIMEOUT_ATTEMPTS;
  const config = client.config as unknown as { retryStrategy: () => Promise<RetryStrategyLike> };
  const original = config.retryStrategy;
  // Timeouts so far in each request's chain of retry tokens.
  const timeouts = new WeakMap<object, number>();
  let patched: Promise<RetryStrategyLike> | undefined;
  config.retryStrategy = () =>
    (patched ??= original().then((strategy) => {
      capBackoff(strategy, maxDelay);
      const refresh = strategy.refreshRetryTokenForRetry?.bind(strategy);
      if (refresh) {
        strategy.refreshRetryTokenForRetry = async (token, info) => {
          const timedOut = (timeouts.get(token as object) ?? 0) + (isTimeout(info) ? 1 : 0);
          // Refusing a token makes the middleware throw the attempt's own error.
          if (isTimeout(info) && timedOut >= maxTimeouts) throw new Error('timeout attempts exhausted');
          const attempt = ((token as { getRetryCount?: () => number }).getRetryCount?.() ?? 0) + 1;
          const next = await refresh(token, info.errorType === 'CLIENT_ERROR' && isExtraRetryable(info) ? { ...info, errorType: 'TRANSIENT' } : info);
          if (next && typeof next === 'object') timeouts.set(next, timedOut);
          options.onRetry?.({ reason: reasonOf(info), attempt, at: Date.now() });
          return next;
        };
      }
      return strategy;
    }));
}
