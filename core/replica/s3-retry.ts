// Retries on top of the SDK's adaptive strategy: Litestream's extra transient cases, a delay cap, few timeouts, a report.
import { AdaptiveRetryStrategy } from '@smithy/core/retry';
import type { RetryErrorInfo, RetryStrategyV2, RetryToken, StandardRetryBackoffStrategy, StandardRetryToken } from '@smithy/types';

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
/** The SDK's own ceiling of one backoff (MAXIMUM_RETRY_DELAY), kept so delays below the cap are the SDK's. */
const SDK_MAX_RETRY_DELAY_MS = 20_000;

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

/** The fields of an SDK error the retry rules read (the SDK types `error` loosely). */
interface ErrorFields {
  name?: string;
  message?: string;
  Code?: string;
  $metadata?: { httpStatusCode?: number };
}

function errorOf(info: RetryErrorInfo): ErrorFields | undefined {
  return info.error as ErrorFields | undefined;
}

/** True for failures the SDK calls client errors but Litestream retries (spec §6). */
export function isExtraRetryable(info: RetryErrorInfo): boolean {
  const e = errorOf(info);
  return e?.$metadata?.httpStatusCode === 408 || e?.name === 'RequestCanceled' || e?.Code === 'RequestCanceled';
}

function isTimeout(info: RetryErrorInfo): boolean {
  return errorOf(info)?.name === 'TimeoutError';
}

function reasonOf(info: RetryErrorInfo): string {
  const e = errorOf(info);
  const name = e?.Code ?? e?.name ?? info.errorType;
  return e?.message ? `${name}: ${e.message}` : name;
}

/** The SDK's exponential backoff with full jitter (DefaultRetryBackoffStrategy), capped at `maxDelay`. */
export class CappedBackoff implements StandardRetryBackoffStrategy {
  private delayBase = 100;
  private readonly maxDelay: number;

  constructor(maxDelay: number = S3_MAX_RETRY_DELAY_MS) {
    this.maxDelay = maxDelay;
  }

  computeNextBackoffDelay(retryCount: number): number {
    const sdkDelay = Math.floor(Math.random() * Math.min(this.delayBase * 2 ** retryCount, SDK_MAX_RETRY_DELAY_MS));
    return Math.min(this.maxDelay, sdkDelay);
  }

  /** The strategy sets the base before each retry (larger after throttling). */
  setDelayBase(delayBase: number): void {
    this.delayBase = delayBase;
  }
}

/**
 * The SDK's AdaptiveRetryStrategy (client-side rate limiting, `maxAttempts` attempts) with a capped backoff, and
 * three rules of its own: 408 and RequestCanceled count as transient, at most `maxTimeoutAttempts` attempts of one
 * request may time out, and every retry is reported to `onRetry`. Given to the S3Client as its `retryStrategy`.
 */
export class LitestreamRetryStrategy implements RetryStrategyV2 {
  readonly mode = 'adaptive';
  private readonly inner: AdaptiveRetryStrategy;
  private readonly maxTimeouts: number;
  private readonly onRetry: ((notice: RetryNotice) => void) | undefined;
  /** Timeouts so far in each request's chain of retry tokens. */
  private readonly timeouts = new WeakMap<RetryToken, number>();

  constructor(maxAttempts: number, options: RetryOptions = {}) {
    this.inner = new AdaptiveRetryStrategy(maxAttempts, { maxAttempts, backoff: new CappedBackoff(options.maxDelay ?? S3_MAX_RETRY_DELAY_MS) });
    this.maxTimeouts = options.maxTimeoutAttempts ?? S3_MAX_TIMEOUT_ATTEMPTS;
    this.onRetry = options.onRetry;
  }

  acquireInitialRetryToken(retryTokenScope: string): Promise<RetryToken> {
    return this.inner.acquireInitialRetryToken(retryTokenScope);
  }

  async refreshRetryTokenForRetry(token: StandardRetryToken, info: RetryErrorInfo): Promise<RetryToken> {
    const timedOut = (this.timeouts.get(token) ?? 0) + (isTimeout(info) ? 1 : 0);
    // Refusing a token makes the retry middleware throw the attempt's own error.
    if (isTimeout(info) && timedOut >= this.maxTimeouts) throw new Error('timeout attempts exhausted');
    const attempt = token.getRetryCount() + 1;
    const next = await this.inner.refreshRetryTokenForRetry(token, info.errorType === 'CLIENT_ERROR' && isExtraRetryable(info) ? { ...info, errorType: 'TRANSIENT' } : info);
    this.timeouts.set(next, timedOut);
    this.onRetry?.({ reason: reasonOf(info), attempt, at: Date.now() });
    return next;
  }

  recordSuccess(token: StandardRetryToken): void {
    this.inner.recordSuccess(token);
  }

  maxAttemptsProvider(): Promise<number> {
    return this.inner.maxAttemptsProvider();
  }
}
