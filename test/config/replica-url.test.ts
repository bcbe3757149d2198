// Replica URL parsing and provider detection (spec §5), through parseReplicaUrl and a full config.
import { describe, expect, it } from 'vitest';
import { ensureEndpointScheme, isLocalEndpoint, providerOf } from '../../core/replica/endpoint.ts';
import { parseConfigText } from '../../core/config/load.ts';
import { parseReplicaUrl, redactUrl } from '../../core/config/replica-url.ts';
import { configFromUrl } from '../../core/config/resolve.ts';
import { resolvedS3Settings } from '../../core/replica/s3-config.ts';
import type { ResolvedS3Settings } from '../../core/replica/s3-config.ts';

/** The client's resolved S3 settings for a one-database config whose replica is `url`. */
function s3Options(url: string, extra = ''): ResolvedS3Settings {
  const c = parseConfigText(`dbs:\n  - path: /d/app.db\n    replica:\n      url: "${url}"\n${extra}`, 'u.yml', { env: {} });
  const o = c.dbs[0].replica.options;
  if (o.type !== 's3') throw new Error('not s3');
  return resolvedS3Settings(o, {});
}

describe('parseReplicaUrl', () => {
  it('s3://bucket/path: host is the bucket, path cleaned without leading slash', () => {
    expect(parseReplicaUrl('s3://mybucket//a/./b/../c/')).toMatchObject({ type: 's3', bucket: 'mybucket', path: 'a/c' });
    expect(parseReplicaUrl('s3://mybucket')).toMatchObject({ bucket: 'mybucket', path: '' });
  });

  it('AWS virtual-host names give the bucket and region', () => {
    expect(parseReplicaUrl('s3://mybucket.s3.eu-west-1.amazonaws.com/db')).toMatchObject({ bucket: 'mybucket', region: 'eu-west-1', path: 'db' });
    const plain = parseReplicaUrl('s3://mybucket.s3.amazonaws.com/db');
    expect(plain).toMatchObject({ bucket: 'mybucket', path: 'db' });
    expect(plain.type === 's3' && plain.region).toBeFalsy();
  });

  it('DigitalOcean, Backblaze, Filebase, Scaleway hosts give endpoints', () => {
    expect(s3Options('s3://mybucket.nyc3.digitaloceanspaces.com/db')).toMatchObject({
      bucket: 'mybucket', region: 'nyc3', endpoint: 'https://nyc3.digitaloceanspaces.com', forcePathStyle: false,
    });
    expect(s3Options('s3://mybucket.s3.us-west-002.backblazeb2.com/app')).toMatchObject({
      bucket: 'mybucket', region: 'us-west-002', endpoint: 'https://s3.us-west-002.backblazeb2.com', forcePathStyle: true,
    });
    expect(s3Options('s3://mybucket.s3.filebase.com/db')).toMatchObject({
      bucket: 'mybucket', endpoint: 'https://s3.filebase.com', forcePathStyle: true, region: 'us-east-1',
    });
    expect(s3Options('s3://mybucket.s3.fr-par.scw.cloud/db')).toMatchObject({
      bucket: 'mybucket', region: 'fr-par', endpoint: 'https://s3.fr-par.scw.cloud', forcePathStyle: false,
    });
  });

  it('MinIO-style bucket.host:port is http, path-style, us-east-1', () => {
    expect(s3Options('s3://mybucket.localhost:9000/db')).toMatchObject({
      bucket: 'mybucket', endpoint: 'http://localhost:9000', forcePathStyle: true, region: 'us-east-1', path: 'db',
    });
  });

  it('access point ARN: bucket is the ARN, region from the ARN, rest is the prefix', () => {
    expect(parseReplicaUrl('s3://arn:aws:s3:us-west-2:123456789012:accesspoint/my-ap/backups/db?region=us-west-2')).toMatchObject({
      type: 's3', bucket: 'arn:aws:s3:us-west-2:123456789012:accesspoint/my-ap', path: 'backups/db', region: 'us-west-2',
    });
    expect(() => parseReplicaUrl('s3://arn:aws:s3:us-west-2:1:bucket/x')).toThrow(/access point/);
  });

  it('query keys work in camelCase and kebab-case', () => {
    const camel = s3Options('s3://b/p?endpoint=storage.example.com&region=eu-1&skipVerify=true&signPayload=false&requireContentMD5=false&storageClass=STANDARD_IA&partSize=10485760&concurrency=3');
    const kebab = s3Options('s3://b/p?endpoint=storage.example.com&region=eu-1&skip-verify=true&sign-payload=false&require-content-md5=false&storage-class=STANDARD_IA&part-size=10485760&concurrency=3');
    const want = {
      endpoint: 'https://storage.example.com', region: 'eu-1', forcePathStyle: true, skipVerify: true, signPayload: false,
      requireContentMD5: false, storageClass: 'STANDARD_IA', partSize: 10_485_760, concurrency: 3,
    };
    expect(camel).toMatchObject(want);
    expect(kebab).toMatchObject(want);
  });

  it('an endpoint implies path-style unless forcePathStyle=false', () => {
    expect(s3Options('s3://b/p?endpoint=http://10.0.0.5:9000').forcePathStyle).toBe(true);
    expect(s3Options('s3://b/p?endpoint=https://s3.example.com&forcePathStyle=false').forcePathStyle).toBe(false);
    expect(s3Options('s3://b/p', '      endpoint: s3.example.com\n').forcePathStyle).toBe(true);
    expect(s3Options('s3://b/p', '      endpoint: s3.example.com\n      force-path-style: false\n').forcePathStyle).toBe(false);
    expect(s3Options('s3://b/p').forcePathStyle).toBe(false);
  });

  it('endpoint scheme: http for local and private addresses, https otherwise', () => {
    expect(ensureEndpointScheme('localhost:9000')).toBe('http://localhost:9000');
    expect(ensureEndpointScheme('192.168.1.10:9000')).toBe('http://192.168.1.10:9000');
    expect(ensureEndpointScheme('172.20.0.2')).toBe('http://172.20.0.2');
    expect(ensureEndpointScheme('minio.local:9000')).toBe('http://minio.local:9000');
    expect(ensureEndpointScheme('s3.example.com')).toBe('https://s3.example.com');
    expect(ensureEndpointScheme('172.40.0.2')).toBe('https://172.40.0.2');
    expect(ensureEndpointScheme('http://s3.example.com')).toBe('http://s3.example.com');
    expect(isLocalEndpoint('https://127.0.0.1:4566')).toBe(true);
  });

  it('provider rules: Tigris, R2, Supabase, Hetzner', () => {
    const tigris = s3Options('s3://b/p?endpoint=fly.storage.tigris.dev');
    expect(tigris).toMatchObject({ requireContentMD5: false, signPayload: true, extraHeaders: { 'X-Tigris-Consistent': 'true' } });
    expect(s3Options('s3://b/p?endpoint=acct.r2.cloudflarestorage.com').concurrency).toBe(2);
    expect(s3Options('s3://b/p?endpoint=acct.r2.cloudflarestorage.com&concurrency=4').concurrency).toBe(4);
    expect(s3Options('s3://b/p?endpoint=https://x.supabase.co/storage/v1/s3&forcePathStyle=false').forcePathStyle).toBe(false);
    expect(providerOf('https://x.supabase.co')).toBe('supabase');
    expect(providerOf('https://fsn1.your-objectstorage.com')).toBe('hetzner');
    expect(providerOf('https://us-east-1.linodeobjects.com')).toBe('other');
    expect(providerOf(undefined)).toBe('aws');
  });

  it('file:///path and plain paths are file replicas', () => {
    expect(parseReplicaUrl('file:///mnt/backups/app')).toEqual({ type: 'file', path: '/mnt/backups/app' });
    expect(parseReplicaUrl('file:///mnt//backups/./x/../app/?q=1')).toEqual({ type: 'file', path: '/mnt/backups/app' });
    expect(parseReplicaUrl('file:///mnt/my%20backups')).toEqual({ type: 'file', path: '/mnt/my backups' });
    expect(parseReplicaUrl('/mnt/backups/app')).toEqual({ type: 'file', path: '/mnt/backups/app' });
  });

  it('file://localhost/x and file:/x mean /x (RFC 8089)', () => {
    expect(parseReplicaUrl('file://localhost/x')).toEqual({ type: 'file', path: '/x' });
    expect(parseReplicaUrl('file://LOCALHOST/mnt/b')).toEqual({ type: 'file', path: '/mnt/b' });
    expect(parseReplicaUrl('file:/mnt/b')).toEqual({ type: 'file', path: '/mnt/b' });
  });

  it('a relative or host-named file URL is refused with the two readings spelled out, never made absolute', () => {
    expect(() => parseReplicaUrl('file://rel/x')).toThrow(
      'replica URL file://rel/x names the host "rel", but a file URL is a local absolute path: for the directory /rel/x write file:///rel/x; ' +
        'for rel/x relative to the working directory, give the path without file://',
    );
    expect(() => parseReplicaUrl('file:rel/x')).toThrow(
      'replica URL file:rel/x is a relative path, which a file URL cannot be: write file:///absolute/dir, or give rel/x without file: to resolve it against the working directory',
    );
    expect(() => parseReplicaUrl('file://')).toThrow('names no directory');
    expect(() => parseReplicaUrl('file://localhost')).toThrow('names no directory');
    // The same through a config file and through a command-line replica URL.
    expect(() => parseConfigText('dbs:\n  - path: /d/app.db\n    replica:\n      url: file://backups/app\n', 'u.yml', { env: {} })).toThrow(/u\.yml: line 4: .*names the host "backups"/);
    expect(() => parseConfigText('dbs:\n  - path: /d/app.db\n    replica:\n      url: file:backups/app\n', 'u.yml', { env: {} })).toThrow(/is a relative path/);
    expect(() => configFromUrl('/d/app.db', 'file:backups/app', {})).toThrow('replica file:backups/app: replica URL file:backups/app is a relative path');
    expect(() => parseConfigText('dbs:\n  - path: /d/app.db\n    replica:\n      path: file:backups/app\n', 'u.yml', { env: {} })).toThrow(/must be a path, not a URL/);
  });

  it('other backends are recognised, unknown schemes and query keys are errors with suggestions', () => {
    expect(parseReplicaUrl('gs://bucket/db')).toEqual({ type: 'other', scheme: 'gs' });
    expect(() => parseReplicaUrl('s4://bucket/db')).toThrow(/did you mean "s3"/);
    expect(() => parseReplicaUrl('s3://b/p?regoin=x')).toThrow(/regoin.*did you mean "region"/);
    expect(() => parseReplicaUrl('s3://b/p?partSize=big')).toThrow(/partSize/);
  });

  it('redactUrl hides passwords and SSE-C keys', () => {
    expect(redactUrl('s3://user:hunter2@b/p?sseCustomerKey=SEKRIT&region=x')).toBe('s3://user:***@b/p?sseCustomerKey=***&region=x');
  });
});
