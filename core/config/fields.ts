// Typed readers for config values that report errors with the file, line and full key path.
import { ConfigError } from '../errors.ts';
import { durationProblem } from '../compact/settings.ts';
import type { MaintenanceDurations } from '../compact/settings.ts';
import { parseDuration } from './duration.ts';
import { SECRET_KEYS } from './keys.ts';
import { parseByteSize } from './size.ts';
import { didYouMean } from './suggest.ts';
import type { ConfigNode, MapNode } from './yaml-tree.ts';

/** Where config values come from, and the notes collected while reading them. */
export interface ReadContext {
  file?: string;
  env: NodeJS.ProcessEnv;
  notes: string[];
  /** LITESTREAM_S3_ENDPOINT: endpoint of S3 replicas built from a command-line URL that names none. */
  endpointFallback?: string;
  /** `-ignore-unknown` / STREAMBED_IGNORE_UNKNOWN=1: an unknown key becomes a note instead of an error. */
  ignoreUnknown?: boolean;
}

/** One key's value with enough context to report an error about it. */
export interface Field {
  /** Last key segment, e.g. `part-size`. */
  name: string;
  /** Full key path, e.g. `dbs[0].replica.part-size`. */
  path: string;
  /** Undefined for values that did not come from a file (a URL on the command line). */
  line?: number;
  node: ConfigNode;
  file?: string;
}

export type Fields = Map<string, Field>;

export function fail(field: Pick<Field, 'path' | 'line' | 'file'>, message: string): never {
  // Line 0 marks values that did not come from a file (a replica URL given on the command line).
  throw new ConfigError(message, { file: field.file, line: field.line || undefined, key: field.path || undefined });
}

/** Quotes the value in a message unless the key holds a secret. */
function shown(field: Field, text: string): string {
  return SECRET_KEYS.has(field.name) ? 'the value' : JSON.stringify(text);
}

export function fieldsOf(map: MapNode, prefix: string, file: string | undefined): Fields {
  const out: Fields = new Map();
  for (const [key, e] of map.entries) {
    out.set(key, { name: key, path: prefix ? `${prefix}.${key}` : key, line: e.line, node: e.value, file });
  }
  return out;
}

/**
 * Rejects keys outside `allowed`, naming the key and line and suggesting the closest known key. With
 * `ctx.ignoreUnknown` each such key is dropped with one note naming the file, key and line instead.
 */
export function checkKeys(fields: Fields, allowed: ReadonlySet<string>, where: string, ctx?: ReadContext): void {
  for (const f of [...fields.values()]) {
    if (allowed.has(f.name)) continue;
    const hint = didYouMean(f.name, allowed);
    if (!ctx?.ignoreUnknown) fail(f, `unknown key in ${where}${hint}; remove it or fix its spelling (or pass -ignore-unknown to skip keys streambed does not use)`);
    ctx.notes.push(`${f.file ?? 'config'}${f.line ? `:${f.line}` : ''}: unknown key ${f.path} in ${where}${hint}; ignored (-ignore-unknown)`);
    fields.delete(f.name);
  }
}

function scalarText(field: Field, what: string): string | undefined {
  if (field.node.kind !== 'scalar') fail(field, `must be ${what}, not a ${field.node.kind === 'map' ? 'mapping' : 'list'}`);
  return field.node.value ?? undefined;
}

export function readString(field: Field | undefined): string | undefined {
  return field ? scalarText(field, 'a string') : undefined;
}

export function readMap(field: Field | undefined): MapNode | undefined {
  if (!field) return undefined;
  if (field.node.kind === 'scalar' && field.node.value === null) return undefined;
  if (field.node.kind !== 'map') fail(field, 'must be a mapping of keys to values (indent the keys below it)');
  return field.node;
}

const TRUE = new Set(['true', 'True', 'TRUE', 'yes', 'Yes', 'YES', 'y', 'Y', 'on', 'On', 'ON']);
const FALSE = new Set(['false', 'False', 'FALSE', 'no', 'No', 'NO', 'n', 'N', 'off', 'Off', 'OFF']);

export function readBool(field: Field | undefined): boolean | undefined {
  const text = field && scalarText(field, 'true or false');
  if (text === undefined || !field) return undefined;
  if (TRUE.has(text)) return true;
  if (FALSE.has(text)) return false;
  return fail(field, `must be true or false, not ${shown(field, text)}`);
}

export function readInt(field: Field | undefined, min = 0): number | undefined {
  const text = field && scalarText(field, 'a whole number');
  if (text === undefined || !field) return undefined;
  const clean = text.replace(/_/g, '');
  const n = /^[+-]?\d+$/.test(clean) ? Number(clean) : /^0x[0-9a-f]+$/i.test(clean) ? Number.parseInt(clean, 16) : NaN;
  if (!Number.isSafeInteger(n)) fail(field, `must be a whole number, not ${shown(field, text)}`);
  if (n < min) fail(field, `must be at least ${min}, not ${n}`);
  return n;
}

/** `signed`: leave the sign to the caller's validator (maintenance settings are checked by core/compact/settings.ts). */
export function readDuration(field: Field | undefined, opts: { min?: number; positive?: boolean; signed?: boolean } = {}): number | undefined {
  const text = field && scalarText(field, 'a duration');
  if (text === undefined || !field) return undefined;
  let ms: number;
  try {
    ms = parseDuration(text);
  } catch (err) {
    return fail(field, `invalid duration ${shown(field, text)}: ${(err as Error).message}`);
  }
  if (opts.positive && ms <= 0) fail(field, `must be greater than 0, not ${text}`);
  if (ms < 0 && !opts.signed) fail(field, `must not be negative, not ${text}`);
  if (opts.min !== undefined && ms < opts.min) fail(field, `must be at least ${opts.min} ms, not ${text}`);
  return ms;
}

/** A maintenance duration, checked by the validator the Lambda environment and the CDK construct use too. */
export function readMaintenanceDuration(field: Field | undefined, setting: Exclude<keyof MaintenanceDurations, 'levels'>): number | undefined {
  const value = readDuration(field, { signed: true });
  const problem = value === undefined ? undefined : durationProblem(setting, value);
  if (problem && field) fail(field, problem);
  return value;
}

export function readSize(field: Field | undefined): number | undefined {
  const text = field && scalarText(field, 'a byte size');
  if (text === undefined || !field) return undefined;
  try {
    return parseByteSize(text);
  } catch (err) {
    return fail(field, `invalid size ${shown(field, text)}: ${(err as Error).message}`);
  }
}

function hasValue(n: ConfigNode): boolean {
  if (n.kind === 'scalar') return n.value !== null && n.value !== '';
  if (n.kind === 'seq') return n.items.some(hasValue);
  return [...n.entries.values()].some((e) => hasValue(e.value));
}

/** True when the key is present with a non-empty value (empty mappings and lists do not count). */
export function isSet(field: Field | undefined): boolean {
  return field !== undefined && hasValue(field.node);
}
