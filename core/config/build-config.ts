// The whole config tree → StreambedConfig: top-level keys, replica defaults, databases, and snapshot agreement.
import { ConfigError } from '../errors.ts';
import { buildDb } from './build-db.ts';
import type { BuiltDb } from './build-db.ts';
import { buildGlobal } from './build-global.ts';
import type { GlobalSettings } from './build-global.ts';
import { formatDuration } from '../util/duration.ts';
import { checkKeys, fail, fieldsOf, readBool, readDuration, readInt, readSize, readString } from './fields.ts';
import { partSizeProblem } from '../replica/s3-config.ts';
import type { Fields, ReadContext } from './fields.ts';
import { GLOBAL_KEYS, REPLICA_SETTING_KEYS } from './keys.ts';
import type { StreambedConfig } from './types.ts';
import type { ConfigNode } from './yaml-tree.ts';

/** Top-level `x-...` keys hold YAML anchors for reuse (as in Docker Compose); they are not settings. */
function withoutExtensions(fields: Fields): Fields {
  return new Map([...fields].filter(([k]) => !k.startsWith('x-')));
}

const DURATION_KEYS = new Set(['sync-interval', 'validation-interval', 'reconnect-wait', 'timeout']);
const INT_KEYS = new Set(['max-sync-ltx-files', 'concurrency', 'max-reconnects']);
const BOOL_KEYS = new Set(['force-path-style', 'skip-verify', 'sign-payload', 'require-content-md5', 'auto-recover', 'concurrent-writes', 'tls']);
const LIST_KEYS = new Set(['root-cas', 'age']);

/** Top-level replica settings, type-checked even when no replica uses them. */
function replicaDefaults(g: Fields): Fields {
  const keys = new Set<string>(REPLICA_SETTING_KEYS);
  const defaults: Fields = new Map([...g].filter(([k]) => keys.has(k)));
  for (const [key, f] of defaults) {
    // sync-interval 0 is the low-latency mode (ship on every WAL change); every other duration must be > 0.
    if (DURATION_KEYS.has(key)) readDuration(f, { positive: key !== 'sync-interval' });
    else if (INT_KEYS.has(key)) readInt(f, 1);
    else if (BOOL_KEYS.has(key)) readBool(f);
    else if (key === 'part-size') {
      const size = readSize(f);
      const problem = size === undefined ? undefined : partSizeProblem(size);
      if (problem) fail(f, problem);
    } else if (!LIST_KEYS.has(key)) readString(f);
  }
  return defaults;
}

function buildDbs(g: Fields, ctx: ReadContext): BuiltDb[] {
  const defaults = replicaDefaults(g);
  const field = g.get('dbs');
  if (!field || (field.node.kind === 'scalar' && field.node.value === null)) return [];
  if (field.node.kind !== 'seq') fail(field, 'must be a list of databases (`- path: /var/lib/app.db`)');
  const built = field.node.items.map((item, i) => {
    if (item.kind !== 'map') fail({ path: `dbs[${i}]`, line: item.line, file: ctx.file }, 'must be a mapping with `path` and `replica`');
    return buildDb(item, i, defaults, ctx);
  });
  const seen = new Map<string, number>();
  built.forEach((b, i) => {
    const key = b.dir ? `${b.dir.dir}\0${b.dir.pattern}` : b.db.path;
    const prev = seen.get(key);
    if (prev !== undefined) fail({ path: `dbs[${i}].${b.dir ? 'dir' : 'path'}`, line: field.node.kind === 'seq' ? field.node.items[i].line : undefined, file: ctx.file }, `${b.dir ? `${b.dir.dir} with pattern ${b.dir.pattern}` : b.db.path} is already listed as dbs[${prev}]; list each database once`);
    seen.set(key, i);
  });
  return built;
}

/** Per-database `snapshot:` must agree everywhere; it then becomes the global schedule. */
function applyDbSnapshots(global: GlobalSettings, dbs: BuiltDb[]): void {
  for (const which of ['interval', 'retention'] as const) {
    let chosen: { value: number; from: string } | undefined = global.snapshotExplicit[which]
      ? { value: global.snapshot[which], from: `snapshot.${which}` }
      : undefined;
    for (const b of dbs) {
      const value = b.snapshot?.[which];
      if (value === undefined || !b.snapshot) continue;
      if (chosen && chosen.value !== value) {
        fail(b.snapshot.field, `${which} ${formatDuration(value)} differs from ${formatDuration(chosen.value)} in ${chosen.from}; snapshot settings must be the same for every database`);
      }
      chosen ??= { value, from: `${b.snapshot.field.path}.${which}` };
      global.snapshot[which] = value;
      global.snapshotExplicit[which] = true;
    }
  }
}

/** v0.3 per-replica `retention` / `snapshot-interval` fill in the global snapshot settings when those are not set. */
function applyLegacy(global: GlobalSettings, dbs: BuiltDb[], ctx: ReadContext): void {
  const retentions = dbs.map((b) => b.legacy.retention).filter((v): v is number => v !== undefined);
  const intervals = dbs.map((b) => b.legacy.snapshotInterval).filter((v): v is number => v !== undefined);
  if (retentions.length && !global.snapshotExplicit.retention) {
    global.snapshot.retention = Math.max(...retentions); // keep the longest history any replica asked for
    ctx.notes.push(`snapshot.retention set to ${formatDuration(global.snapshot.retention)} from v0.3 replica retention`);
  }
  if (intervals.length && !global.snapshotExplicit.interval) {
    global.snapshot.interval = Math.min(...intervals);
    ctx.notes.push(`snapshot.interval set to ${formatDuration(global.snapshot.interval)} from v0.3 replica snapshot-interval`);
  }
}

/** Builds the effective configuration from a parsed tree (undefined for an empty file). */
export function buildConfig(tree: ConfigNode | undefined, ctx: ReadContext): StreambedConfig {
  if (tree && tree.kind !== 'map') {
    throw new ConfigError('the configuration must be a mapping of keys (addr, dbs, ...), not a list or a value', { file: ctx.file, line: tree.line });
  }
  const g = withoutExtensions(tree ? fieldsOf(tree, '', ctx.file) : new Map());
  checkKeys(g, GLOBAL_KEYS, 'the top level', ctx);
  const global = buildGlobal(g, ctx);
  const dbs = buildDbs(g, ctx);
  applyDbSnapshots(global, dbs);
  applyLegacy(global, dbs, ctx);
  const { snapshotExplicit: _explicit, ...settings } = global;
  const config: StreambedConfig = { ...settings, dbs: dbs.filter((b) => !b.dir).map((b) => b.db) };
  const dirs = dbs.flatMap((b) => (b.dir ? [b.dir] : []));
  if (dirs.length) config.dirs = dirs;
  const cap = g.get('max-requests-per-second');
  const perSecond = readInt(cap, 1);
  if (perSecond !== undefined) config.maxRequestsPerSecond = perSecond;
  if (ctx.file) config.source = ctx.file;
  if (ctx.notes.length) config.notes = [...ctx.notes];
  return config;
}
