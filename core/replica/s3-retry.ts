// Litestream's extra retry cases on top of the SDK's adaptive strategy: HTTP 408 and RequestCanceled are transient.
import type { S3Client } from '@aws-sdk/client-s3';

interface RetryErrorInfoLike {
  errorType: string;
  error?: { name?: string; Code?: string; $metadata?: { httpStatusCode?: number } };
}

interface RetryStrategyLike {
  refreshRetryTokenForRetry?: (token: unknown, info: RetryErrorInfoLike) => Promise<unknown>;
}

/** True for failures the SDK calls client errors but Litestream retries (spec §6). */
export function isExtraRetryable(info: RetryErrorInfoLike): boolean {
  const e = info.error;
  return e?.$metadata?.httpStatusCode === 408 || e?.name === 'RequestCanceled' || e?.Code === 'RequestCanceled';
}

/**
 * Wraps the client's retry strategy so 408 and RequestCanceled count as transient. The retry middleware asks
 * `config.retryStrategy()` on every request, so replacing that provider is enough; mode and attempts are unchanged.
 */
export function retryLikeLitestream(client: S3Client): void {
  const config = client.config as unknown as { retryStrategy: () => Promise<RetryStrategyLike> };
  const original = config.retryStrategy;
  let patched: Promise<RetryStrategyLike> | undefined;
  config.retryStrategy = () =>
    (patched ??= original().then((strategy) => {
      const refresh = strategy.refreshRetryTokenForRetry?.bind(strategy);
      if (refresh) {
        strategy.refreshRetryTokenForRetry = (token, info) =>
          refresh(token, info.errorType === 'CLIENT_ERROR' && isExtraRetryable(info) ? { ...info, errorType: 'TRANSIENT' } : info);
      }
      return strategy;
    }));
}
