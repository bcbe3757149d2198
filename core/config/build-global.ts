// Top-level sections other than `dbs`: logging, levels, snapshot, retention, heartbeat, shutdown, compaction.
import {
  DEFAULT_HEARTBEAT_INTERVAL, DEFAULT_L0_RETENTION, DEFAULT_L0_RETENTION_CHECK_INTERVAL, DEFAULT_LEVEL_INTERVALS,
  DEFAULT_SHUTDOWN_SYNC_INTERVAL, DEFAULT_SHUTDOWN_SYNC_TIMEOUT, DEFAULT_SNAPSHOT_INTERVAL, DEFAULT_SNAPSHOT_RETENTION,
  MIN_HEARTBEAT_INTERVAL,
} from './defaults.ts';
import { levelsProblem } from '../compact/settings.ts';
import { checkKeys, fail, fieldsOf, isSet, readBool, readDuration, readMaintenanceDuration, readMap, readString } from './fields.ts';
import type { Field, Fields, ReadContext } from './fields.ts';
import { LEVEL_KEYS, LOGGING_KEYS, RETENTION_KEYS, SNAPSHOT_KEYS, SOCKET_KEYS, VALIDATION_KEYS } from './keys.ts';
import { didYouMean } from './suggest.ts';
import type { LoggingConfig, StreambedConfig } from './types.ts';

export type GlobalSettings = Omit<StreambedConfig, 'dbs' | 'source' | 'notes'> & {
  /** Whether snapshot interval/retention were written explicitly (v0.3 and per-db values may then not override). */
  snapshotExplicit: { interval: boolean; retention: boolean };
};

const LEVELS = ['trace', 'debug', 'info', 'warn', 'error'] as const;

function section(g: Fields, key: string, allowed: ReadonlySet<string>, ctx: ReadContext): Fields {
  const field = g.get(key);
  const map = readMap(field);
  if (!map || !field) return new Map();
  const f = fieldsOf(map, field.path, ctx.file);
  checkKeys(f, allowed, key, ctx);
  return f;
}

function parseLevel(text: string): LoggingConfig['level'] | undefined {
  const v = text.toLowerCase();
  if (v === 'warning') return 'warn';
  return (LEVELS as readonly string[]).includes(v) ? (v as LoggingConfig['level']) : undefined;
}

function logging(g: Fields, ctx: ReadContext): LoggingConfig {
  const f = section(g, 'logging', LOGGING_KEYS, ctx);
  const levelField = f.get('level');
  const levelText = readString(levelField);
  let level = levelText ? parseLevel(levelText) : 'info';
  if (!level && levelField) fail(levelField, `unknown log level ${JSON.stringify(levelText)}${didYouMean(levelText ?? '', LEVELS)}; use ${LEVELS.join(', ')}`);
  const envLevel = ctx.env.LOG_LEVEL;
  if (envLevel) {
    const parsed = parseLevel(envLevel);
    if (parsed) level = parsed;
    else ctx.notes.push(`LOG_LEVEL=${JSON.stringify(envLevel)} is not a log level (${LEVELS.join(', ')}); ignored`);
  }
  const typeField = f.get('type');
  let type = readString(typeField) ?? 'text';
  if (type === 'pretty' && typeField) {
    ctx.notes.push(`logging.type (line ${typeField.line}): pretty (Litestream's coloured console format) is printed as text`);
    type = 'text';
  }
  if (type !== 'text' && type !== 'json' && typeField) fail(typeField, `must be text or json, not ${JSON.stringify(type)}`);
  const out: LoggingConfig = { level: level ?? 'info', type: type as 'text' | 'json', stderr: readBool(f.get('stderr')) ?? false };
  const sourceField = f.get('source');
  const source = readBool(sourceField);
  if (source !== undefined) out.source = source;
  if (source && sourceField) ctx.notes.push(`logging.source (line ${sourceField.line}): log lines do not carry source locations in streambed; ignored`);
  return out;
}

function levels(g: Fields, ctx: ReadContext): number[] {
  const field = g.get('levels');
  if (!field || (field.node.kind === 'scalar' && field.node.value === null)) return [...DEFAULT_LEVEL_INTERVALS];
  if (field.node.kind !== 'seq') fail(field, 'must be a list of `- interval: DURATION` entries (L1, L2, ...)');
  const out = field.node.items.map((item, i) => {
    const itemField: Field = { ...field, path: `${field.path}[${i}]`, node: item, line: item.line };
    const map = readMap(itemField);
    if (!map) return fail(itemField, 'must be a mapping such as `- interval: 30s`');
    const f = fieldsOf(map, itemField.path, ctx.file);
    checkKeys(f, LEVEL_KEYS, 'a compaction level', ctx);
    const interval = readDuration(f.get('interval'), { signed: true });
    if (interval === undefined) return fail(itemField, 'needs `interval` (e.g. `interval: 5m`)');
    return interval;
  });
  const problem = levelsProblem(out);
  if (problem) fail(field, problem);
  return out;
}

function heartbeat(g: Fields): Pick<StreambedConfig, 'heartbeatUrl' | 'heartbeatInterval'> {
  const urlField = g.get('heartbeat-url');
  const url = readString(urlField);
  if (url && urlField && !/^https?:\/\//.test(url)) fail(urlField, 'must be an http:// or https:// URL');
  const intervalField = g.get('heartbeat-interval');
  const interval = readDuration(intervalField);
  if (interval !== undefined && interval < MIN_HEARTBEAT_INTERVAL && intervalField) fail(intervalField, 'must be at least 1m');
  if (!url) return {};
  return { heartbeatUrl: url, heartbeatInterval: interval ?? DEFAULT_HEARTBEAT_INTERVAL };
}

function compaction(g: Fields): 'local' | 'remote' {
  const field = g.get('compaction');
  const value = readString(field) ?? 'local';
  if (value !== 'local' && value !== 'remote' && field) {
    fail(field, `must be local (the agent compacts) or remote (deployed Lambdas compact), not ${JSON.stringify(value)}${didYouMean(value, ['local', 'remote'])}`);
  }
  return value as 'local' | 'remote';
}

function noteUnsupported(g: Fields, ctx: ReadContext): void {
  const socket = section(g, 'socket', SOCKET_KEYS, ctx);
  if (readBool(socket.get('enabled'))) ctx.notes.push('socket: the control socket is not supported by streambed; ignored');
  const mcp = g.get('mcp-addr');
  if (mcp && isSet(mcp)) ctx.notes.push(`mcp-addr (line ${mcp.line}): the MCP server is not supported by streambed; ignored`);
}

/** Litestream settings read (and printed by `streambed config`) that streambed does not act on. */
function noteIgnored(out: GlobalSettings, validation: Field | undefined, verifyCompaction: Field | undefined, ctx: ReadContext): void {
  if (out.validationInterval !== undefined && validation) {
    ctx.notes.push(`validation.interval (line ${validation.line}): the agent does not check the replica's levels on a schedule (run \`streambed verify\`); ignored`);
  }
  if (out.verifyCompaction && verifyCompaction) {
    ctx.notes.push(`verify-compaction (line ${verifyCompaction.line}): the agent does not check level contiguity after each compaction (run \`streambed verify\`); ignored`);
  }
}

/** Reads every top-level setting except `dbs` and the replica defaults. */
export function buildGlobal(g: Fields, ctx: ReadContext): GlobalSettings {
  noteUnsupported(g, ctx);
  const snapshot = section(g, 'snapshot', SNAPSHOT_KEYS, ctx);
  const retentionField = g.get('retention');
  let retention: Fields = new Map();
  if (retentionField?.node.kind === 'scalar' && retentionField.node.value !== null) {
    readDuration(retentionField);
    ctx.notes.push(`retention (line ${retentionField.line}): a Litestream v0.3 style duration; use snapshot.retention; ignored`);
  } else {
    retention = section(g, 'retention', RETENTION_KEYS, ctx);
  }
  const validation = section(g, 'validation', VALIDATION_KEYS, ctx);
  const shutdownTimeout = readDuration(g.get('shutdown-sync-timeout'));
  const out: GlobalSettings = {
    addr: readString(g.get('addr')),
    mcpAddr: readString(g.get('mcp-addr')),
    exec: readString(g.get('exec')),
    logging: logging(g, ctx),
    levels: levels(g, ctx),
    snapshot: {
      interval: readMaintenanceDuration(snapshot.get('interval'), 'snapshotInterval') ?? DEFAULT_SNAPSHOT_INTERVAL,
      retention: readMaintenanceDuration(snapshot.get('retention'), 'snapshotRetention') ?? DEFAULT_SNAPSHOT_RETENTION,
    },
    snapshotExplicit: { interval: isSet(snapshot.get('interval')), retention: isSet(snapshot.get('retention')) },
    l0Retention: readMaintenanceDuration(g.get('l0-retention'), 'l0Retention') ?? DEFAULT_L0_RETENTION,
    l0RetentionCheckInterval: readDuration(g.get('l0-retention-check-interval'), { positive: true }) ?? DEFAULT_L0_RETENTION_CHECK_INTERVAL,
    retention: { enabled: readBool(retention.get('enabled')) ?? true },
    compaction: compaction(g),
    validationInterval: readDuration(validation.get('interval'), { positive: true }),
    verifyCompaction: readBool(g.get('verify-compaction')) ?? false,
    shutdownSyncTimeout: shutdownTimeout ?? DEFAULT_SHUTDOWN_SYNC_TIMEOUT,
    shutdownSyncInterval: readDuration(g.get('shutdown-sync-interval'), { positive: true }) ?? DEFAULT_SHUTDOWN_SYNC_INTERVAL,
    ...heartbeat(g),
  };
  noteIgnored(out, validation.get('interval'), g.get('verify-compaction'), ctx);
  for (const k of Object.keys(out) as (keyof GlobalSettings)[]) if (out[k] === undefined) delete out[k];
  return out;
}
