// The one resolution of S3 settings: replica options → the exact client settings (addressing, provider rules,
// retries, timeouts, checksums, parts). The client is built from it and `streambed config` prints it.
import { ConfigError } from '../errors.ts';
import { ensureEndpointScheme, providerOf } from './endpoint.ts';
import type { Provider } from './endpoint.ts';
import { DEFAULT_CONCURRENCY, DEFAULT_PART_SIZE, MIN_PART_SIZE } from './options.ts';
import type { S3ReplicaOptions } from './options.ts';
import { resolveEncryption } from './s3-sse.ts';
import type { S3Encryption } from './s3-sse.ts';

export type ChecksumMode = 'WHEN_SUPPORTED' | 'WHEN_REQUIRED';

export const S3_MAX_ATTEMPTS = 10;
export const S3_RETRY_MODE = 'adaptive';
/** Litestream's overall HTTP timeout: a multi-GB snapshot on a slow link must not be cut off. */
export const S3_REQUEST_TIMEOUT_MS = 24 * 60 * 60 * 1000;
export const S3_CONNECTION_TIMEOUT_MS = 30_000;
/**
 * No byte sent or received on a request's socket for this long aborts the attempt (it is then retried): an
 * endpoint that accepts connections and never answers must not hang a request until the 24 h cap.
 */
export const S3_IDLE_TIMEOUT_MS = 30_000;
/** Test and diagnosis overrides of the two deadlines above, in milliseconds. */
export const CONNECTION_TIMEOUT_ENV = 'STREAMBED_S3_CONNECTION_TIMEOUT_MS';
export const IDLE_TIMEOUT_ENV = 'STREAMBED_S3_IDLE_TIMEOUT_MS';
export const S3_KEEP_ALIVE_MS = 30_000;
export const S3_MAX_SOCKETS = 100;
export const S3_MAX_PARTS = 10_000;
export const S3_DELETE_BATCH = 1000;
export const R2_DEFAULT_CONCURRENCY = 2;
export const DEFAULT_REGION = 'us-east-1';

export interface ResolvedS3Settings {
  bucket: string;
  path: string;
  provider: Provider;
  endpoint?: string;
  /** Undefined: discovered with GetBucketLocation on first use. */
  region?: string;
  forcePathStyle: boolean;
  skipVerify: boolean;
  signPayload: boolean;
  requireContentMD5: boolean;
  storageClass?: string;
  partSize: number;
  concurrency: number;
  maxAttempts: number;
  retryMode: 'adaptive';
  /** Overall cap of one attempt, from sending the request to the response headers. */
  requestTimeout: number;
  connectionTimeout: number;
  /** Socket inactivity (no byte either way) that aborts an attempt, also while a response body streams. */
  idleTimeout: number;
  keepAlive: true;
  keepAliveMsecs: number;
  maxSockets: number;
  requestChecksumCalculation: ChecksumMode;
  responseChecksumValidation: ChecksumMode;
  extraHeaders: Record<string, string>;
  encryption: S3Encryption;
  /** 'static' when keys were given, otherwise the SDK default chain. */
  credentials: 'static' | 'default-chain';
}

/** Why a part size cannot be used, or undefined; the config loader reports it at the key's line. */
export function partSizeProblem(partSize: number): string | undefined {
  if (Number.isInteger(partSize) && partSize >= MIN_PART_SIZE) return undefined;
  return `part-size must be at least ${MIN_PART_SIZE} bytes (5 MiB, the S3 multipart minimum), not ${String(partSize)}; raise part-size to ${MIN_PART_SIZE} or more`;
}

function checkPartSize(partSize: number): number {
  const problem = partSizeProblem(partSize);
  if (problem) throw new ConfigError(problem, { key: 'part-size' });
  return partSize;
}

/**
 * Path-style addressing: what the configuration says (a `force-path-style` key, a `forcePathStyle` URL query, or a
 * provider URL host such as bucket.nyc3.digitaloceanspaces.com), else path-style for any custom endpoint.
 * Litestream forces path-style for Filebase, B2, MinIO and Supabase only when force-path-style is not set, so an
 * explicit false is honoured.
 */
function pathStyle(options: S3ReplicaOptions, custom: boolean): boolean {
  return options.forcePathStyle ?? custom;
}

function checkConcurrency(concurrency: number): number {
  if (!Number.isInteger(concurrency) || concurrency < 1) {
    throw new ConfigError(`concurrency ${String(concurrency)} must be a whole number of at least 1`, { key: 'concurrency' });
  }
  return concurrency;
}

function credentialSource(options: S3ReplicaOptions): 'static' | 'default-chain' {
  const hasId = Boolean(options.accessKeyId);
  const hasSecret = Boolean(options.secretAccessKey);
  if (hasId !== hasSecret) {
    throw new ConfigError(`${hasId ? 'access-key-id is set without secret-access-key' : 'secret-access-key is set without access-key-id'}: set both or neither`, {
      key: hasId ? 'secret-access-key' : 'access-key-id',
    });
  }
  return hasId ? 'static' : 'default-chain';
}

/** The part size actually used for an object of `size` bytes: raised so that it needs at most 10,000 parts. */
export function partSizeFor(settings: Pick<ResolvedS3Settings, 'partSize'>, size?: number): number {
  if (size === undefined) return settings.partSize;
  return Math.max(settings.partSize, Math.ceil(size / S3_MAX_PARTS));
}

function timeoutFromEnv(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const ms = Number(raw);
  if (!Number.isInteger(ms) || ms < 1) throw new ConfigError(`environment variable ${name}="${raw}" must be a whole number of milliseconds (1 or more); unset it for the default ${fallback}`);
  return ms;
}

/** Every setting the S3 client is built from; pure apart from reading an SSE-C key file and the timeout overrides in `env`. */
export function resolvedS3Settings(options: S3ReplicaOptions, env: NodeJS.ProcessEnv = process.env): ResolvedS3Settings {
  if (!options.bucket) throw new ConfigError('an S3 replica needs a bucket', { key: 'bucket' });
  const endpoint = options.endpoint ? ensureEndpointScheme(options.endpoint) : undefined;
  const provider = providerOf(endpoint);
  const custom = endpoint !== undefined;
  const defaultChecksum: ChecksumMode = custom ? 'WHEN_REQUIRED' : 'WHEN_SUPPORTED';
  const tigris = provider === 'tigris';
  const extraHeaders: Record<string, string> = { ...(tigris ? { 'X-Tigris-Consistent': 'true' } : {}), ...options.extraHeaders };
  return {
    bucket: options.bucket,
    path: options.path.replace(/^\/+|\/+$/g, ''),
    provider,
    endpoint,
    region: options.region || (custom ? DEFAULT_REGION : undefined),
    forcePathStyle: pathStyle(options, custom),
    skipVerify: options.skipVerify ?? false,
    signPayload: options.signPayload ?? true,
    requireContentMD5: options.requireContentMD5 ?? !tigris,
    storageClass: options.storageClass || undefined,
    partSize: checkPartSize(options.partSize ?? DEFAULT_PART_SIZE),
    concurrency: checkConcurrency(options.concurrency ?? (provider === 'r2' ? R2_DEFAULT_CONCURRENCY : DEFAULT_CONCURRENCY)),
    maxAttempts: S3_MAX_ATTEMPTS,
    retryMode: S3_RETRY_MODE,
    requestTimeout: S3_REQUEST_TIMEOUT_MS,
    connectionTimeout: timeoutFromEnv(env, CONNECTION_TIMEOUT_ENV, S3_CONNECTION_TIMEOUT_MS),
    idleTimeout: timeoutFromEnv(env, IDLE_TIMEOUT_ENV, S3_IDLE_TIMEOUT_MS),
    keepAlive: true,
    keepAliveMsecs: S3_KEEP_ALIVE_MS,
    maxSockets: S3_MAX_SOCKETS,
    requestChecksumCalculation: options.requestChecksumCalculation ?? defaultChecksum,
    responseChecksumValidation: options.responseChecksumValidation ?? defaultChecksum,
    extraHeaders,
    encryption: resolveEncryption(options),
    credentials: credentialSource(options),
  };
}

/** `s3://bucket/path`, for messages; never contains credentials. */
export function s3Location(settings: Pick<ResolvedS3Settings, 'bucket' | 'path'>, key?: string): string {
  if (key !== undefined) return `s3://${settings.bucket}/${key}`;
  return `s3://${settings.bucket}/${settings.path}`;
}
