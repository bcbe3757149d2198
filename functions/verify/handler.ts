// Verification function (scheduled): checks every file's checksums and the chain of every database, as metrics.
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import type { ScheduledEvent } from 'aws-lambda';
import { verifyReplica, verifyReportJson, type VerifyReportJson } from '../../core/verify/index.ts';
import { booleanEnv, type Env } from '../shared/env.ts';
import { createObservability, logAttributes, type Observability } from '../shared/powertools.ts';
import { forEachDb, throwIfFailed, type DbResult } from '../shared/scheduled.ts';

export interface VerifyHandlerOptions {
  env?: Env;
  observability?: Observability;
}

/** Reports as JSON (TXIDs as 16 hex digits). */
export type VerifyHandler = (event: ScheduledEvent) => Promise<Array<DbResult<VerifyReportJson>>>;

const PROBLEM_KINDS = ['checksum', 'header', 'gap', 'overlap', 'name', 'missing', 'integrity'] as const;

/**
 * One metric per problem kind and database (VerifyProblems, dimension Kind; zero included, so an alarm on it has
 * data), every problem logged with its key. A replica with problems is a finding, not a failed invocation; only
 * an error while verifying (e.g. the bucket is unreadable) fails the run. VERIFY_FULL=true also restores the newest
 * state into /tmp and runs SQLite's integrity check.
 */
export function createVerifyHandler(options: VerifyHandlerOptions = {}): VerifyHandler {
  const env = options.env ?? process.env;
  const { logger, metrics } = options.observability ?? createObservability('streambed-verify');
  return async (event) => {
    const full = booleanEnv(env, 'VERIFY_FULL', false);
    logger.info('verify run', { schedule: event.resources, full });
    const results = await forEachDb(env, async (client) => verifyReportJson(await verifyReplica(client, { full })));
    for (const r of results) {
      if (!r.result) {
        logger.error('verify failed', { db: r.db, error: r.error });
        continue;
      }
      const report = r.result;
      for (const kind of PROBLEM_KINDS) {
        const single = metrics.singleMetric();
        single.addDimension('Database', r.db);
        single.addDimension('Kind', kind);
        single.addMetric('VerifyProblems', MetricUnit.Count, report.problems.filter((p) => p.kind === kind).length);
      }
      for (const p of report.problems) logger[p.severity === 'error' ? 'error' : 'warn']('verify problem', { db: r.db, ...logAttributes(p) });
      logger.info('verify done', { db: r.db, ok: report.ok, files: report.files, restorableTXID: report.restorableTXID });
    }
    throwIfFailed(results, 'verify');
    return results;
  };
}

export const handler: VerifyHandler = createVerifyHandler();
