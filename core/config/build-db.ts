// One `dbs[]` entry → DbConfig: path normalisation, per-database settings and its single replica.
import {
  DEFAULT_BUSY_TIMEOUT, DEFAULT_CHECKPOINT_INTERVAL, DEFAULT_MAX_SYNC_WAL_BYTES, DEFAULT_MIN_CHECKPOINT_PAGE_COUNT,
  DEFAULT_MONITOR_INTERVAL, DEFAULT_TRUNCATE_PAGE_N,
} from './defaults.ts';
import { buildReplica } from './build-replica.ts';
import type { LegacyReplicaSettings } from './build-replica.ts';
import { checkKeys, fail, fieldsOf, isSet, readBool, readDuration, readInt, readMaintenanceDuration, readMap, readSize, readString } from './fields.ts';
import type { Field, Fields, ReadContext } from './fields.ts';
import { DB_KEYS, SNAPSHOT_KEYS } from './keys.ts';
import { defaultMetaPath } from '../layout/names.ts';
import { expandPath } from './paths.ts';
import { globMatcher } from './dir-entry.ts';
import type { DbConfig, DirConfig } from './types.ts';
import type { MapNode } from './yaml-tree.ts';

/** A per-database `snapshot:` section (HEAD): must agree across databases, checked by the caller. */
export interface DbSnapshot {
  interval?: number;
  retention?: number;
  field: Field;
}

export interface BuiltDb {
  /** For a `dir` entry: the template every discovered database gets (its `path` is the directory). */
  db: DbConfig;
  dir?: DirConfig;
  snapshot?: DbSnapshot;
  legacy: LegacyReplicaSettings;
}

function readSnapshot(field: Field | undefined, ctx: ReadContext): DbSnapshot | undefined {
  const map = readMap(field);
  if (!map || !field) return undefined;
  const f = fieldsOf(map, field.path, ctx.file);
  checkKeys(f, SNAPSHOT_KEYS, 'snapshot', ctx);
  return {
    interval: readMaintenanceDuration(f.get('interval'), 'snapshotInterval'),
    retention: readMaintenanceDuration(f.get('retention'), 'snapshotRetention'),
    field,
  };
}

/** The replica section: `replica:` or a v0.3 `replicas:` list with exactly one entry. */
function replicaField(f: Fields, where: Field): Field {
  const one = f.get('replica');
  const many = f.get('replicas');
  if (one && isSet(one) && many && isSet(many)) fail(many, 'cannot be used together with `replica`; keep only `replica:`');
  if (one && isSet(one)) return one;
  if (many && isSet(many)) {
    if (many.node.kind !== 'seq') fail(many, 'must be a list (v0.3 style) with one replica; or use `replica:` with a mapping');
    if (many.node.items.length > 1) {
      fail(many, `lists ${many.node.items.length} replicas, but only one replica per database is supported (single remote authority, as in Litestream v0.5); keep one entry`);
    }
    return { ...many, path: `${many.path}[0]`, node: many.node.items[0], line: many.node.items[0].line };
  }
  return fail(where, 'the database has no replica; add a `replica:` section (e.g. `url: s3://bucket/path`)');
}

function noteLegacy(f: Fields, ctx: ReadContext): void {
  for (const key of ['max-checkpoint-page-count', 'monitor-delay-interval', 'shadow-retention-count', 'heartbeat-url', 'heartbeat-interval', 'meta-dir']) {
    const field = f.get(key);
    if (field) ctx.notes.push(`${field.path} (line ${field.line}): not used by streambed; ignored`);
  }
  const watch = f.get('watch');
  if (watch) ctx.notes.push(`${watch.path} (line ${watch.line}): streambed always watches a \`dir\` for new and deleted databases; ignored`);
}

/** `dir`, `pattern` and `recursive` of a directory entry (undefined for a single-database entry). */
function readDirKeys(f: Fields, where: Field, ctx: ReadContext): Omit<DirConfig, 'template' | 'metaBase'> | undefined {
  const dirField = f.get('dir');
  const patternField = f.get('pattern');
  const recursiveField = f.get('recursive');
  const dirText = readString(dirField);
  if (!dirText || !dirField) {
    for (const other of [patternField, recursiveField]) {
      if (other) ctx.notes.push(`${other.path} (line ${other.line}): only used with \`dir\`; ignored`);
    }
    return undefined;
  }
  const pathField = f.get('path');
  if (pathField && isSet(pathField)) fail(pathField, 'cannot be used together with `dir`; use `path` for one database or `dir` + `pattern` for every database in a directory');
  const pattern = readString(patternField);
  if (!pattern || !patternField) return fail(patternField ?? where, 'directory replication (`dir`) needs `pattern`, a glob on the file name such as "*.db"');
  try {
    globMatcher(pattern);
  } catch (err) {
    fail(patternField, `the pattern ${JSON.stringify(pattern)} ${(err as Error).message}; use a glob such as "*.db"`);
  }
  return { dir: expandPath(dirText), pattern, recursive: readBool(recursiveField) ?? false };
}

/** Builds dbs[index]; `globals` are the top-level replica settings. */
export function buildDb(node: MapNode, index: number, globals: Fields, ctx: ReadContext): BuiltDb {
  const prefix = `dbs[${index}]`;
  const where: Field = { name: prefix, path: prefix, line: node.line, node, file: ctx.file };
  const f = fieldsOf(node, prefix, ctx.file);
  checkKeys(f, DB_KEYS, 'a database entry', ctx);
  const dirKeys = readDirKeys(f, where, ctx);
  const pathText = dirKeys?.dir ?? readString(f.get('path'));
  if (!pathText) fail(f.get('path') ?? where, 'each database needs `path` (the SQLite file to replicate), or `dir` + `pattern` for a directory of databases');
  noteLegacy(f, ctx);
  const path = expandPath(pathText);
  const metaPath = readString(f.get('meta-path'));
  const rf = replicaField(f, where);
  const replicaMap = readMap(rf);
  if (!replicaMap) return fail(rf, 'must be a mapping of replica settings');
  const { replica, legacy } = buildReplica({ own: fieldsOf(replicaMap, rf.path, ctx.file), globals, where: rf }, ctx);
  const maxSyncWalBytes = readSize(f.get('max-sync-wal-bytes'));
  if (maxSyncWalBytes !== undefined && maxSyncWalBytes <= 0) fail(f.get('max-sync-wal-bytes')!, 'must be greater than 0');
  const db: DbConfig = {
    path,
    metaPath: metaPath ? expandPath(metaPath) : defaultMetaPath(path),
    monitorInterval: readDuration(f.get('monitor-interval'), { positive: true }) ?? DEFAULT_MONITOR_INTERVAL,
    checkpointInterval: readDuration(f.get('checkpoint-interval')) ?? DEFAULT_CHECKPOINT_INTERVAL,
    busyTimeout: readDuration(f.get('busy-timeout')) ?? DEFAULT_BUSY_TIMEOUT,
    minCheckpointPageCount: readInt(f.get('min-checkpoint-page-count'), 0) ?? DEFAULT_MIN_CHECKPOINT_PAGE_COUNT,
    truncatePageN: readInt(f.get('truncate-page-n'), 0) ?? DEFAULT_TRUNCATE_PAGE_N,
    maxSyncWalBytes: maxSyncWalBytes ?? DEFAULT_MAX_SYNC_WAL_BYTES,
    restoreIfDbNotExists: readBool(f.get('restore-if-db-not-exists')) ?? false,
    replica,
  };
  const snapshot = readSnapshot(f.get('snapshot'), ctx);
  if (!dirKeys) return { db, snapshot, legacy };
  // Each discovered database gets its own staging directory (derived from meta-path, if given, in dir-entry.ts).
  const dir: DirConfig = { ...dirKeys, template: { ...db, metaPath: undefined } };
  if (metaPath) dir.metaBase = expandPath(metaPath);
  return { db: dir.template, dir, snapshot, legacy };
}
