// The S3 client is built with Litestream's settings: asserted on the real SDK client configuration.
import type { NodeHttpHandler } from '@smithy/node-http-handler';
import type { Agent as HttpAgent } from 'node:http';
import type { Agent as HttpsAgent } from 'node:https';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError } from '../../core/errors.ts';
import { S3ReplicaClient } from '../../core/replica/s3.ts';
import { resolvedS3Settings } from '../../core/replica/s3-config.ts';
import { LitestreamRetryStrategy } from '../../core/replica/s3-retry.ts';
import { bucketRegionProvider, regionFromLocationConstraint } from '../../core/replica/s3-sdk.ts';
import { S3Client } from '@aws-sdk/client-s3';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { S3ReplicaOptions } from '../../core/replica/options.ts';
import { formatRfc3339Nano, parseRfc3339 } from '../../core/replica/timestamp.ts';
import { startLocalS3 } from '../harness/local-s3.ts';
import type { LocalS3 } from '../harness/local-s3.ts';
import { useTempDirs } from '../harness/tmp.ts';
import { ltxBody, randomBytesSeeded } from './contract.ts';
import { kindOf, recordRequests } from './s3-recorder.ts';
import { instrumentedS3Client, sdkOf } from './sdk-client.ts';

let local: LocalS3;
const clients: S3ReplicaClient[] = [];
beforeAll(async () => {
  local = await startLocalS3();
});
afterAll(async () => {
  for (const c of clients) await c.close();
  await local?.stop();
});
const tempDir = useTempDirs();

const aws = (extra: Partial<S3ReplicaOptions> = {}): S3ReplicaOptions => ({
  type: 's3', bucket: 'prod-backups', path: 'db', region: 'eu-west-1', accessKeyId: 'AKIAEXAMPLE', secretAccessKey: 'shh-secret', ...extra,
});

function track(c: S3ReplicaClient): S3ReplicaClient {
  clients.push(c);
  return c;
}

describe('resolved SDK configuration', () => {
  it('uses 10 adaptive attempts, 24 h request and 30 s connection timeouts, pooled keep-alive sockets', async () => {
    const c = track(instrumentedS3Client(local.s3Options(await local.createBucket(), 'db')));
    expect(await sdkOf(c).config.maxAttempts()).toBe(10);
    expect(sdkOf(c).config.retryMode).toBe('adaptive');
    const strategy = await sdkOf(c).config.retryStrategy();
    expect(strategy).toBeInstanceOf(LitestreamRetryStrategy);
    expect((strategy as LitestreamRetryStrategy).mode).toBe('adaptive');
    expect(await (strategy as LitestreamRetryStrategy).maxAttemptsProvider()).toBe(10);
    // The handler resolves its configuration on the first request.
    await c.writeLtxFile({ level: 0, minTXID: 1, maxTXID: 1 }, ltxBody(Buffer.from('a')));
    const cfg = (sdkOf(c).config.requestHandler as NodeHttpHandler).httpHandlerConfigs() as Record<string, unknown>;
    expect(cfg.requestTimeout).toBe(86_400_000);
    // The 24 h cap is enforced (this handler version only warns without throwOnRequestTimeout).
    expect(cfg.throwOnRequestTimeout).toBe(true);
    expect(cfg.connectionTimeout).toBe(30_000);
    // The socket idle timeout: 30 s without a byte aborts the attempt.
    expect(cfg.socketTimeout).toBe(30_000);
    const httpAgent = await (cfg.httpAgentProvider as () => Promise<HttpAgent>)();
    const httpsAgent = cfg.httpsAgent as HttpsAgent;
    for (const agent of [httpAgent, httpsAgent]) {
      expect((agent as unknown as { keepAlive: boolean }).keepAlive).toBe(true);
      expect(agent.maxSockets).toBe(100);
    }
    expect(httpsAgent.options.rejectUnauthorized).toBe(true);
  });

  it('uses WHEN_REQUIRED checksums, us-east-1 and path-style for a custom endpoint', async () => {
    const c = track(instrumentedS3Client(local.s3Options('b', 'db', { region: undefined, forcePathStyle: undefined })));
    expect(await sdkOf(c).config.requestChecksumCalculation()).toBe('WHEN_REQUIRED');
    expect(await sdkOf(c).config.responseChecksumValidation()).toBe('WHEN_REQUIRED');
    expect(await sdkOf(c).config.region()).toBe('us-east-1');
    expect(sdkOf(c).config.forcePathStyle).toBe(true);
  });

  it('keeps the SDK default WHEN_SUPPORTED (CRC32) checksums on AWS', async () => {
    const c = track(instrumentedS3Client(aws()));
    expect(await sdkOf(c).config.requestChecksumCalculation()).toBe('WHEN_SUPPORTED');
    expect(await sdkOf(c).config.responseChecksumValidation()).toBe('WHEN_SUPPORTED');
    expect(await sdkOf(c).config.region()).toBe('eu-west-1');
    expect(sdkOf(c).config.forcePathStyle).toBe(false);
    expect(await sdkOf(c).config.maxAttempts()).toBe(10);
    const creds = await sdkOf(c).config.credentials();
    expect(creds.accessKeyId).toBe('AKIAEXAMPLE');
  });

  it('lets options override the checksum mode and disables TLS verification with skip-verify', async () => {
    const c = track(instrumentedS3Client(aws({ endpoint: 'https://minio.internal:9000', requestChecksumCalculation: 'WHEN_SUPPORTED', skipVerify: true })));
    expect(await sdkOf(c).config.requestChecksumCalculation()).toBe('WHEN_SUPPORTED');
    expect(await sdkOf(c).config.responseChecksumValidation()).toBe('WHEN_REQUIRED');
    const handler = sdkOf(c).config.requestHandler as NodeHttpHandler;
    await (handler as unknown as { configProvider: Promise<unknown> }).configProvider;
    const cfg = (handler as unknown as { config?: Record<string, unknown> }).config ?? (await (handler as unknown as { configProvider: Promise<Record<string, unknown>> }).configProvider);
    expect((cfg.httpsAgent as HttpsAgent).options.rejectUnauthorized).toBe(false);
  });

  it('exposes the same decisions through resolvedS3Settings', () => {
    const s = resolvedS3Settings(aws());
    expect(s).toMatchObject({
      maxAttempts: 10, retryMode: 'adaptive', requestTimeout: 86_400_000, keepAlive: true, partSize: 5 * 1024 * 1024, concurrency: 5,
      requestChecksumCalculation: 'WHEN_SUPPORTED', responseChecksumValidation: 'WHEN_SUPPORTED', region: 'eu-west-1', forcePathStyle: false,
      credentials: 'static', requireContentMD5: true, signPayload: true,
    });
    expect(resolvedS3Settings(aws({ region: undefined })).region).toBeUndefined();
    expect(resolvedS3Settings(aws({ accessKeyId: undefined, secretAccessKey: undefined })).credentials).toBe('default-chain');
  });
});

describe('settings validation', () => {
  it('refuses a part size below 5 MiB, stating the minimum', () => {
    expect(() => new S3ReplicaClient(aws({ partSize: 5 * 1024 * 1024 - 1 }))).toThrow(ConfigError);
    expect(() => new S3ReplicaClient(aws({ partSize: 1024 * 1024 }))).toThrow(/at least 5242880 bytes/);
    expect(resolvedS3Settings(aws({ partSize: 5 * 1024 * 1024 })).partSize).toBe(5242880);
  });

  it('refuses half-given keys, SSE-C with KMS, and bad SSE-C keys without echoing them', () => {
    expect(() => resolvedS3Settings(aws({ secretAccessKey: undefined }))).toThrow(/access-key-id is set without secret-access-key/);
    expect(() => resolvedS3Settings(aws({ sseKmsKeyId: 'k', sseCustomerKey: Buffer.alloc(32).toString('base64') }))).toThrow(/cannot be combined/);
    expect(() => resolvedS3Settings(aws({ sseCustomerAlgorithm: 'AES128', sseCustomerKey: Buffer.alloc(32).toString('base64') }))).toThrow(/AES256/);
    const badKey = 'c2hvcnQta2V5';
    const err = (() => { try { resolvedS3Settings(aws({ sseCustomerKey: badKey })); } catch (e) { return e as Error; } return undefined; })();
    expect(err?.message).toMatch(/32 bytes/);
    expect(err?.message).not.toContain(badKey);
    expect(() => resolvedS3Settings(aws({ concurrency: 0 }))).toThrow(/concurrency/);
  });

  it('applies provider quirks by endpoint host', () => {
    const tigris = resolvedS3Settings(aws({ endpoint: 'https://fly.storage.tigris.dev' }));
    expect(tigris.requireContentMD5).toBe(false);
    expect(tigris.extraHeaders).toEqual({ 'X-Tigris-Consistent': 'true' });
    expect(resolvedS3Settings(aws({ endpoint: 'https://acct.r2.cloudflarestorage.com' })).concurrency).toBe(2);
    expect(resolvedS3Settings(aws({ endpoint: 'https://acct.r2.cloudflarestorage.com', concurrency: 8 })).concurrency).toBe(8);
    // Path-style is forced for B2, MinIO, Filebase, Supabase only when force-path-style is not set (Litestream's
    // forcePathStyleSet); an explicit false is honoured.
    expect(resolvedS3Settings(aws({ endpoint: 'https://s3.us-west-004.backblazeb2.com' })).forcePathStyle).toBe(true);
    expect(resolvedS3Settings(aws({ endpoint: 'https://s3.us-west-004.backblazeb2.com', forcePathStyle: false })).forcePathStyle).toBe(false);
    expect(resolvedS3Settings(aws({ endpoint: 'http://minio.lan:9000', forcePathStyle: false })).forcePathStyle).toBe(false);
    expect(resolvedS3Settings(aws({ endpoint: 'https://nyc3.digitaloceanspaces.com', forcePathStyle: false })).forcePathStyle).toBe(false);
    expect(resolvedS3Settings(aws({ endpoint: 'minio.lan:9000' })).endpoint).toBe('https://minio.lan:9000');
    expect(resolvedS3Settings(aws({ endpoint: '192.168.1.5:9000' })).endpoint).toBe('http://192.168.1.5:9000');
  });

  it('reads an SSE-C key from a file, as base64 text or raw bytes', async () => {
    const dir = await tempDir('sse');
    const raw = randomBytesSeeded(32, 3);
    await writeFile(join(dir, 'b64'), raw.toString('base64') + '\n');
    await writeFile(join(dir, 'raw'), raw);
    for (const f of ['b64', 'raw']) {
      expect(resolvedS3Settings(aws({ sseCustomerKeyPath: join(dir, f) })).encryption).toEqual({ kind: 'sse-c', algorithm: 'AES256', key: raw.toString('base64') });
    }
    expect(() => resolvedS3Settings(aws({ sseCustomerKeyPath: join(dir, 'missing') }))).toThrow(/cannot read the SSE-C key file/);
  });

  it('discovers the bucket region with GetBucketLocation once, and asks again after a failure', async () => {
    // fauxqs has no GetBucketLocation: a minimal loopback responder stands in for S3 here.
    const seen: string[] = [];
    let fail = true;
    const server = http.createServer((req, res) => {
      seen.push(`${req.method} ${req.url}`);
      if (fail) {
        fail = false;
        res.writeHead(403, { 'content-type': 'application/xml' });
        res.end('<Error><Code>AccessDenied</Code><Message>no</Message></Error>');
        return;
      }
      res.writeHead(200, { 'content-type': 'application/xml' });
      res.end('<?xml version="1.0" encoding="UTF-8"?><LocationConstraint xmlns="http://s3.amazonaws.com/doc/2006-03-01/">eu-central-1</LocationConstraint>');
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    const probe = new S3Client({ endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, region: 'us-east-1', forcePathStyle: true, maxAttempts: 1, credentials: local.credentials });
    try {
      const region = bucketRegionProvider(probe, 'far-bucket');
      await expect(region()).rejects.toThrow(/cannot find the region of bucket "far-bucket".*AccessDenied.*set region/);
      expect(await region()).toBe('eu-central-1');
      expect(await region()).toBe('eu-central-1');
      expect(seen).toEqual(['GET /far-bucket/?location=', 'GET /far-bucket/?location=']);
    } finally {
      probe.destroy();
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
    }
  });

  it('falls back to the SDK default credential chain (environment first) when no keys are configured', async () => {
    const saved = { id: process.env.AWS_ACCESS_KEY_ID, secret: process.env.AWS_SECRET_ACCESS_KEY };
    process.env.AWS_ACCESS_KEY_ID = 'AKIAFROMENV';
    process.env.AWS_SECRET_ACCESS_KEY = 'env-secret';
    try {
      const c = track(instrumentedS3Client(aws({ accessKeyId: undefined, secretAccessKey: undefined })));
      const creds = await sdkOf(c).config.credentials();
      expect(creds.accessKeyId).toBe('AKIAFROMENV');
    } finally {
      if (saved.id === undefined) delete process.env.AWS_ACCESS_KEY_ID; else process.env.AWS_ACCESS_KEY_ID = saved.id;
      if (saved.secret === undefined) delete process.env.AWS_SECRET_ACCESS_KEY; else process.env.AWS_SECRET_ACCESS_KEY = saved.secret;
    }
  });

  it('maps GetBucketLocation answers to regions', () => {
    expect(regionFromLocationConstraint(undefined)).toBe('us-east-1');
    expect(regionFromLocationConstraint('')).toBe('us-east-1');
    expect(regionFromLocationConstraint('EU')).toBe('eu-west-1');
    expect(regionFromLocationConstraint('ap-south-1')).toBe('ap-south-1');
  });
});

describe('request headers on the wire', () => {
  it('sends CRC32 checksums in a header (no aws-chunked trailer) in WHEN_SUPPORTED mode, for single and multipart uploads', async () => {
    const c = track(instrumentedS3Client(local.s3Options(await local.createBucket(), 'db', { requestChecksumCalculation: 'WHEN_SUPPORTED' })));
    const rec = recordRequests(sdkOf(c));
    await c.writeLtxFile({ level: 0, minTXID: 1, maxTXID: 1 }, ltxBody(randomBytesSeeded(900, 1)));
    await c.writeLtxFile({ level: 9, minTXID: 1, maxTXID: 2 }, ltxBody(randomBytesSeeded(6 * 1024 * 1024 - 100, 2)));
    const uploads = rec.requests.filter((r) => ['PutObject', 'UploadPart'].includes(kindOf(r)));
    expect(uploads.map(kindOf)).toEqual(['PutObject', 'UploadPart', 'UploadPart']);
    for (const u of uploads) {
      expect(u.headers['x-amz-checksum-crc32']).toMatch(/^[A-Za-z0-9+/]{6}==$/);
      expect(u.headers['x-amz-trailer']).toBeUndefined();
      expect(u.headers['content-encoding'] ?? '').not.toContain('aws-chunked');
    }
  });

  it('sends no checksum and no trailer by default on a custom endpoint, and UNSIGNED-PAYLOAD when sign-payload is false', async () => {
    const c = track(instrumentedS3Client(local.s3Options(await local.createBucket(), 'db', { signPayload: false, extraHeaders: { 'X-Tigris-Consistent': 'true' } })));
    const rec = recordRequests(sdkOf(c));
    await c.writeLtxFile({ level: 0, minTXID: 1, maxTXID: 1 }, ltxBody(randomBytesSeeded(900, 1)));
    const put = rec.requests.find((r) => kindOf(r) === 'PutObject');
    expect(put).toBeDefined();
    expect(Object.keys(put?.headers ?? {}).filter((h) => h.startsWith('x-amz-checksum-'))).toEqual([]);
    expect(put?.headers['x-amz-trailer']).toBeUndefined();
    expect(put?.headers['x-amz-content-sha256']).toBe('UNSIGNED-PAYLOAD');
    expect(put?.headers['X-Tigris-Consistent']).toBe('true');
    expect(put?.headers['content-length']).toBe('1000');
    expect(put?.headers['x-amz-meta-litestream-timestamp']).toMatch(/^\d{4}-\d\d-\d\dT/);
  });

  it('sends SSE-C headers on PUT, GET and HEAD', async () => {
    const key = randomBytesSeeded(32, 9).toString('base64');
    const c = track(instrumentedS3Client(local.s3Options(await local.createBucket(), 'db', { sseCustomerKey: key })));
    const rec = recordRequests(sdkOf(c));
    const ref = { level: 0, minTXID: 1, maxTXID: 1 };
    await c.writeLtxFile(ref, ltxBody(Buffer.from('secret')));
    await c.statLtxFile(ref).catch(() => undefined);
    await c.openLtxFile(ref).catch(() => undefined);
    expect(rec.requests.map((r) => r.method)).toEqual(['PUT', 'HEAD', 'GET']);
    for (const r of rec.requests) {
      expect(r.headers['x-amz-server-side-encryption-customer-algorithm']).toBe('AES256');
      expect(r.headers['x-amz-server-side-encryption-customer-key']).toBe(key);
      expect(r.headers['x-amz-server-side-encryption-customer-key-md5']).toMatch(/==$/);
    }
  });
});

describe('RFC3339Nano timestamps', () => {
  it('formats like Go and parses any precision', () => {
    expect(formatRfc3339Nano(new Date('2026-11-26T02:01:16.123Z'))).toBe('2026-11-26T02:01:16.123Z');
    expect(formatRfc3339Nano(new Date('2026-11-26T02:01:16.100Z'))).toBe('2026-11-26T02:01:16.1Z');
    expect(formatRfc3339Nano(new Date('2026-11-26T02:01:16.000Z'))).toBe('2026-11-26T02:01:16Z');
    expect(parseRfc3339('2026-11-26T02:01:16.123456789Z')?.toISOString()).toBe('2026-11-26T02:01:16.123Z');
    expect(parseRfc3339('2026-11-26T04:01:16+02:00')?.toISOString()).toBe('2026-11-26T02:01:16.000Z');
    expect(parseRfc3339('yesterday')).toBeNull();
  });
});
