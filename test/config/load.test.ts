// Config loading: defaults, errors with file/line/key, globals as defaults, v0.3 files, paths and env fallbacks.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ConfigError } from '../../core/config/../errors.ts';
import { loadConfigFile, parseConfigText } from '../../core/config/load.ts';
import type { StreambedConfig } from '../../core/config/types.ts';
import type { ReplicaOptions } from '../../core/replica/options.ts';
import { resolvedS3Settings } from '../../core/replica/s3-config.ts';

/** The settings the S3 client resolves from a replica's options (defaults and provider rules applied). */
function resolved(o: ReplicaOptions) {
  if (o.type !== 's3') throw new Error('not an s3 replica');
  return resolvedS3Settings(o, {});
}

function parse(text: string, env: NodeJS.ProcessEnv = {}): StreambedConfig {
  return parseConfigText(text, '/etc/test.yml', { env });
}

/** The ConfigError thrown by parsing `text`. */
function errorOf(text: string, env: NodeJS.ProcessEnv = {}): ConfigError {
  try {
    parse(text, env);
  } catch (err) {
    if (err instanceof ConfigError) return err;
    throw err;
  }
  throw new Error('expected a ConfigError');
}

const S3_DB = 'dbs:\n  - path: /data/app.db\n    replica:\n      url: s3://bucket/app\n';

describe('defaults', () => {
  it('fills every default of spec §2, §3, §5', () => {
    const c = parse(S3_DB);
    expect(c).toMatchObject({
      logging: { level: 'info', type: 'text', stderr: false }, levels: [30_000, 300_000, 3_600_000],
      snapshot: { interval: 86_400_000, retention: 86_400_000 }, l0Retention: 300_000, l0RetentionCheckInterval: 15_000,
      retention: { enabled: true }, compaction: 'local', verifyCompaction: false, shutdownSyncTimeout: 30_000,
      shutdownSyncInterval: 500, source: '/etc/test.yml',
    });
    expect(c.dbs[0]).toMatchObject({
      path: '/data/app.db', metaPath: '/data/.app.db-streambed', monitorInterval: 1000, checkpointInterval: 60_000,
      busyTimeout: 1000, minCheckpointPageCount: 1000, truncatePageN: 121_359, maxSyncWalBytes: 64 * 1024 * 1024,
      restoreIfDbNotExists: false,
    });
    expect(c.dbs[0].replica).toMatchObject({ syncInterval: 1000, maxSyncLtxFiles: 256, autoRecover: false, url: 's3://bucket/app' });
    expect(c.dbs[0].replica.options).toMatchObject({ type: 's3', bucket: 'bucket', path: 'app' });
    expect(resolved(c.dbs[0].replica.options)).toMatchObject({ bucket: 'bucket', path: 'app', partSize: 5_242_880, concurrency: 5, signPayload: true, requireContentMD5: true });
  });

  it('reads every v0.5 global and per-database key', () => {
    const c = parse(`addr: ":9090"
exec: myapp serve
logging: {level: debug, type: json, stderr: true, source: true}
levels: [{interval: 10s}, {interval: 1m}]
snapshot: {interval: 12h, retention: 48h}
l0-retention: 0s
l0-retention-check-interval: 30s
retention: {enabled: false}
validation: {interval: 6h}
verify-compaction: yes
heartbeat-url: https://hc.example.com/ping
shutdown-sync-timeout: 0
shutdown-sync-interval: 250ms
compaction: remote
dbs:
  - path: sqlite3:///data/app.db
    meta-path: /meta/app
    monitor-interval: 2s
    checkpoint-interval: 5m
    busy-timeout: 3s
    min-checkpoint-page-count: 2000
    truncate-page-n: 0
    max-sync-wal-bytes: 32MiB
    restore-if-db-not-exists: true
    replica:
      type: s3
      bucket: b
      path: /x/y/
      sync-interval: 250ms
      max-sync-ltx-files: 16
      auto-recover: true
`);
    expect(c).toMatchObject({
      addr: ':9090', exec: 'myapp serve', logging: { level: 'debug', type: 'json', stderr: true, source: true },
      levels: [10_000, 60_000], snapshot: { interval: 43_200_000, retention: 172_800_000 }, l0Retention: 0,
      l0RetentionCheckInterval: 30_000, retention: { enabled: false }, validationInterval: 21_600_000, verifyCompaction: true,
      heartbeatUrl: 'https://hc.example.com/ping', heartbeatInterval: 300_000, shutdownSyncTimeout: 0, shutdownSyncInterval: 250,
      compaction: 'remote',
    });
    expect(c.dbs[0]).toMatchObject({
      path: '/data/app.db', metaPath: '/meta/app', monitorInterval: 2000, checkpointInterval: 300_000, busyTimeout: 3000,
      minCheckpointPageCount: 2000, truncatePageN: 0, maxSyncWalBytes: 33_554_432, restoreIfDbNotExists: true,
    });
    expect(c.dbs[0].replica).toMatchObject({ syncInterval: 250, maxSyncLtxFiles: 16, autoRecover: true, options: { bucket: 'b', path: 'x/y' } });
  });

  it('notes each accepted key that has no effect, naming it and its line', () => {
    const c = parse(`logging: {source: true}
validation: {interval: 6h}
verify-compaction: true
auto-recover: false
dbs:
  - path: /data/a.db
    replica: {url: s3://b/a, validation-interval: 1h}
  - path: /data/b.db
    replica: {url: s3://b/b}
`);
    const notes = c.notes ?? [];
    expect(notes.filter((n) => n.startsWith('logging.source (line 1): ') && n.endsWith('; ignored'))).toHaveLength(1);
    expect(notes.filter((n) => n.startsWith('validation.interval (line 2): ') && n.includes('streambed verify'))).toHaveLength(1);
    expect(notes.filter((n) => n.startsWith('verify-compaction (line 3): ') && n.includes('streambed verify'))).toHaveLength(1);
    // A global replica setting applies to both databases: one note.
    expect(notes.filter((n) => n.startsWith('auto-recover (line 4): ') && n.endsWith('the setting has no effect'))).toHaveLength(1);
    expect(notes.filter((n) => n.startsWith('dbs[0].replica.validation-interval (line 7): '))).toHaveLength(1);
    expect(notes).toHaveLength(5);
    expect(parse('logging: {source: false}\nverify-compaction: false\n').notes).toBeUndefined();
  });

  it('logging.type pretty (Litestream HEAD) is accepted as text', () => {
    const c = parse('logging:\n  type: pretty\n');
    expect(c.logging.type).toBe('text');
    expect(c.notes?.join()).toMatch(/pretty/);
  });

  it('LOG_LEVEL overrides logging.level', () => {
    expect(parse('logging:\n  level: info\n', { LOG_LEVEL: 'DEBUG' }).logging.level).toBe('debug');
    expect(parse('logging:\n  level: warn\n', { LOG_LEVEL: 'nonsense' }).logging.level).toBe('warn');
  });

  it('expands ~ and strips sqlite:// in paths; relative paths resolve against the working directory', () => {
    const c = parse('dbs:\n  - path: ~/app.db\n    replica: {path: ~/backups}\n  - path: sqlite://rel/x.db\n    replica: {url: "file:///b"}\n');
    expect(c.dbs[0].path).toBe(path.join(homedir(), 'app.db'));
    expect(c.dbs[0].replica.options).toEqual({ type: 'file', path: path.join(homedir(), 'backups') });
    expect(c.dbs[1].path).toBe(path.resolve(process.cwd(), 'rel/x.db'));
    expect(c.dbs[1].replica.options).toEqual({ type: 'file', path: '/b' });
  });

  it('an empty file gives the defaults and no databases', () => {
    expect(parse('').dbs).toEqual([]);
    expect(parse('# only a comment\n').levels).toHaveLength(3);
  });
});

describe('errors name the file, line, key and fix', () => {
  it('unknown keys: line number and a did-you-mean suggestion', () => {
    const e = errorOf(`dbs:
  - path: /data/app.db
    replica:
      url: s3://b/p
      sync-intervall: 5s
`);
    expect(e.file).toBe('/etc/test.yml');
    expect(e.line).toBe(5);
    expect(e.key).toBe('dbs[0].replica.sync-intervall');
    expect(e.message).toMatch(/^\/etc\/test\.yml: line 5: key "dbs\[0\]\.replica\.sync-intervall": unknown key.*did you mean "sync-interval"/);
  });

  it('unknown keys at the top level and in a database', () => {
    expect(errorOf('adr: ":9090"\n').message).toMatch(/line 1.*"adr".*did you mean "addr"/);
    expect(errorOf('dbs:\n  - path: /a\n    monitor-interva: 1s\n    replica: {path: /b}\n').message).toMatch(/line 3.*did you mean "monitor-interval"/);
    expect(errorOf('logging:\n  levle: debug\n').message).toMatch(/line 2.*logging\.levle.*did you mean "level"/);
    expect(errorOf('totally-unrelated-key: 1\n').message).not.toMatch(/did you mean/);
  });

  it('bad values name the key and line', () => {
    expect(errorOf('dbs:\n  - path: /a\n    replica:\n      path: /b\n      sync-interval: 10\n').message).toMatch(/line 5.*sync-interval.*invalid duration "10"/);
    expect(errorOf('verify-compaction: maybe\n').message).toMatch(/line 1.*verify-compaction.*true or false/);
    expect(errorOf('\n\ncompaction: lambda\n').message).toMatch(/line 3.*compaction.*local.*remote/);
    expect(errorOf('dbs:\n  - path: /a\n    replica: {path: /b}\n    max-sync-wal-bytes: lots\n').message).toMatch(/line 4.*max-sync-wal-bytes.*invalid size/);
    expect(errorOf('logging:\n  level: verbose\n').message).toMatch(/line 2.*unknown log level/);
  });

  it('YAML syntax errors give the line', () => {
    const e = errorOf('dbs:\n  - path: /a\n    replica: [\n');
    expect(e.message).toMatch(/invalid YAML/);
    expect(e.line).toBeGreaterThanOrEqual(3);
  });

  it('part-size below 5 MiB names part-size and 5242880', () => {
    const e = errorOf(S3_DB + '      part-size: 1MiB\n');
    expect(e.line).toBe(5);
    expect(e.message).toMatch(/part-size/);
    expect(e.message).toMatch(/5242880/);
    expect(errorOf('dbs:\n  - path: /a\n    replica:\n      url: s3://b/p?partSize=1000\n').message).toMatch(/line 4.*5242880/);
  });

  it('url with path or bucket names both keys', () => {
    expect(errorOf(S3_DB + '      path: other\n').message).toMatch(/line 5.*`url` and `path`/);
    expect(errorOf(S3_DB + '      bucket: other\n').message).toMatch(/line 5.*`url` and `bucket`/);
  });

  it('top-level replica settings are checked even when no database uses them', () => {
    expect(errorOf('part-size: 1MB\n').message).toMatch(/line 1.*part-size.*5242880/);
    expect(errorOf('\nsync-interval: soon\n').message).toMatch(/line 2.*sync-interval.*invalid duration/);
  });

  it('age is rejected, in a replica or globally, unless it is empty', () => {
    expect(parse(S3_DB + '      age:\n        recipients: []\n').dbs).toHaveLength(1);
    expect(errorOf(S3_DB + '      age:\n        recipients: [age1xyz]\n').message).toMatch(/line 5.*age encryption is not supported/);
    expect(errorOf('age:\n  identities: [x]\n' + S3_DB).message).toMatch(/line 1.*age encryption/);
  });

  it('other backends are recognised but unsupported', () => {
    expect(errorOf('dbs:\n  - path: /a\n    replica:\n      url: gs://bucket/db\n').message).toMatch(/line 4.*replica type gs is not supported by streambed; supported: s3, file/);
    expect(errorOf('dbs:\n  - path: /a\n    replica:\n      type: sftp\n      host: h:22\n      user: u\n').message).toMatch(/replica type sftp is not supported by streambed; supported: s3, file/);
    expect(errorOf('dbs:\n  - path: /a\n    replica:\n      type: s4\n').message).toMatch(/unknown replica type "s4".*did you mean "s3"/);
  });

  it('a database needs a path and exactly one replica', () => {
    expect(errorOf('dbs:\n  - replica: {path: /b}\n').message).toMatch(/line 2.*needs `path`/);
    expect(errorOf('dbs:\n  - path: /a\n').message).toMatch(/line 2.*no replica/);
    expect(errorOf('dbs:\n  - path: /a\n    replicas:\n      - path: /b\n      - url: s3://b/p\n').message).toMatch(/line 3.*2 replicas.*only one/);
    expect(errorOf('dbs:\n  - path: /a\n    replica: {path: /c}\n    replicas:\n      - path: /b\n').message).toMatch(/line 4.*together with `replica`/);
    expect(errorOf('dbs:\n  - path: /a\n    replica: {path: /c}\n  - path: /a\n    replica: {path: /d}\n').message).toMatch(/line 4.*already listed/);
  });

  it('dir + pattern is a directory entry; without pattern, with path, or with a bad glob it is an error naming the key', () => {
    const config = parse('dbs:\n  - dir: /data\n    pattern: "*.db"\n    recursive: true\n    replica: {url: s3://b/p}\n');
    expect(config.dbs).toEqual([]);
    expect(config.dirs).toMatchObject([{ dir: '/data', pattern: '*.db', recursive: true, template: { path: '/data', replica: { options: { type: 's3', bucket: 'b', path: 'p' } } } }]);
    expect(errorOf('dbs:\n  - dir: /data\n    replica: {url: s3://b/p}\n').message).toMatch(/line 2.*needs `pattern`/);
    expect(errorOf('dbs:\n  - dir: /data\n    path: /data/a.db\n    pattern: "*.db"\n    replica: {url: s3://b/p}\n').message).toMatch(/line 3.*dbs\[0\]\.path.*together with `dir`/);
    expect(errorOf('dbs:\n  - dir: /data\n    pattern: "[a-"\n    replica: {url: s3://b/p}\n').message).toMatch(/line 3.*dbs\[0\]\.pattern.*without its closing/);
    expect(errorOf('max-requests-per-second: 0\n').message).toMatch(/line 1.*max-requests-per-second.*at least 1/);
    expect(parse('max-requests-per-second: 50\n').maxRequestsPerSecond).toBe(50);
  });

  it('s3 replicas need a bucket; a bucket without type is not silently a file replica', () => {
    expect(errorOf('dbs:\n  - path: /a\n    replica:\n      type: s3\n      path: x\n').message).toMatch(/line 3.*needs a bucket/);
    expect(errorOf('dbs:\n  - path: /a\n    replica:\n      bucket: b\n      path: x\n').message).toMatch(/line 4.*add `type: s3`/);
  });

  it('SSE settings are validated', () => {
    const key = Buffer.alloc(32, 7).toString('base64');
    expect(parse(S3_DB + `      sse-customer-key: ${key}\n`).dbs[0].replica.options).toMatchObject({ sseCustomerAlgorithm: 'AES256', sseCustomerKey: key });
    expect(errorOf(S3_DB + '      sse-customer-key: c2hvcnQ=\n').message).toMatch(/32 bytes/);
    expect(errorOf(S3_DB + `      sse-customer-key: ${key}\n      sse-kms-key-id: k\n`).message).toMatch(/sse-kms-key-id.*cannot be combined/);
    expect(errorOf(S3_DB + `      sse-customer-algorithm: DES\n      sse-customer-key: ${key}\n`).message).toMatch(/must be AES256/);
  });
});

describe('global replica settings act as defaults', () => {
  it('applies top-level replica keys to every replica; a replica key wins', () => {
    const c = parse(`access-key-id: AKIAGLOBAL
secret-access-key: globalsecret
region: eu-central-1
endpoint: https://s3.example.com
sync-interval: 10s
part-size: 8MiB
dbs:
  - path: /a
    replica:
      type: s3
      bucket: one
  - path: /b
    replica:
      type: s3
      bucket: two
      region: us-west-2
      sync-interval: 2s
      access-key-id: AKIALOCAL
      secret-access-key: localsecret
`);
    expect(c.dbs[0].replica.syncInterval).toBe(10_000);
    expect(c.dbs[0].replica.options).toMatchObject({
      bucket: 'one', region: 'eu-central-1', endpoint: 'https://s3.example.com', partSize: 8_388_608,
      accessKeyId: 'AKIAGLOBAL', secretAccessKey: 'globalsecret',
    });
    expect(resolved(c.dbs[0].replica.options).forcePathStyle).toBe(true);
    expect(c.dbs[1].replica.syncInterval).toBe(2000);
    expect(c.dbs[1].replica.options).toMatchObject({ bucket: 'two', region: 'us-west-2', accessKeyId: 'AKIALOCAL', secretAccessKey: 'localsecret' });
  });

  it('a replica URL is more specific than a global bucket or region', () => {
    const c = parse('bucket: globalbucket\nregion: us-east-1\n' + 'dbs:\n  - path: /a\n    replica:\n      url: s3://urlbucket.s3.eu-west-3.amazonaws.com/x\n');
    expect(c.dbs[0].replica.options).toMatchObject({ bucket: 'urlbucket', region: 'eu-west-3', path: 'x' });
  });

  it('LITESTREAM_* credentials fill in only when the AWS_* variable is unset', () => {
    const env = { LITESTREAM_ACCESS_KEY_ID: 'AKIAENV', LITESTREAM_SECRET_ACCESS_KEY: 'envsecret' };
    expect(parse(S3_DB, env).dbs[0].replica.options).toMatchObject({ accessKeyId: 'AKIAENV', secretAccessKey: 'envsecret' });
    const withAws = parse(S3_DB, { ...env, AWS_ACCESS_KEY_ID: 'AKIAAWS', AWS_SECRET_ACCESS_KEY: 'aws' }).dbs[0].replica.options;
    expect(withAws).not.toHaveProperty('accessKeyId');
    expect(withAws).not.toHaveProperty('secretAccessKey');
    expect(parse(S3_DB + '      access-key-id: AKIAFILE\n      secret-access-key: f\n', env).dbs[0].replica.options).toMatchObject({ accessKeyId: 'AKIAFILE' });
  });

  it('one credential without the other is an error', () => {
    expect(errorOf(S3_DB + '      access-key-id: AKIAONLY\n').message).toMatch(/line 5.*secret-access-key is not/);
  });
});

describe('Litestream v0.3 files load unmodified', () => {
  const v03 = `access-key-id: AKIAxxxx
secret-access-key: xxxx
dbs:
  - path: /data/app.db
    monitor-delay-interval: 10ms
    max-checkpoint-page-count: 10000
    replicas:
      - name: primary
        url: s3://backups/app.db
        retention: 72h
        retention-check-interval: 1h
        snapshot-interval: 6h
        validation-interval: 12h
        sync-interval: 10s
  - path: /data/other.db
    replicas:
      - type: s3
        bucket: backups
        path: other.db
        retention: 24h
        snapshot-interval: 1h
`;

  it('takes the single replica of a replicas list and maps v0.3 settings', () => {
    const c = parse(v03);
    expect(c.dbs[0].replica).toMatchObject({ syncInterval: 10_000, validationInterval: 43_200_000, options: { bucket: 'backups', path: 'app.db' } });
    expect(c.dbs[1].replica.options).toMatchObject({ bucket: 'backups', path: 'other.db' });
    // The longest v0.3 retention and the shortest snapshot interval become the global snapshot settings.
    expect(c.snapshot).toEqual({ retention: 72 * 3_600_000, interval: 3_600_000 });
    expect(c.notes?.join('\n')).toMatch(/v0\.3/);
  });

  it('an explicit v0.5 snapshot section wins over v0.3 replica settings', () => {
    expect(parse('snapshot:\n  retention: 1h\n' + v03).snapshot.retention).toBe(3_600_000);
  });

  it('per-database snapshot sections must agree', () => {
    const one = 'dbs:\n  - path: /a\n    snapshot: {interval: 2h}\n    replica: {path: /b}\n';
    expect(parse(one).snapshot.interval).toBe(7_200_000);
    const e = errorOf(one + '  - path: /c\n    snapshot: {interval: 3h}\n    replica: {path: /d}\n');
    expect(e.message).toMatch(/line 6.*differs.*same for every database/);
  });
});

describe('YAML features', () => {
  it('anchors, merge keys and x- extension keys work', () => {
    const c = parse(`x-replica: &replica
  type: s3
  bucket: shared
  region: eu-west-1
dbs:
  - path: /a
    replica:
      <<: *replica
      path: a
  - path: /b
    replica:
      <<: *replica
      path: b
      region: us-east-2
`);
    expect(c.dbs[0].replica.options).toMatchObject({ bucket: 'shared', path: 'a', region: 'eu-west-1' });
    expect(c.dbs[1].replica.options).toMatchObject({ bucket: 'shared', path: 'b', region: 'us-east-2' });
  });

  it('quoted values stay strings', () => {
    expect(parse('dbs:\n  - path: "null"\n    replica: {path: "~"}\n').dbs[0].path).toBe(path.resolve('null'));
  });
});

describe('loadConfigFile', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'streambed-config-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('reads a file and names it in errors', async () => {
    const file = path.join(dir, 'ok.yml');
    writeFileSync(file, S3_DB);
    expect((await loadConfigFile(file)).source).toBe(file);
    const bad = path.join(dir, 'bad.yml');
    writeFileSync(bad, S3_DB + '      bogus: 1\n');
    await expect(loadConfigFile(bad)).rejects.toThrow(`${bad}: line 5`);
  });

  it('a missing file is a ConfigError naming the path', async () => {
    const missing = path.join(dir, 'missing.yml');
    await expect(loadConfigFile(missing)).rejects.toThrow(ConfigError);
    await expect(loadConfigFile(missing)).rejects.toThrow(`${missing}: config file not found`);
  });
});
