// The stack's Lambdas, run in-process for the cost bench's `compaction: remote`: requests, invocations, GB-seconds.
// Compaction gets the S3 notifications of new L0 files batched as the SQS event source delivers them (100 records or
// a 20 s window, infra/compaction.ts); the maintain sweep (5 min) and retention (15 min) are run once at the end and
// scaled by their schedules. Each handler reaches S3 through its own metering proxy, so its requests are counted
// apart from the agent's.
import { ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { createCompactHandler } from '../functions/compact/handler.ts';
import { createMaintainHandler } from '../functions/maintain/handler.ts';
import { createRetentionHandler } from '../functions/retention/handler.ts';
import { closeCachedClients } from '../functions/shared/client-cache.ts';
import { diffCounts, emptyCounts, startMeteringProxy, type MeterCounts, type MeteringProxy } from '../test/harness/counting-proxy.ts';
import { s3PutEvent } from '../test/harness/s3-events.ts';
import { scheduledEvent, sqsEvent, sqsRecord, testObservability } from '../test/functions/fixtures.ts';

/** Memory sizes and schedules of infra/compaction.ts and infra/scheduled.ts. */
export const LAMBDA_SHAPE = { compactMiB: 1024, maintainMiB: 512, retentionMiB: 512, batchSize: 100, windowMs: 20_000, maintainPerMonth: 30 * 24 * 12, retentionPerMonth: 30 * 24 * 4 };
/** us-east-1 list prices, arm64: $0.20 per million invocations, $0.0000133334 per GB-second. */
export const LAMBDA_PRICE = { perInvocation: 0.2 / 1e6, perGbSecond: 0.0000133334 };

export interface LambdaTally {
  counts: MeterCounts;
  invocations: number;
  /** Billed duration (each invocation rounded up to 1 ms) × memory, in GB-seconds. */
  gbSeconds: number;
}

export interface ScheduledFigures {
  maintain: LambdaTally;
  retention: LambdaTally;
}

export interface RemoteLambdas {
  /** Compaction so far (a copy): diff two of these for a phase. */
  snapshot(): LambdaTally;
  /** Stops the notification loop, runs one maintain sweep and one retention pass, and closes everything. */
  stop(): Promise<ScheduledFigures>;
}

export function diffTally(later: LambdaTally, earlier: LambdaTally): LambdaTally {
  return { counts: diffCounts(later.counts, earlier.counts), invocations: later.invocations - earlier.invocations, gbSeconds: later.gbSeconds - earlier.gbSeconds };
}

async function timed(memoryMiB: number, run: () => Promise<unknown>): Promise<number> {
  const t0 = performance.now();
  await run();
  return (Math.ceil(performance.now() - t0) / 1000) * (memoryMiB / 1024);
}

/** New L0 keys under `<path>/0000/`, listed directly (not through a proxy): the notifications S3 would send. */
async function newL0Keys(s3: S3Client, bucket: string, path: string, seen: Set<string>): Promise<Array<{ key: string; size: number }>> {
  const out: Array<{ key: string; size: number }> = [];
  let token: string | undefined;
  do {
    const page = await s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: `${path}/0000/`, ContinuationToken: token }));
    for (const o of page.Contents ?? []) {
      if (!o.Key || seen.has(o.Key)) continue;
      seen.add(o.Key);
      out.push({ key: o.Key, size: o.Size ?? 0 });
    }
    token = page.IsTruncated ? page.NextContinuationToken : undefined;
  } while (token);
  return out;
}

export async function startRemoteLambdas(options: { endpoint: string; bucket: string; path: string; credentials: { accessKeyId: string; secretAccessKey: string } }): Promise<RemoteLambdas> {
  const { bucket, path } = options;
  process.env.AWS_ACCESS_KEY_ID = options.credentials.accessKeyId;
  process.env.AWS_SECRET_ACCESS_KEY = options.credentials.secretAccessKey;
  process.env.POWERTOOLS_METRICS_DISABLED = 'true';
  const proxies: MeteringProxy[] = [];
  const handlerEnv = async (): Promise<Record<string, string>> => {
    const proxy = await startMeteringProxy(options.endpoint);
    proxies.push(proxy);
    return { S3_ENDPOINT: proxy.url, AWS_REGION: 'us-east-1', BUCKET_NAME: bucket, DB_PATHS: path };
  };
  const compactEnv = await handlerEnv();
  const compactProxy = proxies[0];
  const compact = createCompactHandler({ env: compactEnv, observability: testObservability('SILENT') });
  const direct = new S3Client({ endpoint: options.endpoint, region: 'us-east-1', forcePathStyle: true, credentials: options.credentials });
  const seen = new Set<string>();
  let invocations = 0;
  let gbSeconds = 0;
  let running = true;

  const deliver = async (): Promise<void> => {
    const keys = await newL0Keys(direct, bucket, path, seen);
    for (let i = 0; i < keys.length; i += LAMBDA_SHAPE.batchSize) {
      const records = keys.slice(i, i + LAMBDA_SHAPE.batchSize).map((k) => sqsRecord(s3PutEvent(bucket, k.key, k.size)));
      invocations += 1;
      gbSeconds += await timed(LAMBDA_SHAPE.compactMiB, () => compact(sqsEvent(records)));
    }
  };
  // The agent's first snapshot is already there: its notification is part of the first window, as in the stack.
  const loop = (async () => {
    while (running) {
      await sleep(LAMBDA_SHAPE.windowMs);
      await deliver();
    }
  })();

  let stopped: Promise<ScheduledFigures> | undefined;
  const stop = async (): Promise<ScheduledFigures> => {
    running = false;
    await loop;
    await deliver();
    const scheduled = async (memoryMiB: number, run: (env: Record<string, string>) => Promise<unknown>): Promise<LambdaTally> => {
      const env = await handlerEnv();
      const proxy = proxies[proxies.length - 1];
      const seconds = await timed(memoryMiB, () => run(env));
      return { counts: diffCounts(proxy.snapshot(), emptyCounts()), invocations: 1, gbSeconds: seconds };
    };
    const maintain = await scheduled(LAMBDA_SHAPE.maintainMiB, (env) => createMaintainHandler({ env, observability: testObservability('SILENT') })(scheduledEvent('streambed-maintain')));
    const retention = await scheduled(LAMBDA_SHAPE.retentionMiB, (env) => createRetentionHandler({ env, observability: testObservability('SILENT') })(scheduledEvent('streambed-retention')));
    await closeCachedClients();
    direct.destroy();
    await Promise.all(proxies.map((p) => p.stop()));
    return { maintain, retention };
  };
  return {
    snapshot: () => ({ counts: compactProxy.snapshot(), invocations, gbSeconds }),
    stop: () => (stopped ??= stop()),
  };
}
