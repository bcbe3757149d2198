// Powertools logger and metrics shared by the handlers, and an adapter to the core modules' logger interface.
import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import type { MaintenanceLogger } from '../../core/compact/index.ts';
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

/** Core modules log pino-style `(object, message)`; Powertools takes `(message, object)`. */
export function coreLogger(logger: Logger): MaintenanceLogger & { error(obj: object, msg?: string): void } {
  return {
    info: (obj, msg) => logger.info(msg ?? '', logAttributes(obj)),
    warn: (obj, msg) => logger.warn(msg ?? '', logAttributes(obj)),
    debug: (obj, msg) => logger.debug(msg ?? '', logAttributes(obj)),
    error: (obj, msg) => logger.error(msg ?? '', logAttributes(obj)),
  };
}

export function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
