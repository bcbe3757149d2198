// Test helpers: a pino logger whose lines are kept as objects, to assert on what the agent logged.
import pino from 'pino';
import type { Logger } from '../../../agent/logger.ts';

export interface CapturedLog {
  logger: Logger;
  lines: Array<Record<string, unknown> & { msg?: string; level: number }>;
  /** Lines whose message contains `text`. */
  find(text: string): Array<Record<string, unknown>>;
}

export function captureLogger(level = 'debug'): CapturedLog {
  const lines: CapturedLog['lines'] = [];
  const logger = pino({ level, base: undefined }, { write: (line: string) => void lines.push(JSON.parse(line)) });
  return { logger, lines, find: (text) => lines.filter((l) => typeof l.msg === 'string' && l.msg.includes(text)) };
}
