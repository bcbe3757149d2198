// One replica section (v0.5 `replica:` or a v0.3 `replicas:` entry) → ReplicaConfig, with global settings as defaults.
import { DEFAULT_MAX_SYNC_LTX_FILES, DEFAULT_SYNC_INTERVAL } from './defaults.ts';
import { buildS3Options } from './build-s3.ts';
import { checkKeys, fail, isSet, readBool, readDuration, readInt, readMaintenanceDuration, readString } from './fields.ts';
import type { Field, Fields, ReadContext } from './fields.ts';
import { KNOWN_REPLICA_TYPES, OTHER_BACKEND_KEYS, REPLICA_KEYS, S3_KEYS, SUPPORTED_REPLICA_TYPES } from './keys.ts';
import { expandPath } from './paths.ts';
import { isUrl, parseReplicaUrl, redactUrl } from './replica-url.ts';
import type { ReplicaUrlSettings } from './replica-url.ts';
import { didYouMean } from './suggest.ts';
import type { ReplicaConfig } from './types.ts';

export interface ReplicaSources {
  own: Fields;
  globals: Fields;
  where: Pick<Field, 'path' | 'line' | 'file'>;
}

/** v0.3 per-replica settings that v0.5 moved to the global `snapshot:` section. */
export interface LegacyReplicaSettings {
  retention?: number;
  snapshotInterval?: number;
}

function unsupportedType(type: string): string {
  return `replica type ${type} is not supported by streambed; supported: ${SUPPORTED_REPLICA_TYPES.join(', ')}`;
}

function parseUrlField(field: Field | undefined): ReplicaUrlSettings | undefined {
  const url = readString(field);
  if (!url || !field) return undefined;
  if (!isUrl(url)) fail(field, `must be a URL such as s3://bucket/path or file:///dir, not ${JSON.stringify(redactUrl(url))}; for a directory use \`path\``);
  try {
    return parseReplicaUrl(url);
  } catch (err) {
    return fail(field, (err as Error).message);
  }
}

function replicaType(src: ReplicaSources, parsed: ReplicaUrlSettings | undefined): 's3' | 'file' {
  const typeField = src.own.get('type');
  const written = readString(typeField)?.toLowerCase();
  if (written && typeField && !(KNOWN_REPLICA_TYPES as readonly string[]).includes(written)) {
    fail(typeField, `unknown replica type ${JSON.stringify(written)}${didYouMean(written, SUPPORTED_REPLICA_TYPES)}; supported: s3, file`);
  }
  const urlField = src.own.get('url');
  if (parsed?.type === 'other' && urlField) fail(urlField, unsupportedType(parsed.scheme));
  if (written && written !== 's3' && written !== 'file' && typeField) fail(typeField, unsupportedType(written));
  const fromUrl = parsed?.type === 's3' || parsed?.type === 'file' ? parsed.type : undefined;
  if (written && fromUrl && written !== fromUrl && typeField) fail(typeField, `type ${written} contradicts the url scheme ${fromUrl}://; remove \`type\``);
  const type = (fromUrl ?? written ?? 'file') as 's3' | 'file';
  const bucketField = src.own.get('bucket');
  if (type === 'file' && !written && !fromUrl && bucketField && isSet(bucketField)) {
    fail(bucketField, 'is set but the replica has no `type` or `url`, so it would be a file replica; add `type: s3`');
  }
  return type;
}

function checkExclusive(src: ReplicaSources): void {
  const url = src.own.get('url');
  if (!url || !isSet(url)) return;
  for (const other of ['path', 'bucket'] as const) {
    const f = src.own.get(other);
    if (f && isSet(f)) fail(f, `\`url\` and \`${other}\` cannot both be set; put the bucket and path in the URL (s3://bucket/path) or drop \`url\` and use \`bucket\` + \`path\``);
  }
}

function rejectAge(src: ReplicaSources): void {
  for (const f of [src.own.get('age'), src.globals.get('age')]) {
    if (f && isSet(f)) {
      fail(f, 'age encryption is not supported (Litestream v0.5 removed it and streambed does not implement it); remove the `age` section, and use sse-kms-key-id or sse-customer-key for encryption at rest');
    }
  }
}

/** Reads v0.3 settings for the caller to map, and notes keys this replica type does not use. */
function readLegacyNoteIgnored(src: ReplicaSources, type: 's3' | 'file', ctx: ReadContext): LegacyReplicaSettings {
  const legacy: LegacyReplicaSettings = {};
  const own = src.own;
  const name = own.get('name');
  if (name) ctx.notes.push(`${name.path} (line ${name.line}): replica names are deprecated and ignored`);
  const retention = own.get('retention');
  legacy.retention = readMaintenanceDuration(retention, 'snapshotRetention');
  legacy.snapshotInterval = readMaintenanceDuration(own.get('snapshot-interval'), 'snapshotInterval');
  readDuration(own.get('retention-check-interval'));
  for (const key of ['retention', 'snapshot-interval', 'retention-check-interval']) {
    const f = own.get(key);
    if (f) ctx.notes.push(`${f.path} (line ${f.line}): a Litestream v0.3 replica setting; v0.5 uses the global snapshot section (see the effective snapshot settings)`);
  }
  const ignored = [...OTHER_BACKEND_KEYS, ...(type === 'file' ? S3_KEYS : [])];
  for (const key of ignored) {
    const f = own.get(key);
    if (f) ctx.notes.push(`${f.path} (line ${f.line}): not used by a ${type} replica; ignored`);
  }
  return legacy;
}

/** Litestream replica settings read (and printed by `streambed config`) that streambed does not act on; once per key. */
function noteIgnored(replica: ReplicaConfig, autoRecover: Field | undefined, validation: Field | undefined, ctx: ReadContext): void {
  const note = (text: string): void => {
    if (!ctx.notes.includes(text)) ctx.notes.push(text);
  };
  if (autoRecover && isSet(autoRecover)) {
    note(`${autoRecover.path} (line ${autoRecover.line}): streambed always recovers from a missing or corrupt local L0 file with a snapshot; the setting has no effect`);
  }
  if (replica.validationInterval !== undefined && validation) {
    note(`${validation.path} (line ${validation.line}): the agent does not check the replica's levels on a schedule (run \`streambed verify\`); ignored`);
  }
}

function filePath(src: ReplicaSources, parsed: ReplicaUrlSettings | undefined): string {
  const pathField = src.own.get('path');
  const written = parsed?.type === 'file' ? parsed.path : readString(pathField);
  if (!written) fail(src.where, 'a file replica needs `path` (the backup directory) or `url: file:///dir`');
  return expandPath(written);
}

/** Builds one replica; `legacy` carries v0.3 settings that the caller maps onto the global snapshot section. */
export function buildReplica(src: ReplicaSources, ctx: ReadContext): { replica: ReplicaConfig; legacy: LegacyReplicaSettings } {
  checkKeys(src.own, REPLICA_KEYS, 'a replica', ctx);
  rejectAge(src);
  checkExclusive(src);
  const urlField = src.own.get('url');
  const parsed = parseUrlField(urlField);
  const pathField = src.own.get('path');
  const pathText = readString(pathField);
  if (pathText && pathField && isUrl(pathText)) fail(pathField, 'must be a path, not a URL; use the `url` key for replica URLs');
  const type = replicaType(src, parsed);
  const legacy = readLegacyNoteIgnored(src, type, ctx);
  const setting = (name: string) => src.own.get(name) ?? src.globals.get(name);
  const options = type === 'file'
    ? { type: 'file' as const, path: filePath(src, parsed) }
    : buildS3Options({
      own: src.own, globals: src.globals, where: src.where,
      url: parsed?.type === 's3' ? parsed : undefined, urlField,
    }, ctx);
  const replica: ReplicaConfig = {
    options,
    url: readString(urlField),
    // 0 is low-latency mode: upload as soon as a sync writes an L0 file.
    syncInterval: readDuration(setting('sync-interval')) ?? DEFAULT_SYNC_INTERVAL,
    maxSyncLtxFiles: readInt(setting('max-sync-ltx-files'), 1) ?? DEFAULT_MAX_SYNC_LTX_FILES,
    autoRecover: readBool(setting('auto-recover')) ?? false,
    validationInterval: readDuration(setting('validation-interval'), { positive: true }),
  };
  if (replica.url === undefined) delete replica.url;
  if (replica.validationInterval === undefined) delete replica.validationInterval;
  noteIgnored(replica, setting('auto-recover'), setting('validation-interval'), ctx);
  return { replica, legacy };
}
