// Powertools logger and metrics shared by the handlers, and an adapter to the core modules' logger interface.
import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import type { Logger as CoreLogger } from '../../core/log/logger.ts';
import { METRICS_NAMESPACE } from './metric-names.ts';

export { METRICS_NAMESPACE };

export interface Observability {
  logger: Logger;
  metrics: Metrics;
}

/** POWERTOOLS_SERVICE_NAME / POWERTOOLS_LOG_LEVEL / POWERTOOLS_METRICS_NAMESPACE still override these defaults. */
export function createObservability(serviceName: string): Observability {
  return {
    logger: new Logger({ serviceName }),
    metrics: new Metrics({ namespace: METRICS_NAMESPACE, serviceName }),
  };
}

/** Keys Powertools owns in every log line; core's `level` (an LTX level) would otherwise be dropped. */
const RESERVED_KEYS = new Set(['level', 'message', 'timestamp', 'service', 'sampling_rate', 'xray_trace_id', 'cold_start']);

export function logAttributes(obj: object): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(obj)) out[RESERVED_KEYS.has(k) ? `ltx_${k}` : k] = v;
  return out;
}

/** The Powertools adapter of core's logger: core logs pino-style `(fields, message)`; Powertools takes `(message, fields)`. */
export function coreLogger(logger: Logger): CoreLogger {
  return {
    debug: (fields, msg) => logger.debug(msg, logAttributes(fields)),
    info: (fields, msg) => logger.info(msg, logAttributes(fields)),
    warn: (fields, msg) => logger.warn(msg, logAttributes(fields)),
    error: (fields, msg) => logger.error(msg, logAttributes(fields)),
  };
}

export function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
