// Maintenance sweep (scheduled): one full pass per database, so the last L0 files of a quiet database still compact.
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import type { ScheduledEvent } from 'aws-lambda';
import { runMaintenance, type MaintenanceReport } from '../../core/compact/index.ts';
import { type HexTXIDs, withHexTXIDs } from '../../core/layout/txid-json.ts';
import type { Env } from '../shared/env.ts';
import { coreLogger, createObservability, type Observability } from '../shared/powertools.ts';
import { forEachDb, throwIfFailed, type DbResult } from '../shared/scheduled.ts';
import { maintenanceSettingsFromEnv } from '../shared/settings.ts';

export interface MaintainHandlerOptions {
  env?: Env;
  observability?: Observability;
  now?: () => Date;
}

/** Reports as JSON: TXIDs as 16 hex digits. */
export type MaintainHandler = (event: ScheduledEvent) => Promise<Array<DbResult<HexTXIDs<MaintenanceReport>>>>;

/**
 * Compaction only takes files from windows that have ended, so the pass a notification triggers cannot merge the
 * file that triggered it; without new writes those files wait for this sweep.
 */
export function createMaintainHandler(options: MaintainHandlerOptions = {}): MaintainHandler {
  const env = options.env ?? process.env;
  const { logger, metrics } = options.observability ?? createObservability('streambed-maintain');
  return async (event) => {
    const settings = maintenanceSettingsFromEnv(env, { logger: coreLogger(logger) });
    logger.info('maintenance sweep', { schedule: event.resources });
    try {
      const results = await forEachDb(env, async (client, path) => {
        const report = await runMaintenance(client, settings, options.now?.() ?? new Date());
        if (report.errors.length > 0) throw new Error(report.errors.map((e) => `${e.step}: ${e.message}`).join('; '));
        logger.info('maintenance pass', { path, written: report.written.length, deleted: report.deleted.length });
        return withHexTXIDs(report);
      });
      for (const r of results) if (r.error !== undefined) logger.error('maintenance failed', { db: r.db, error: r.error });
      metrics.addMetric('FilesWritten', MetricUnit.Count, results.reduce((n, r) => n + (r.result?.written.length ?? 0), 0));
      metrics.addMetric('MaintenanceFailedDatabases', MetricUnit.Count, results.filter((r) => r.error !== undefined).length);
      throwIfFailed(results, 'maintenance');
      return results;
    } finally {
      metrics.publishStoredMetrics();
    }
  };
}

export const handler: MaintainHandler = createMaintainHandler();
