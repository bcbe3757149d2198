// Verification function (scheduled): checks every file's checksums and the chain of every database, as metrics.
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import type { Context, ScheduledEvent } from 'aws-lambda';
import { statfs } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { verifyReplica, verifyReportJson, type VerifyReportJson } from '../../core/verify/index.ts';
import { booleanEnv, type Env } from '../shared/env.ts';
import { METRIC_NAMES } from '../shared/metric-names.ts';
import { createObservability, errorMessage, logAttributes, type Observability } from '../shared/powertools.ts';
import { forEachDb, throwIfFailed, type DbResult } from '../shared/scheduled.ts';

export interface VerifyHandlerOptions {
  env?: Env;
  observability?: Observability;
}

/** Reports as JSON (TXIDs as 16 hex digits). */
export type VerifyHandler = (event: ScheduledEvent, context?: Context) => Promise<Array<DbResult<VerifyReportJson>>>;

/** A full verify restores the database into /tmp; running out of space there must say what to change. */
async function explainFull(err: unknown): Promise<Error> {
  if ((err as NodeJS.ErrnoException).code !== 'ENOSPC') return err instanceof Error ? err : new Error(String(err));
  const fs = await statfs(tmpdir()).catch(() => undefined);
  const size = fs ? `${Math.round((fs.blocks * fs.bsize) / 2 ** 20)} MiB` : 'its size';
  return new Error(
    `VERIFY_FULL restores each database into /tmp, and /tmp (${size}) is too small for this one: deploy with verifyFull (10 GiB /tmp) or turn VERIFY_FULL off (${errorMessage(err)})`,
  );
}

/**
 * Metrics are bounded: VerifyProblems (total, no dimension) and VerifyFailedDatabases every run, and VerifyProblems
 * with a Database dimension only for a database that has problems. Every problem is logged with its key. A replica
 * with problems is a finding, not a failed invocation; only an error while verifying (e.g. the bucket is
 * unreadable, or /tmp too small for VERIFY_FULL) fails the run.
 */
export function createVerifyHandler(options: VerifyHandlerOptions = {}): VerifyHandler {
  const env = options.env ?? process.env;
  const { logger, metrics } = options.observability ?? createObservability('streambed-verify');
  return async (event, context) => {
    if (context) logger.addContext(context);
    const full = booleanEnv(env, 'VERIFY_FULL', false);
    logger.info('verify run', { schedule: event.resources, full });
    try {
      const results = await forEachDb(env, async (client) => {
        try {
          return verifyReportJson(await verifyReplica(client, { full }));
        } catch (err) {
          throw full ? await explainFull(err) : err;
        }
      });
      let total = 0;
      for (const r of results) {
        if (!r.result) {
          logger.error('verify failed', { db: r.db, reason: r.error });
          continue;
        }
        const report = r.result;
        total += report.problems.length;
        if (report.problems.length > 0) {
          const single = metrics.singleMetric();
          single.addDimension('Database', r.path);
          single.addMetric(METRIC_NAMES.verifyProblems, MetricUnit.Count, report.problems.length);
        }
        for (const p of report.problems) logger[p.severity === 'error' ? 'error' : 'warn']('verify problem', { db: r.db, ...logAttributes(p) });
        logger.info('verify done', { db: r.db, ok: report.ok, files: report.files, restorableTXID: report.restorableTXID });
      }
      metrics.addMetric(METRIC_NAMES.verifyProblems, MetricUnit.Count, total);
      metrics.addMetric(METRIC_NAMES.verifyFailedDatabases, MetricUnit.Count, results.filter((r) => r.error !== undefined).length);
      throwIfFailed(results, 'verify');
      return results;
    } finally {
      metrics.publishStoredMetrics();
    }
  };
}

export const handler: VerifyHandler = createVerifyHandler();
