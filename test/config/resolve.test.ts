// Config file discovery, `replicate DB URL` configs and DB_PATH|REPLICA_URL resolution.
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { UsageError } from '../../core/errors.ts';
import { resolvedS3Settings } from '../../core/replica/s3-config.ts';
import { configFromUrl, DEFAULT_CONFIG_PATHS, resolveConfigPath, resolveTarget } from '../../core/config/resolve.ts';

describe('resolveConfigPath', () => {
  const none = () => false;
  it('prefers -config, then STREAMBED_CONFIG, then LITESTREAM_CONFIG, then /etc files that exist', () => {
    const env = { STREAMBED_CONFIG: '/s.yml', LITESTREAM_CONFIG: '/l.yml' };
    expect(resolveConfigPath('/flag.yml', env, none)).toBe('/flag.yml');
    expect(resolveConfigPath(undefined, env, none)).toBe('/s.yml');
    expect(resolveConfigPath(undefined, { LITESTREAM_CONFIG: '/l.yml' }, none)).toBe('/l.yml');
    expect(resolveConfigPath(undefined, {}, (p) => p === '/etc/litestream.yml')).toBe('/etc/litestream.yml');
    expect(resolveConfigPath(undefined, {}, () => true)).toBe('/etc/streambed.yml');
    expect(resolveConfigPath(undefined, {}, none)).toBeUndefined();
  });
});

describe('configFromUrl', () => {
  it('builds one database with defaults from an s3 URL', () => {
    const c = configFromUrl('/data/app.db', 's3://bucket/app?region=eu-west-1', {});
    expect(c.dbs).toHaveLength(1);
    expect(c.dbs[0]).toMatchObject({ path: '/data/app.db', monitorInterval: 1000 });
    expect(c.dbs[0].replica).toMatchObject({ url: 's3://bucket/app?region=eu-west-1', syncInterval: 1000 });
    expect(c.dbs[0].replica.options).toMatchObject({ type: 's3', bucket: 'bucket', path: 'app', region: 'eu-west-1' });
  });

  it('uses LITESTREAM_S3_ENDPOINT when the URL names no endpoint', () => {
    const o = configFromUrl('/d.db', 's3://bucket/app', { LITESTREAM_S3_ENDPOINT: 'localhost:9000' }).dbs[0].replica.options;
    if (o.type !== 's3') throw new Error('not s3');
    expect(resolvedS3Settings(o, {})).toMatchObject({ endpoint: 'http://localhost:9000', forcePathStyle: true, region: 'us-east-1' });
    const own = configFromUrl('/d.db', 's3://bucket/app?endpoint=s3.example.com', { LITESTREAM_S3_ENDPOINT: 'localhost:9000' }).dbs[0].replica.options;
    expect(own).toMatchObject({ endpoint: 'https://s3.example.com' });
  });

  it('takes a plain path or file:// URL as a file replica', () => {
    expect(configFromUrl('/d.db', '/backups/d', {}).dbs[0].replica.options).toEqual({ type: 'file', path: '/backups/d' });
    expect(configFromUrl('/d.db', 'file:///backups/d', {}).dbs[0].replica.options).toEqual({ type: 'file', path: '/backups/d' });
  });

  it('rejects unsupported URLs with a clear message', () => {
    expect(() => configFromUrl('/d.db', 'abs://acct@container/db', {})).toThrow(/^replica abs:\/\/acct@container\/db: replica type abs is not supported by streambed; supported: s3, file/);
    expect(() => configFromUrl('/d.db', 's3://b/p?partSize=1', {})).toThrow(UsageError);
    expect(() => configFromUrl('/d.db', 's3://b/p?partSize=1', {})).toThrow(/^replica s3:\/\/b\/p\?partSize=1: part-size must be at least 5242880/);
  });
});

describe('resolveTarget', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'streambed-resolve-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const file = path.join(dir, 'litestream.yml');
  writeFileSync(file, `dbs:\n  - path: ${dir}/app.db\n    replica:\n      url: s3://bucket/app\n  - path: ${dir}/other.db\n    replica:\n      path: ${dir}/backup\n`);

  it('finds a database of the config by path (with sqlite:// prefix too)', async () => {
    const t = await resolveTarget(`${dir}/other.db`, { configPath: file, env: {} });
    expect(t.db?.path).toBe(`${dir}/other.db`);
    expect(t.replica.options).toEqual({ type: 'file', path: `${dir}/backup` });
    expect((await resolveTarget(`sqlite://${dir}/app.db`, { configPath: file, env: {} })).replica.options).toMatchObject({ bucket: 'bucket' });
  });

  it('takes a replica URL directly, and matches it to a database when a config is given', async () => {
    const bare = await resolveTarget('s3://elsewhere/x', { env: {} });
    expect(bare.config).toBeUndefined();
    expect(bare.replica.options).toMatchObject({ bucket: 'elsewhere', path: 'x' });
    const matched = await resolveTarget('s3://bucket/app', { configPath: file, env: {} });
    expect(matched.db?.path).toBe(`${dir}/app.db`);
  });

  it('names the path and the config file when the database is not listed', async () => {
    const err = await resolveTarget('/nope.db', { configPath: file, env: {} }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UsageError);
    expect((err as Error).message).toContain('/nope.db');
    expect((err as Error).message).toContain(file);
  });

  it('finds a database served by a `dir` entry, even one deleted since, with the replica path Litestream derives', async () => {
    const dirFile = path.join(dir, 'dirs.yml');
    writeFileSync(dirFile, `dbs:\n  - dir: ${dir}/tenants\n    pattern: "*.db"\n    recursive: true\n    replica:\n      url: s3://bucket/tenants\n  - dir: ${dir}/flat\n    pattern: "*.sqlite"\n    replica:\n      path: ${dir}/flat-backup\n`);
    const nested = await resolveTarget(`${dir}/tenants/team-a/x.db`, { configPath: dirFile, env: {} });
    expect(nested.db?.path).toBe(`${dir}/tenants/team-a/x.db`);
    expect(nested.replica.options).toMatchObject({ type: 's3', bucket: 'bucket', path: 'tenants/team-a/x.db' });
    const flat = await resolveTarget(`${dir}/flat/y.sqlite`, { configPath: dirFile, env: {} });
    expect(flat.replica.options).toEqual({ type: 'file', path: `${dir}/flat-backup/y.sqlite` });
    // Outside the pattern, or below a directory that is not recursive: not served, and the error lists the entries.
    for (const missing of [`${dir}/flat/y.db`, `${dir}/flat/sub/y.sqlite`, `${dir}/elsewhere/x.db`]) {
      const err = await resolveTarget(missing, { configPath: dirFile, env: {} }).catch((e: unknown) => e);
      expect(err, missing).toBeInstanceOf(UsageError);
      expect((err as Error).message).toContain(`${dir}/tenants/**/*.db`);
    }
  });

  // Only meaningful on a machine without /etc/streambed.yml or /etc/litestream.yml.
  it.skipIf(DEFAULT_CONFIG_PATHS.some((p) => existsSync(p)))('asks for -config when there is no config file to look in', async () => {
    await expect(resolveTarget('/some.db', { env: {} })).rejects.toThrow(/pass -config PATH/);
  });
});
