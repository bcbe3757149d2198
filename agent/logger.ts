// Agent logging: pino, printed as short readable lines by default or as JSON lines with `logging.type: json`.
import { Writable } from 'node:stream';
import pino from 'pino';
import type { Logger } from 'pino';
import type { LoggingConfig } from '../core/config/types.ts';

export type { Logger } from 'pino';

const LEVELS = new Set(['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent']);
const LEVEL_NAMES: Record<number, string> = { 10: 'TRACE', 20: 'DEBUG', 30: 'INFO', 40: 'WARN', 50: 'ERROR', 60: 'FATAL' };

/** Keys whose values must never reach a log line, wherever they appear. */
const SECRET_KEYS = [
  'secretAccessKey', 'accessKeyId', 'sessionToken', 'sseCustomerKey', 'password', 'token', 'accountKey', 'sasToken',
  'secret-access-key', 'access-key-id', 'sse-customer-key',
];
const REDACT_PATHS = SECRET_KEYS.flatMap((k) => [`"${k}"`, `*["${k}"]`, `*.*["${k}"]`]);

export interface LoggerOptions extends Partial<LoggingConfig> {
  /** Overrides the level (LOG_LEVEL has the same effect). */
  env?: NodeJS.ProcessEnv;
  /** Where lines go; defaults to stdout, or stderr with `logging.stderr`. */
  destination?: NodeJS.WritableStream;
}

export function createLogger(options: LoggerOptions = {}): Logger {
  const env = options.env ?? process.env;
  const fromEnv = env.LOG_LEVEL?.toLowerCase();
  const level = fromEnv && LEVELS.has(fromEnv) ? fromEnv : (options.level ?? 'info');
  const out = options.destination ?? (options.stderr ? process.stderr : process.stdout);
  const dest = options.type === 'json' ? out : textStream(out);
  return pino(
    { level, base: undefined, redact: { paths: REDACT_PATHS, censor: '[redacted]' }, timestamp: pino.stdTimeFunctions.isoTime },
    dest,
  );
}

/** A logger that drops everything (library default and tests). */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}

/** Turns pino's JSON lines into `time LEVEL msg key=value ...`. */
function textStream(out: NodeJS.WritableStream): Writable {
  return new Writable({
    write(chunk: Buffer, _enc, done) {
      for (const line of chunk.toString('utf8').split('\n')) {
        if (line) out.write(formatTextLine(line) + '\n');
      }
      done();
    },
  });
}

export function formatTextLine(json: string): string {
  let rec: Record<string, unknown>;
  try {
    rec = JSON.parse(json) as Record<string, unknown>;
  } catch {
    return json;
  }
  const { time, level, msg, err, ...rest } = rec;
  const parts = [String(time ?? ''), (LEVEL_NAMES[Number(level)] ?? String(level)).padEnd(5), String(msg ?? '')];
  for (const [k, v] of Object.entries(rest)) parts.push(`${k}=${formatValue(v)}`);
  if (err !== undefined && err !== null) parts.push(`error=${formatValue(errorText(err))}`);
  return parts.join(' ');
}

/** The reason carried by an `err` field, whatever its shape: a summary string, a serialized Error, any object. */
function errorText(err: unknown): string {
  if (typeof err !== 'object') return String(err);
  const e = err as { message?: unknown; type?: unknown; code?: unknown };
  if (typeof e.message === 'string' && e.message !== '') {
    const type = typeof e.type === 'string' && e.type !== 'Error' ? `${e.type}: ` : '';
    return `${type}${e.message}`;
  }
  if (typeof e.type === 'string') return typeof e.code === 'string' ? `${e.type} ${e.code}` : e.type;
  return JSON.stringify(err);
}

function formatValue(v: unknown): string {
  if (typeof v === 'string') return /[\s"=]/.test(v) || v === '' ? JSON.stringify(v) : v;
  return typeof v === 'object' && v !== null ? JSON.stringify(v) : String(v);
}
