// Maintenance sweep (scheduled): one leased pass per database, and which databases' agents have gone quiet.
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import type { Context, ScheduledEvent } from 'aws-lambda';
import type { MaintenanceReport } from '../../core/compact/index.ts';
import { type HexTXIDs, withHexTXIDs } from '../../core/layout/txid-json.ts';
import type { Env } from '../shared/env.ts';
import { leasedMaintenance, passIdentity } from '../shared/leased-pass.ts';
import { METRIC_NAMES } from '../shared/metric-names.ts';
import { coreLogger, createObservability, type Observability } from '../shared/powertools.ts';
import { forEachDb, throwIfFailed, type DbResult } from '../shared/scheduled.ts';
import { maintenanceSettingsFromEnv } from '../shared/settings.ts';
import { staleAfterFromEnv, stalenessOf, type Staleness } from '../shared/staleness.ts';
import { bucketFromEnv } from '../shared/replica.ts';

export interface MaintainHandlerOptions {
  env?: Env;
  observability?: Observability;
  now?: () => Date;
}

export interface SweepResult extends Staleness {
  /** Undefined when another pass held the database's lease. TXIDs as 16 hex digits. */
  report?: HexTXIDs<MaintenanceReport>;
  skipped?: string;
}

export type MaintainHandler = (event: ScheduledEvent, context?: Context) => Promise<Array<DbResult<SweepResult>>>;

/**
 * Compaction only takes files from windows that have ended, so the pass a notification triggers cannot merge the
 * file that triggered it; without new writes those files wait for this sweep. The sweep also measures each
 * database's backup age: StaleDatabases (one metric) always, BackupAgeSeconds per database only while it is late,
 * so the metric count grows with late databases, not with all of them.
 */
export function createMaintainHandler(options: MaintainHandlerOptions = {}): MaintainHandler {
  const env = options.env ?? process.env;
  const { logger, metrics } = options.observability ?? createObservability('streambed-maintain');
  return async (event, context) => {
    if (context) logger.addContext(context);
    const settings = maintenanceSettingsFromEnv(env, { logger: coreLogger(logger) });
    const staleAfter = staleAfterFromEnv(env);
    const bucket = bucketFromEnv(env);
    const identity = passIdentity(context);
    logger.info('maintenance sweep', { schedule: event.resources });
    try {
      const results = await forEachDb(env, async (client, path): Promise<SweepResult> => {
        const now = options.now?.() ?? new Date();
        const pass = await leasedMaintenance(client, settings, now, identity);
        const staleness = await stalenessOf(client, now, staleAfter);
        if (pass.skipped) {
          logger.info('maintenance pass skipped: another pass holds the lease', { path, heldBy: pass.heldBy, until: pass.until });
          return { ...staleness, skipped: pass.heldBy };
        }
        const { report } = pass;
        if (report.errors.length > 0) throw new Error(report.errors.map((e) => `${e.step}: ${e.message}`).join('; '));
        logger.info('maintenance pass', { path, written: report.written.length, deleted: report.deleted.length, backupAgeMs: staleness.backupAgeMs });
        return { ...staleness, report: withHexTXIDs(report) };
      });
      const stale = results.filter((r) => r.result?.stale);
      for (const r of results) if (r.error !== undefined) logger.error('maintenance failed', { db: r.db, reason: r.error });
      for (const r of stale) {
        logger.warn('database is stale: no new L0 file', { db: r.db, backupAgeMs: r.result?.backupAgeMs, staleAfterMs: staleAfter });
        const single = metrics.singleMetric();
        single.addDimension('Database', r.path);
        // A database with no L0 file at all counts as late by staleAfter.
        single.addMetric(METRIC_NAMES.backupAge, MetricUnit.Seconds, Math.round((r.result?.backupAgeMs ?? staleAfter) / 1000));
      }
      metrics.addMetric(METRIC_NAMES.filesWritten, MetricUnit.Count, results.reduce((n, r) => n + (r.result?.report?.written.length ?? 0), 0));
      metrics.addMetric(METRIC_NAMES.maintenanceFailedDatabases, MetricUnit.Count, results.filter((r) => r.error !== undefined).length);
      metrics.addMetric(METRIC_NAMES.staleDatabases, MetricUnit.Count, stale.length);
      throwIfFailed(results, 'maintenance');
      return results;
    } finally {
      metrics.publishStoredMetrics();
    }
  };
}

export const handler: MaintainHandler = createMaintainHandler();
