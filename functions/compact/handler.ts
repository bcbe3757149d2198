// Compaction function: SQS batches of S3 notifications for new L0 files → one maintenance pass per database.
import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import type { MaintenanceReport } from '../../core/compact/index.ts';
import { cachedReplicaClient } from '../shared/client-cache.ts';
import type { Env } from '../shared/env.ts';
import { leasedMaintenance, passIdentity } from '../shared/leased-pass.ts';
import { dbPathOfL0Key } from '../shared/ltx-keys.ts';
import { METRIC_NAMES } from '../shared/metric-names.ts';
import { coreLogger, createObservability, errorMessage, type Observability } from '../shared/powertools.ts';
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
    if (context) logger.addContext(context);
    const settings = maintenanceSettingsFromEnv(env, { logger: coreLogger(logger) });
    const identity = passIdentity(context);
    const passes = new Map<string, Promise<void>>();
    const runPass = (bucket: string, path: string): Promise<void> => {
      const db = `s3://${bucket}/${path}`;
      let pass = passes.get(db);
      if (!pass) {
        pass = (async () => {
          const outcome = await leasedMaintenance(cachedReplicaClient(env, bucket, path), settings, options.now?.() ?? new Date(), identity);
          if (outcome.skipped) {
            // The holder's pass, or the next sweep, covers this database: not a failure, nothing to retry.
            metrics.addMetric(METRIC_NAMES.passesSkipped, MetricUnit.Count, 1);
            logger.info('maintenance pass skipped: another pass holds the lease', { db, heldBy: outcome.heldBy, until: outcome.until });
            return;
          }
          const { report } = outcome;
          metrics.addMetric(METRIC_NAMES.filesWritten, MetricUnit.Count, report.written.length);
          metrics.addMetric(METRIC_NAMES.filesDeleted, MetricUnit.Count, report.deleted.length);
          metrics.addMetric(METRIC_NAMES.maintenanceErrors, MetricUnit.Count, report.errors.length);
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
      try {
        await passesFor(record, dbs);
      } catch (err) {
        // The reason, next to the message that SQS will redeliver (and finally dead-letter).
        logger.error('record failed', { messageId: record.messageId, receiveCount: record.attributes?.ApproximateReceiveCount, databases: [...dbs.keys()], reason: errorMessage(err) });
        throw err;
      }
    };
    const passesFor = async (record: SQSRecord, dbs: Map<string, { bucket: string; path: string }>): Promise<void> => {
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
