// S3 replica options as configured: replica keys, URL settings, global defaults and env fallbacks, checked at their
// line. Defaults and provider rules are applied once, by core/replica/s3-config.ts (resolvedS3Settings).
import type { S3ReplicaOptions } from '../replica/options.ts';
import { ensureEndpointScheme } from '../replica/endpoint.ts';
import { partSizeProblem } from '../replica/s3-config.ts';
import { encryptionProblem } from '../replica/s3-sse.ts';
import { fail, readBool, readInt, readSize, readString } from './fields.ts';
import type { Field, Fields, ReadContext } from './fields.ts';
import { cleanKeyPath } from './replica-url.ts';
import type { S3UrlSettings } from './replica-url.ts';

export interface S3Sources {
  /** Keys written in the replica section. */
  own: Fields;
  /** Replica settings written at the top level: defaults for every replica. */
  globals: Fields;
  url?: S3UrlSettings;
  urlField?: Field;
  /** Location of the replica section, for errors about missing keys. */
  where: Pick<Field, 'path' | 'line' | 'file'>;
}

interface Picked<T> {
  value?: T;
  /** The field the value came from (the URL field for URL settings); undefined for defaults. */
  field?: Field;
}

/** Precedence: the replica's own key, then the URL, then the global default (see docs in load.ts). */
function pick<T>(src: S3Sources, name: string, read: (f: Field) => T | undefined, fromUrl?: T): Picked<T> {
  const own = src.own.get(name);
  const ownValue = own ? read(own) : undefined;
  if (ownValue !== undefined) return { value: ownValue, field: own };
  if (fromUrl !== undefined) return { value: fromUrl, field: src.urlField };
  const global = src.globals.get(name);
  const globalValue = global ? read(global) : undefined;
  return globalValue !== undefined ? { value: globalValue, field: global } : {};
}

function credentials(src: S3Sources, ctx: ReadContext): Pick<S3ReplicaOptions, 'accessKeyId' | 'secretAccessKey'> {
  const id = pick(src, 'access-key-id', readString);
  const secret = pick(src, 'secret-access-key', readString);
  if (id.value && !secret.value && id.field) fail(id.field, 'is set but secret-access-key is not; set both or neither');
  if (secret.value && !id.value && secret.field) fail(secret.field, 'is set but access-key-id is not; set both or neither');
  if (id.value && secret.value) return { accessKeyId: id.value, secretAccessKey: secret.value };
  // Litestream copies LITESTREAM_* to AWS_* when those are unset; the AWS default chain then reads AWS_*.
  const env = ctx.env;
  const envId = env.AWS_ACCESS_KEY_ID === undefined ? env.LITESTREAM_ACCESS_KEY_ID : undefined;
  const envSecret = env.AWS_SECRET_ACCESS_KEY === undefined ? env.LITESTREAM_SECRET_ACCESS_KEY : undefined;
  return { accessKeyId: envId || undefined, secretAccessKey: envSecret || undefined };
}

function encryption(src: S3Sources): Partial<S3ReplicaOptions> {
  const u = src.url;
  const alg = pick(src, 'sse-customer-algorithm', readString, u?.sseCustomerAlgorithm);
  const key = pick(src, 'sse-customer-key', readString, u?.sseCustomerKey);
  const keyPath = pick(src, 'sse-customer-key-path', readString);
  const kms = pick(src, 'sse-kms-key-id', readString, u?.sseKmsKeyId);
  const picked = { 'sse-customer-algorithm': alg, 'sse-customer-key': key, 'sse-customer-key-path': keyPath, 'sse-kms-key-id': kms };
  const problem = encryptionProblem({ sseCustomerAlgorithm: alg.value, sseCustomerKey: key.value, sseCustomerKeyPath: keyPath.value, sseKmsKeyId: kms.value });
  if (problem) fail(picked[problem.key].field ?? src.where, problem.key === picked[problem.key].field?.name ? problem.message : `${problem.key} ${problem.message}`);
  const customer = Boolean(key.value || keyPath.value);
  return {
    sseCustomerAlgorithm: customer ? 'AES256' : undefined,
    sseCustomerKey: key.value,
    sseCustomerKeyPath: keyPath.value,
    sseKmsKeyId: kms.value,
  };
}

function partSize(src: S3Sources): number | undefined {
  const p = pick(src, 'part-size', readSize, src.url?.partSize);
  const problem = p.value === undefined ? undefined : partSizeProblem(p.value);
  if (problem) fail(p.field ?? src.where, problem);
  return p.value;
}

type EndpointSource = 'key' | 'url' | 'env' | 'none';

function chooseEndpoint(src: S3Sources, fallback: string | undefined): { raw?: string; source: EndpointSource } {
  const own = readString(src.own.get('endpoint'));
  if (own) return { raw: own, source: 'key' };
  if (src.url?.endpoint) return { raw: src.url.endpoint, source: 'url' };
  const global = readString(src.globals.get('endpoint'));
  if (global) return { raw: global, source: 'key' };
  return fallback ? { raw: fallback, source: 'env' } : { source: 'none' };
}

/**
 * `forcePathStyle` is left undefined unless the configuration says it: a key, the URL query, or a provider URL
 * host when the endpoint came from that URL (Litestream's ParseHost). The resolver decides the rest.
 */
function addressing(src: S3Sources, ctx: ReadContext): Pick<S3ReplicaOptions, 'endpoint' | 'forcePathStyle' | 'region'> {
  const u = src.url;
  const chosen = chooseEndpoint(src, ctx.endpointFallback);
  const endpoint = chosen.raw ? ensureEndpointScheme(chosen.raw) : undefined;
  const explicit = pick(src, 'force-path-style', readBool, u?.forcePathStyleExplicit ? u.forcePathStyle : undefined);
  const fromHost = chosen.source === 'url' ? u?.forcePathStyle : undefined;
  const region = pick(src, 'region', readString, u?.region).value || undefined;
  return { endpoint, forcePathStyle: explicit.value ?? fromHost, region };
}

/** Builds the options of one S3 replica; every error names the key, line and fix. */
export function buildS3Options(src: S3Sources, ctx: ReadContext): S3ReplicaOptions {
  const u = src.url;
  const bucket = readString(src.own.get('bucket')) || u?.bucket || readString(src.globals.get('bucket'));
  if (!bucket) fail(src.where, 'an s3 replica needs a bucket: set `bucket` (with `path`) or `url: s3://BUCKET/PATH`');
  const options: S3ReplicaOptions = {
    type: 's3',
    bucket,
    path: cleanKeyPath(readString(src.own.get('path')) ?? u?.path ?? ''),
    ...addressing(src, ctx),
    skipVerify: pick(src, 'skip-verify', readBool, u?.skipVerify).value,
    signPayload: pick(src, 'sign-payload', readBool, u?.signPayload).value,
    requireContentMD5: pick(src, 'require-content-md5', readBool, u?.requireContentMD5).value,
    storageClass: pick(src, 'storage-class', readString, u?.storageClass).value,
    partSize: partSize(src),
    concurrency: pick(src, 'concurrency', (f) => readInt(f, 1), u?.concurrency).value,
    ...credentials(src, ctx),
    ...encryption(src),
  };
  for (const k of Object.keys(options) as (keyof S3ReplicaOptions)[]) if (options[k] === undefined) delete options[k];
  return options;
}
