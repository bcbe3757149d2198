// Retention function (scheduled): deletes what the retention policy no longer needs, for every database.
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import type { Context, ScheduledEvent } from 'aws-lambda';
import type { RetentionOutcome } from '../../core/compact/index.ts';
import { enforceRetention } from '../../core/retention/index.ts';
import { type HexTXIDs, withHexTXIDs } from '../../core/layout/txid-json.ts';
import { IndexedReplicaClient } from '../../core/replica/indexed.ts';
import type { Env } from '../shared/env.ts';
import { METRIC_NAMES } from '../shared/metric-names.ts';
import { coreLogger, createObservability, type Observability } from '../shared/powertools.ts';
import { forEachDb, throwIfFailed, type DbResult } from '../shared/scheduled.ts';
import { maintenanceSettingsFromEnv } from '../shared/settings.ts';

export interface ScheduledHandlerOptions {
  env?: Env;
  observability?: Observability;
  now?: () => Date;
}

/** Outcomes as JSON: TXIDs as 16 hex digits. */
export type RetentionHandler = (event: ScheduledEvent, context?: Context) => Promise<Array<DbResult<HexTXIDs<RetentionOutcome>>>>;

/** RETENTION_ENABLED=false makes every run a no-op that says so (the bucket's lifecycle rules are in charge). */
export function createRetentionHandler(options: ScheduledHandlerOptions = {}): RetentionHandler {
  const env = options.env ?? process.env;
  const { logger, metrics } = options.observability ?? createObservability('streambed-retention');
  return async (event, context) => {
    if (context) logger.addContext(context);
    const settings = maintenanceSettingsFromEnv(env, { logger: coreLogger(logger) });
    logger.info('retention run', { schedule: event.resources, enabled: settings.retentionEnabled });
    try {
      // One listing of each database serves the whole run (1 LIST instead of one per level); a file written meanwhile
      // is unknown to it, so it is kept, never deleted.
      const results = await forEachDb(env, async (client) => withHexTXIDs(await enforceRetention(new IndexedReplicaClient(client), settings, options.now?.() ?? new Date())));
      for (const r of results) {
        if (r.error !== undefined) logger.error('retention failed', { db: r.db, reason: r.error });
        else logger.info('retention done', { db: r.db, deleted: r.result?.deleted.length, notes: r.result?.notes });
      }
      metrics.addMetric(METRIC_NAMES.retentionDeletedFiles, MetricUnit.Count, results.reduce((n, r) => n + (r.result?.deleted.length ?? 0), 0));
      metrics.addMetric(METRIC_NAMES.retentionFailedDatabases, MetricUnit.Count, results.filter((r) => r.error !== undefined).length);
      throwIfFailed(results, 'retention');
      return results;
    } finally {
      metrics.publishStoredMetrics();
    }
  };
}

export const handler: RetentionHandler = createRetentionHandler();
