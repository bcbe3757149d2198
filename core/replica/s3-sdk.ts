// Builds the AWS SDK v3 S3Client for a replica: pooled keep-alive sockets, adaptive retries, checksum mode, quirks.
import { GetBucketLocationCommand, S3Client } from '@aws-sdk/client-s3';
import type { S3ClientConfig } from '@aws-sdk/client-s3';
import { fromNodeProviderChain } from '@aws-sdk/credential-providers';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import type { FinalizeRequestMiddleware, MetadataBearer } from '@smithy/types';
import { createHash } from 'node:crypto';
import http from 'node:http';
import https from 'node:https';
import type { S3ReplicaOptions } from './options.ts';
import { DEFAULT_REGION } from './s3-config.ts';
import type { ResolvedS3Settings } from './s3-config.ts';
import { LitestreamRetryStrategy } from './s3-retry.ts';
import type { RetryNotice } from './s3-retry.ts';

interface MiddlewareRequest {
  headers: Record<string, string>;
  body?: unknown;
}

type AnyFinalizeMiddleware = FinalizeRequestMiddleware<object, MetadataBearer>;

function requestOf(args: { request?: unknown }): MiddlewareRequest | undefined {
  const r = args.request as MiddlewareRequest | undefined;
  return r && typeof r === 'object' && r.headers ? r : undefined;
}

function bodyBytes(body: unknown): Uint8Array | undefined {
  if (typeof body === 'string') return Buffer.from(body);
  if (body instanceof Uint8Array) return body;
  return undefined;
}

export function makeHttpHandler(settings: ResolvedS3Settings): NodeHttpHandler {
  const agentOptions = { keepAlive: true, keepAliveMsecs: settings.keepAliveMsecs, maxSockets: settings.maxSockets };
  return new NodeHttpHandler({
    httpAgent: new http.Agent(agentOptions),
    httpsAgent: new https.Agent({ ...agentOptions, rejectUnauthorized: !settings.skipVerify }),
    connectionTimeout: settings.connectionTimeout,
    // The overall cap: without throwOnRequestTimeout this handler version only prints a warning when it passes.
    requestTimeout: settings.requestTimeout,
    throwOnRequestTimeout: true,
    // An idle timeout in this handler version (socket inactivity, armed until the response body has ended).
    socketTimeout: settings.idleTimeout,
  });
}

function credentialsOf(options: S3ReplicaOptions): S3ClientConfig['credentials'] {
  if (options.accessKeyId && options.secretAccessKey) {
    return { accessKeyId: options.accessKeyId, secretAccessKey: options.secretAccessKey, sessionToken: options.sessionToken || undefined };
  }
  // env, ~/.aws/credentials and config (SSO, process), ECS task role, EC2 instance role, web identity.
  return fromNodeProviderChain();
}

function baseConfig(settings: ResolvedS3Settings, options: S3ReplicaOptions, handler: NodeHttpHandler, onRetry?: (notice: RetryNotice) => void): S3ClientConfig {
  return {
    endpoint: settings.endpoint,
    forcePathStyle: settings.forcePathStyle,
    credentials: credentialsOf(options),
    requestHandler: handler,
    maxAttempts: settings.maxAttempts,
    retryMode: settings.retryMode,
    retryStrategy: new LitestreamRetryStrategy(settings.maxAttempts, { onRetry }),
    requestChecksumCalculation: settings.requestChecksumCalculation,
    responseChecksumValidation: settings.responseChecksumValidation,
    customUserAgent: 'streambed',
    followRegionRedirects: settings.endpoint === undefined,
  };
}

/** Maps GetBucketLocation's answer to a region name (empty means us-east-1, 'EU' is the legacy eu-west-1). */
export function regionFromLocationConstraint(constraint: string | undefined): string {
  if (!constraint) return DEFAULT_REGION;
  if (constraint === 'EU') return 'eu-west-1';
  return constraint;
}

/**
 * A region provider that asks GetBucketLocation once, on first use, through `probe` (a client in us-east-1), and
 * remembers the answer; a failure is not remembered, so the next request asks again.
 */
export function bucketRegionProvider(probe: S3Client, bucket: string): () => Promise<string> {
  let pending: Promise<string> | undefined;
  return () =>
    (pending ??= (async () => {
      try {
        const out = await probe.send(new GetBucketLocationCommand({ Bucket: bucket }));
        return regionFromLocationConstraint(out.LocationConstraint);
      } catch (err) {
        pending = undefined;
        throw new Error(
          `cannot find the region of bucket "${bucket}" (GetBucketLocation: ${(err as Error).name}: ${(err as Error).message}); set region in the replica configuration`,
          { cause: err },
        );
      }
    })());
}

function addQuirkMiddleware(client: S3Client, settings: ResolvedS3Settings): void {
  const stack = client.middlewareStack;
  const extra = Object.entries(settings.extraHeaders);
  if (extra.length > 0 || !settings.signPayload || settings.provider === 'gcs') {
    const quirks: AnyFinalizeMiddleware = (next) => async (args) => {
      const req = requestOf(args);
      if (req) {
        for (const [k, v] of extra) req.headers[k] = v;
        // Litestream's sign-payload=false: the body is not hashed into the signature.
        if (!settings.signPayload) req.headers['x-amz-content-sha256'] = 'UNSIGNED-PAYLOAD';
        if (settings.provider === 'gcs') {
          for (const k of Object.keys(req.headers)) if (k.toLowerCase() === 'accept-encoding') delete req.headers[k];
        }
      }
      return next(args);
    };
    stack.addRelativeTo(quirks, { name: 'streambedProviderQuirks', relation: 'before', toMiddleware: 'httpSigningMiddleware', override: true });
  }
}

/** Adds the Content-MD5 header some providers require on DeleteObjects (computed over the final XML body). */
export function contentMd5Middleware<I extends object, O extends object>(): FinalizeRequestMiddleware<I, O> {
  return (next) => async (args) => {
    const req = requestOf(args);
    const bytes = req ? bodyBytes(req.body) : undefined;
    if (req && bytes) req.headers['content-md5'] = createHash('md5').update(bytes).digest('base64');
    return next(args);
  };
}

/**
 * The S3Client for one replica; the region is explicit, us-east-1 for custom endpoints, or discovered lazily.
 * `onRetry` hears of every attempt that failed and is retried inside the SDK (callers report stalls with it).
 */
export function createS3Client(settings: ResolvedS3Settings, options: S3ReplicaOptions, onRetry?: (notice: RetryNotice) => void): S3Client {
  const handler = makeHttpHandler(settings);
  const region =
    settings.region ?? bucketRegionProvider(new S3Client({ ...baseConfig(settings, options, handler), region: DEFAULT_REGION }), settings.bucket);
  const client = new S3Client({ ...baseConfig(settings, options, handler, onRetry), region });
  addQuirkMiddleware(client, settings);
  return client;
}
