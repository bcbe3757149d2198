// Compaction function: SQS batches of S3 notifications for new L0 files → one maintenance pass per database.
import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { runMaintenance, type MaintenanceReport } from '../../core/compact/index.ts';
import { cachedReplicaClient } from '../shared/client-cache.ts';
import type { Env } from '../shared/env.ts';
import { dbPathOfL0Key } from '../shared/ltx-keys.ts';
import { coreLogger, createObservability, type Observability } from '../shared/powertools.ts';
import { maintenanceSettingsFromEnv } from '../shared/settings.ts';
import { createdObjectsOf } from './s3-notifications.ts';

export interface CompactHandlerOptions {
  env?: Env;
  observability?: Observability;
  /** The maintenance clock (tests move it forward; compaction only takes files from past windows). */
  now?: () => Date;
}

export type CompactHandler = (event: SQSEvent, context?: Context) => Promise<SQSBatchResponse>;

function failureOf(db: string, report: MaintenanceReport): Error | undefined {
  if (report.errors.length === 0) return undefined;
  return new Error(`maintenance of ${db} failed: ${report.errors.map((e) => `${e.step}: ${e.message}`).join('; ')}`);
}

/**
 * Every record naming a database waits for that database's single pass, so a batch with 50 notifications for one
 * database runs one pass, and a failed pass fails exactly the records that asked for it (SQS retries only those).
 * Duplicate and out-of-order notifications are harmless: a pass reads the bucket listing, not the message.
 */
export function createCompactHandler(options: CompactHandlerOptions = {}): CompactHandler {
  const env = options.env ?? process.env;
  const { logger, metrics } = options.observability ?? createObservability('streambed-compact');
  const processor = new BatchProcessor(EventType.SQS);

  return async (event, context) => {
    const settings = maintenanceSettingsFromEnv(env, { logger: coreLogger(logger) });
    const passes = new Map<string, Promise<void>>();
    const runPass = (bucket: string, path: string): Promise<void> => {
      const db = `s3://${bucket}/${path}`;
      let pass = passes.get(db);
      if (!pass) {
        pass = (async () => {
          const report = await runMaintenance(cachedReplicaClient(env, bucket, path), settings, options.now?.() ?? new Date());
          metrics.addMetric('FilesWritten', MetricUnit.Count, report.written.length);
          metrics.addMetric('FilesDeleted', MetricUnit.Count, report.deleted.length);
          metrics.addMetric('MaintenanceErrors', MetricUnit.Count, report.errors.length);
          logger.info('maintenance pass', { db, written: report.written.length, deleted: report.deleted.length, errors: report.errors });
          const failure = failureOf(db, report);
          if (failure) throw failure;
        })();
        passes.set(db, pass);
      }
      return pass;
    };
    const recordHandler = async (record: SQSRecord): Promise<void> => {
      const dbs = new Map<string, { bucket: string; path: string }>();
      for (const object of createdObjectsOf(record.body)) {
        const path = dbPathOfL0Key(object.key);
        if (path === null) continue;
        dbs.set(`s3://${object.bucket}/${path}`, { bucket: object.bucket, path });
      }
      await Promise.all([...dbs.values()].map(({ bucket, path }) => runPass(bucket, path)));
    };
    try {
      const response = await processPartialResponse(event, recordHandler, processor, {
        ...(context ? { context } : {}),
        throwOnFullBatchFailure: false,
      });
      if (response.batchItemFailures.length > 0) logger.warn('records left for retry', { failed: response.batchItemFailures.length, of: event.Records.length });
      return response;
    } finally {
      metrics.publishStoredMetrics();
    }
  };
}

export const handler: CompactHandler = createCompactHandler();
