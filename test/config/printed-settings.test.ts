// Guard: what `streambed config` prints for an S3 replica is what the S3 client is built with, provider by provider.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { effectiveConfigJson } from '../../core/config/effective.ts';
import { parseConfigText } from '../../core/config/load.ts';
import { S3ReplicaClient } from '../../core/replica/s3.ts';
import { resolvedS3Settings } from '../../core/replica/s3-config.ts';
import type { ResolvedS3Settings } from '../../core/replica/s3-config.ts';
import type { S3ReplicaOptions } from '../../core/replica/options.ts';
import { cleanEnv, runCli } from './run-cli.ts';

const DIR = mkdtempSync(path.join(tmpdir(), 'streambed-printed-'));
afterAll(() => rmSync(DIR, { recursive: true, force: true }));

/** A one-database config whose replica section holds `lines` (already indented by six spaces). */
function config(...lines: string[]): string {
  return `dbs:\n  - path: /var/lib/app.db\n    replica:\n${lines.map((l) => `      ${l}\n`).join('')}`;
}

const CASES: Array<[string, string]> = [
  ['AWS by bucket and region', config('type: s3', 'bucket: prod', 'path: app', 'region: eu-west-1')],
  ['AWS without a region (discovered)', config('url: s3://prod/app')],
  ['AWS virtual-host URL', config('url: s3://prod.s3.eu-west-3.amazonaws.com/app')],
  ['MinIO endpoint, force-path-style unset', config('type: s3', 'bucket: b', 'endpoint: http://localhost:9000')],
  ['MinIO endpoint, force-path-style: false', config('type: s3', 'bucket: b', 'endpoint: http://localhost:9000', 'force-path-style: false')],
  ['MinIO endpoint, force-path-style: true', config('type: s3', 'bucket: b', 'endpoint: http://localhost:9000', 'force-path-style: true')],
  ['MinIO URL host bucket.host:port', config('url: s3://b.minio.lan:9000/app')],
  ['MinIO URL query forcePathStyle=false', config('url: "s3://b/app?endpoint=http://10.0.0.5:9000&forcePathStyle=false"')],
  ['R2 endpoint (concurrency 2)', config('type: s3', 'bucket: b', 'endpoint: https://acct.r2.cloudflarestorage.com')],
  ['R2 endpoint with concurrency', config('type: s3', 'bucket: b', 'endpoint: https://acct.r2.cloudflarestorage.com', 'concurrency: 4')],
  ['B2 URL host', config('url: s3://b.s3.us-west-002.backblazeb2.com/app')],
  ['B2 endpoint, force-path-style: false', config('type: s3', 'bucket: b', 'endpoint: https://s3.us-west-002.backblazeb2.com', 'force-path-style: false')],
  ['DigitalOcean URL host (virtual-hosted)', config('url: s3://b.nyc3.digitaloceanspaces.com/app')],
  ['DigitalOcean endpoint key (path-style)', config('type: s3', 'bucket: b', 'endpoint: nyc3.digitaloceanspaces.com')],
  ['Scaleway URL host', config('url: s3://b.s3.fr-par.scw.cloud/app')],
  ['Filebase URL host', config('url: s3://b.s3.filebase.com/app')],
  ['Supabase, force-path-style: false', config('type: s3', 'bucket: b', 'endpoint: https://x.supabase.co/storage/v1/s3', 'force-path-style: false')],
  ['Tigris (no Content-MD5, consistency header)', config('type: s3', 'bucket: b', 'endpoint: fly.storage.tigris.dev')],
  ['explicit knobs', config('type: s3', 'bucket: b', 'endpoint: https://s3.example.com', 'sign-payload: false', 'require-content-md5: false', 'skip-verify: true', 'part-size: 16MiB', 'storage-class: STANDARD_IA')],
];

/** The printed keys, derived here from the client's own settings (not through the printer's code). */
function expectedFromClient(s: ResolvedS3Settings): Record<string, unknown> {
  const out: Record<string, unknown> = {
    bucket: s.bucket, path: s.path, provider: s.provider, 'force-path-style': s.forcePathStyle, 'skip-verify': s.skipVerify,
    'sign-payload': s.signPayload, 'require-content-md5': s.requireContentMD5, 'part-size': s.partSize, concurrency: s.concurrency,
    'request-checksum-calculation': s.requestChecksumCalculation, 'response-checksum-validation': s.responseChecksumValidation,
  };
  if (s.region !== undefined) out.region = s.region;
  if (s.endpoint !== undefined) out.endpoint = s.endpoint;
  if (s.storageClass !== undefined) out['storage-class'] = s.storageClass;
  if (Object.keys(s.extraHeaders).length > 0) out['extra-headers'] = s.extraHeaders;
  return out;
}

/** The printed replica without keys that are not client settings. */
function printedSettings(replica: Record<string, unknown>): Record<string, unknown> {
  const { type: _type, url: _url, 'sync-interval': _si, 'max-sync-ltx-files': _m, 'auto-recover': _a, ...rest } = replica;
  return rest;
}

async function clientSettings(yaml: string): Promise<ResolvedS3Settings> {
  const options = parseConfigText(yaml, 'guard.yml', { env: {} }).dbs[0].replica.options;
  if (options.type !== 's3') throw new Error('not an s3 replica');
  const client = new S3ReplicaClient(options);
  try {
    return client.settings;
  } finally {
    await client.close();
  }
}

function printed(yaml: string): Record<string, unknown> {
  const json = effectiveConfigJson(parseConfigText(yaml, 'guard.yml', { env: {} })) as { dbs: Array<{ replica: Record<string, unknown> }> };
  return printedSettings(json.dbs[0].replica);
}

describe('streambed config prints the settings the S3 client uses', () => {
  it.each(CASES)('%s', async (_name, yaml) => {
    expect(printed(yaml)).toEqual(expectedFromClient(await clientSettings(yaml)));
  });

  it('the two divergences the guard was written for', async () => {
    const minioFalse = CASES.find(([n]) => n === 'MinIO endpoint, force-path-style: false')![1];
    expect(printed(minioFalse)['force-path-style']).toBe(false);
    expect((await clientSettings(minioFalse)).forcePathStyle).toBe(false);
    const doUrl = CASES.find(([n]) => n === 'DigitalOcean URL host (virtual-hosted)')![1];
    expect((await clientSettings(doUrl)).forcePathStyle).toBe(false);
    const filebase = CASES.find(([n]) => n === 'Filebase URL host')![1];
    expect((await clientSettings(filebase)).forcePathStyle).toBe(true);
  });

  it('the command itself prints the resolved value (MinIO with force-path-style: false)', async () => {
    const file = path.join(DIR, 'minio-false.yml');
    writeFileSync(file, CASES.find(([n]) => n === 'MinIO endpoint, force-path-style: false')![1]);
    const r = await runCli(['config', '-config', file], cleanEnv());
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const replica = (JSON.parse(r.stdout) as { dbs: Array<{ replica: Record<string, unknown> }> }).dbs[0].replica;
    expect(replica).toMatchObject({ provider: 'minio', endpoint: 'http://localhost:9000', 'force-path-style': false, region: 'us-east-1' });
  });
});

describe('the loader and the client refuse the same S3 settings for the same reason', () => {
  const KEY = Buffer.alloc(32, 7).toString('base64');
  const BAD: Array<[string, Partial<S3ReplicaOptions>, string[], RegExp]> = [
    ['part size below 5 MiB', { partSize: 1024 }, ['part-size: 1KiB'], /part-size must be at least 5242880 bytes/],
    ['SSE-C algorithm other than AES256', { sseCustomerAlgorithm: 'DES', sseCustomerKey: KEY }, ['sse-customer-algorithm: DES', `sse-customer-key: ${KEY}`], /must be AES256/],
    ['SSE-C key of the wrong length', { sseCustomerKey: 'c2hvcnQ=' }, ['sse-customer-key: c2hvcnQ='], /base64 encoding of exactly 32 bytes/],
    ['SSE-C with KMS', { sseCustomerKey: KEY, sseKmsKeyId: 'k' }, [`sse-customer-key: ${KEY}`, 'sse-kms-key-id: k'], /cannot be combined with SSE-C/],
    ['algorithm without a key', { sseCustomerAlgorithm: 'AES256' }, ['sse-customer-algorithm: AES256'], /neither sse-customer-key nor sse-customer-key-path/],
  ];
  it.each(BAD)('%s', (_name, options, lines, reason) => {
    expect(() => resolvedS3Settings({ type: 's3', bucket: 'b', path: 'p', ...options }, {})).toThrow(reason);
    expect(() => parseConfigText(config('type: s3', 'bucket: b', ...lines), 'guard.yml', { env: {} })).toThrow(reason);
  });
});
