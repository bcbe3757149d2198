// Replica URL parsing (spec §5): s3:// with provider host detection and query settings, file:// and plain paths.
import type { S3ReplicaOptions } from '../replica/options.ts';
import { ensureEndpointScheme } from '../replica/endpoint.ts';
import { KNOWN_REPLICA_TYPES } from './keys.ts';
import { didYouMean } from './suggest.ts';

/** Settings an s3:// URL can carry (the replica options it can name); undefined means the URL does not say. */
export type S3UrlSettings = Pick<
  S3ReplicaOptions,
  | 'type' | 'bucket' | 'path' | 'region' | 'endpoint' | 'forcePathStyle' | 'skipVerify' | 'signPayload' | 'requireContentMD5'
  | 'storageClass' | 'partSize' | 'concurrency' | 'sseCustomerAlgorithm' | 'sseCustomerKey' | 'sseKmsKeyId'
> & {
  /** True when forcePathStyle came from the query string rather than being implied by the host. */
  forcePathStyleExplicit: boolean;
};

export interface FileUrlSettings {
  type: 'file';
  path: string;
}

/** A URL of a backend streambed does not implement (gs, abs, sftp, webdav, nats, oss or unknown). */
export interface OtherUrlSettings {
  type: 'other';
  scheme: string;
}

export type ReplicaUrlSettings = S3UrlSettings | FileUrlSettings | OtherUrlSettings;

/** Query keys, camelCase (canonical) → kebab-case alias. */
const QUERY_KEYS: Record<string, string> = {
  endpoint: 'endpoint', region: 'region', forcePathStyle: 'force-path-style', skipVerify: 'skip-verify',
  signPayload: 'sign-payload', requireContentMD5: 'require-content-md5', storageClass: 'storage-class',
  partSize: 'part-size', concurrency: 'concurrency', sseCustomerAlgorithm: 'sse-customer-algorithm',
  sseCustomerKey: 'sse-customer-key', sseCustomerKeyMD5: 'sse-customer-key-md5', sseKmsKeyId: 'sse-kms-key-id',
};

/** True when `s` looks like `scheme://...`, or is a `file:` URL without the slashes (`file:/dir`). */
export function isUrl(s: string): boolean {
  return /^\w+:\/\//.test(s) || /^file:/i.test(s);
}

/** The URL with any password and secret query values replaced by `***`, safe for messages. */
export function redactUrl(url: string): string {
  return url
    .replace(/^(\w+:\/\/[^/@?#]*?:)[^/@?#]*@/, '$1***@')
    .replace(/([?&](?:sseCustomerKey|sse-customer-key|sseCustomerKeyMD5|sse-customer-key-md5)=)[^&#]*/gi, '$1***');
}

interface UrlParts {
  scheme: string;
  authority: string;
  path: string;
  query: URLSearchParams;
}

function splitUrl(url: string): UrlParts {
  const m = /^([a-zA-Z][a-zA-Z0-9+.-]*):\/\/([^/?#]*)([^?#]*)(?:\?([^#]*))?(?:#.*)?$/.exec(url.trim());
  if (!m) throw new Error(`cannot parse replica URL ${redactUrl(url)}; expected e.g. s3://bucket/path or file:///path`);
  let path = m[3];
  try {
    path = decodeURIComponent(path);
  } catch {
    throw new Error(`bad percent-encoding in the path of replica URL ${redactUrl(url)}`);
  }
  return { scheme: m[1].toLowerCase(), authority: m[2], path, query: new URLSearchParams(m[4] ?? '') };
}

/** Go path.Clean of '/' + p, without the leading slash; '' for the root. */
export function cleanKeyPath(p: string): string {
  const parts: string[] = [];
  for (const seg of p.split('/')) {
    if (seg === '' || seg === '.') continue;
    if (seg === '..') parts.pop();
    else parts.push(seg);
  }
  return parts.join('/');
}

interface HostInfo {
  bucket: string;
  region?: string;
  endpoint?: string;
  forcePathStyle?: boolean;
}

/** Litestream's s3.ParseHost: provider-specific virtual-host names → bucket, region, endpoint. */
export function parseS3Host(host: string): HostInfo {
  if (host.includes(':') && !host.includes('.com')) {
    const dot = host.indexOf('.');
    if (dot === -1) return { bucket: '', endpoint: `http://${host}`, forcePathStyle: true };
    return { bucket: host.slice(0, dot), region: 'us-east-1', endpoint: `http://${host.slice(dot + 1)}`, forcePathStyle: true };
  }
  let m = /^(.+)\.s3(?:[.-]([^.]+))?\.amazonaws\.com$/.exec(host);
  if (m) return { bucket: m[1], region: m[2] && m[2] !== 'external-1' ? m[2] : undefined };
  m = /^(?:(.+)\.)?([^.]+)\.digitaloceanspaces\.com$/.exec(host);
  if (m) return { bucket: m[1] ?? '', region: m[2], endpoint: `https://${m[2]}.digitaloceanspaces.com`, forcePathStyle: false };
  m = /^(?:(.+)\.)?s3\.([^.]+)\.backblazeb2\.com$/.exec(host);
  if (m) return { bucket: m[1] ?? '', region: m[2], endpoint: `https://s3.${m[2]}.backblazeb2.com`, forcePathStyle: true };
  m = /^(?:(.+)\.)?s3\.filebase\.com$/.exec(host);
  // Litestream's ParseHost says virtual-hosted here, then forces path-style for Filebase unless it is set: the net value.
  if (m) return { bucket: m[1] ?? '', endpoint: 'https://s3.filebase.com', forcePathStyle: true };
  m = /^(?:(.+)\.)?s3\.([^.]+)\.scw\.cloud$/.exec(host);
  if (m) return { bucket: m[1] ?? '', region: m[2], endpoint: `https://s3.${m[2]}.scw.cloud`, forcePathStyle: false };
  return { bucket: host };
}

function parseBoolQuery(key: string, raw: string): boolean {
  const v = raw.toLowerCase();
  if (['true', '1', 't', 'yes'].includes(v)) return true;
  if (['false', '0', 'f', 'no'].includes(v)) return false;
  throw new Error(`replica URL query parameter ${key} must be true or false, not ${JSON.stringify(raw)}`);
}

function parseIntQuery(key: string, raw: string): number {
  const n = /^\d+$/.test(raw) ? Number(raw) : NaN;
  if (!Number.isSafeInteger(n) || n <= 0) throw new Error(`replica URL query parameter ${key} must be a positive whole number, not ${JSON.stringify(raw)}`);
  return n;
}

/** Reads `camelCase` or `kebab-case` query values; unknown keys are an error with a suggestion. */
function readQuery(query: URLSearchParams): Map<string, { key: string; value: string }> {
  const out = new Map<string, { key: string; value: string }>();
  const aliases = new Map(Object.entries(QUERY_KEYS).flatMap(([camel, kebab]) => [[camel.toLowerCase(), camel], [kebab, camel]]));
  for (const [key, value] of query) {
    const canonical = aliases.get(key.toLowerCase());
    if (!canonical) {
      throw new Error(`unknown replica URL query parameter "${key}"${didYouMean(key, Object.keys(QUERY_KEYS))}; known: ${Object.keys(QUERY_KEYS).join(', ')}`);
    }
    if (value !== '') out.set(canonical, { key, value });
  }
  return out;
}

function applyQuery(s: S3UrlSettings, query: URLSearchParams): void {
  const q = readQuery(query);
  const get = (k: string) => q.get(k);
  const endpoint = get('endpoint');
  if (endpoint) {
    s.endpoint = ensureEndpointScheme(endpoint.value);
    s.forcePathStyle = true; // a custom endpoint implies path-style unless forcePathStyle=false
  }
  const region = get('region');
  if (region) s.region = region.value;
  const fps = get('forcePathStyle');
  if (fps) {
    s.forcePathStyle = parseBoolQuery(fps.key, fps.value);
    s.forcePathStyleExplicit = true;
  }
  for (const k of ['skipVerify', 'signPayload', 'requireContentMD5'] as const) {
    const v = get(k);
    if (v) s[k] = parseBoolQuery(v.key, v.value);
  }
  for (const k of ['partSize', 'concurrency'] as const) {
    const v = get(k);
    if (v) s[k] = parseIntQuery(v.key, v.value);
  }
  for (const k of ['storageClass', 'sseCustomerAlgorithm', 'sseCustomerKey', 'sseKmsKeyId'] as const) {
    const v = get(k);
    if (v) s[k] = v.value;
  }
  // sseCustomerKeyMD5 is accepted for Litestream compatibility; the client derives it from the key.
}

function parseAccessPoint(url: string): S3UrlSettings {
  let rest = url.trim().slice('s3://'.length);
  let queryText = '';
  const q = rest.indexOf('?');
  if (q !== -1) {
    queryText = rest.slice(q + 1);
    rest = rest.slice(0, q);
  }
  const marker = rest.toLowerCase().indexOf(':accesspoint/');
  if (marker === -1 || marker + ':accesspoint/'.length >= rest.length) {
    throw new Error(`invalid S3 access point ARN in ${redactUrl(url)}; expected s3://arn:aws:s3:REGION:ACCOUNT:accesspoint/NAME/prefix`);
  }
  const nameStart = marker + ':accesspoint/'.length;
  const slash = rest.indexOf('/', nameStart);
  const bucket = slash === -1 ? rest : rest.slice(0, slash);
  const key = slash === -1 ? '' : rest.slice(slash + 1);
  const region = bucket.split(':')[3] || undefined;
  const s: S3UrlSettings = { type: 's3', bucket, path: cleanKeyPath(key), region, forcePathStyleExplicit: false };
  applyQuery(s, new URLSearchParams(queryText));
  return s;
}

function parseS3(url: string, parts: UrlParts): S3UrlSettings {
  const host = parseS3Host(parts.authority.slice(parts.authority.lastIndexOf('@') + 1));
  const s: S3UrlSettings = {
    type: 's3',
    bucket: host.bucket,
    path: cleanKeyPath(parts.path),
    region: host.region,
    endpoint: host.endpoint ? ensureEndpointScheme(host.endpoint) : undefined,
    forcePathStyle: host.forcePathStyle,
    forcePathStyleExplicit: false,
  };
  applyQuery(s, parts.query);
  if (s.bucket === '') throw new Error(`replica URL ${redactUrl(url)} names no bucket; use s3://BUCKET/PATH`);
  return s;
}

/**
 * `file:///dir`, `file://localhost/dir` and `file:/dir` name the absolute directory /dir (RFC 8089). Anything else is
 * refused rather than guessed: `file://backups/db` names a host, and Go's URL parser (so Litestream) silently turns
 * it into /db; `file:backups/db` is relative. A relative directory is given as a plain path, which resolves against
 * the working directory like every configured path.
 */
function parseFileUrl(url: string): FileUrlSettings {
  const m = /^file:(?:\/\/([^/?#]*))?([^?#]*)/i.exec(url.trim());
  const host = m?.[1] ?? '';
  let path = m?.[2] ?? '';
  try {
    path = decodeURIComponent(path);
  } catch {
    throw new Error(`bad percent-encoding in the path of replica URL ${url}`);
  }
  if (host !== '' && host.toLowerCase() !== 'localhost') {
    const rest = path.replace(/^\/+/, '');
    throw new Error(
      `replica URL ${url} names the host "${host}", but a file URL is a local absolute path: ` +
        `for the directory /${host}/${rest} write file:///${host}/${rest}; for ${host}/${rest} relative to the working directory, give the path without file://`,
    );
  }
  if (path === '') throw new Error(`replica URL ${url} names no directory; write file:///path/to/dir`);
  if (!path.startsWith('/')) {
    throw new Error(`replica URL ${url} is a relative path, which a file URL cannot be: write file:///absolute/dir, or give ${path} without file: to resolve it against the working directory`);
  }
  return { type: 'file', path: `/${cleanKeyPath(path)}` };
}

/** Parses a replica URL; a string without `scheme://` is a file replica path. Errors never show secrets. */
export function parseReplicaUrl(url: string): ReplicaUrlSettings {
  if (!isUrl(url)) return { type: 'file', path: url };
  if (/^file:/i.test(url.trim())) return parseFileUrl(url);
  if (/^s3:\/\/arn:/i.test(url.trim())) return parseAccessPoint(url);
  const parts = splitUrl(url);
  if (parts.scheme === 's3') return parseS3(url, parts);
  if ((KNOWN_REPLICA_TYPES as readonly string[]).includes(parts.scheme)) return { type: 'other', scheme: parts.scheme };
  throw new Error(`unsupported replica URL scheme "${parts.scheme}"${didYouMean(parts.scheme, ['s3', 'file'])}; supported: s3, file`);
}
