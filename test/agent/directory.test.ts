// Directory replication: `dir` + `pattern` (+ `recursive`) databases written by outside sqlite3 processes, found at
// start and while running, released when deleted (their replica kept), each at Litestream's per-database path.
import { ListObjectsV2Command } from '@aws-sdk/client-s3';
import { existsSync } from 'node:fs';
import { mkdir, readdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Agent } from '../../agent/agent.ts';
import { RequestCap } from '../../agent/request-cap.ts';
import { SqliteConnections } from '../../agent/sqlite-connections.ts';
import { dbConfigForDirEntry, globMatcher } from '../../core/config/dir-entry.ts';
import { parseConfigText } from '../../core/config/load.ts';
import type { DirConfig } from '../../core/config/types.ts';
import { openReplicaClient } from '../../core/replica/open.ts';
import type { ReplicaOptions } from '../../core/replica/options.ts';
import { restoreDatabase } from '../../core/restore/index.ts';
import { startFaultProxy } from '../harness/fault-proxy.ts';
import { startLocalS3, type LocalS3 } from '../harness/local-s3.ts';
import { useTempDirs } from '../harness/tmp.ts';
import { captureLogger } from './workload/capture-log.ts';
import { HAVE_PROC_LOCKS, holdsSqliteSharedLock } from './workload/proc-locks.ts';
import { HAVE_SQLITE3_CLI, createCliDatabase, insertRows, sqliteCli } from './workload/sqlite-cli.ts';
import { waitFor } from './replicator-helpers.ts';

const tempDir = useTempDirs();

/** Rows as an outside sqlite3 process reads them (never opened in this process: the agent holds locks on it). */
function rowsOf(dbPath: string): Promise<string> {
  return sqliteCli(dbPath, 'SELECT id, n, hex(v) FROM t ORDER BY id;');
}

/** Restores the replica into a new file and returns its rows (empty string while the replica has no backup). */
async function restoredRows(replica: ReplicaOptions, outDir: string): Promise<string> {
  const out = join(outDir, `restore-${Date.now()}-${Math.random().toString(36).slice(2)}.db`);
  try {
    await restoreDatabase(openReplicaClient(replica), { outputPath: out });
    return await rowsOf(out);
  } catch {
    return '';
  }
}

async function waitReplicated(replica: ReplicaOptions, source: string, outDir: string, what: string): Promise<void> {
  const want = await rowsOf(source);
  let got = '';
  await waitFor(async () => (got = await restoredRows(replica, outDir)) === want, 20_000, `${what}: a restore equal to the source`)
    .catch((err: Error) => {
      throw new Error(`${err.message}\nsource rows: ${want.split('\n').length}, restored rows: ${got ? got.split('\n').length : 0}`);
    });
}

describe('glob and per-database settings (as Litestream reads dir, pattern, recursive)', () => {
  it('matches file names with Go filepath.Match syntax', () => {
    const m = globMatcher('tenant-?[0-9]*.db');
    expect(['tenant-a1.db', 'tenant-b2x.db'].map(m)).toEqual([true, true]);
    expect(['tenant-a.db', 'tenant-1a.db', 'x/tenant-a1.db', 'tenant-a1.db-wal'].map(m)).toEqual([false, false, false, false]);
    expect(globMatcher('[^a]*.db')('b.db')).toBe(true);
    expect(globMatcher('[^a]*.db')('a.db')).toBe(false);
    expect(globMatcher('\\*.db')('*.db')).toBe(true);
    expect(globMatcher('\\*.db')('x.db')).toBe(false);
    expect(() => globMatcher('[a-')).toThrow(/closing/);
  });

  it('joins the relative path to the replica path (S3 and file) and derives meta-path below a base', () => {
    const yaml = 'dbs:\n  - dir: /data\n    pattern: "*.db"\n    recursive: true\n    meta-path: /meta\n    replica: {url: "s3://bkt/tenants?endpoint=http://127.0.0.1:9"}\n'
      + '  - dir: /data2\n    pattern: "*.db"\n    replica: {path: /backups/t}\n';
    const [s3Dir, fileDir] = parseConfigText(yaml).dirs as DirConfig[];
    const nested = dbConfigForDirEntry(s3Dir, '/data/team-a/x.db');
    expect(nested.replica.options).toMatchObject({ type: 's3', bucket: 'bkt', path: 'tenants/team-a/x.db' });
    expect(nested.metaPath).toBe('/meta/team-a/.x.db-streambed');
    expect(nested.replica.url).toBeUndefined();
    expect(dbConfigForDirEntry(fileDir, '/data2/y.db')).toMatchObject({ path: '/data2/y.db', metaPath: '/data2/.y.db-streambed', replica: { options: { type: 'file', path: '/backups/t/y.db' } } });
    expect(() => dbConfigForDirEntry(fileDir, '/elsewhere/y.db')).toThrow(/not inside/);
  });

  it('the request cap lets a burst through, then spaces requests at the rate', () => {
    const cap = new RequestCap(10);
    const t0 = 1_000_000_000;
    const waits = Array.from({ length: 12 }, () => cap.reserve(t0));
    expect(waits.slice(0, 10)).toEqual(Array(10).fill(0));
    expect(waits.slice(10)).toEqual([100_000, 200_000]);
    // A second handle on the same buffer (the maintenance worker's) draws from the same budget.
    expect(RequestCap.attach(cap.buffer).reserve(t0)).toBe(300_000);
    // After a quiet second the burst is available again.
    expect(cap.reserve(t0 + 3_000_000)).toBe(0);
  });
});

describe.skipIf(!HAVE_SQLITE3_CLI)('directory replication (sqlite3 CLI writers)', () => {
  let s3: LocalS3;
  beforeAll(async () => {
    s3 = await startLocalS3();
  });
  afterAll(async () => {
    await s3?.stop();
  });

  function s3Yaml(dir: string, bucket: string, extra: string, endpoint?: string): string {
    const o = { ...s3.s3Options(bucket), ...(endpoint ? { endpoint } : {}) };
    return `max-requests-per-second: 200
dbs:
  - dir: ${dir}
    pattern: "*.db"
${extra}    replica:
      type: s3
      bucket: ${bucket}
      path: tenants
      endpoint: ${o.endpoint}
      region: us-east-1
      force-path-style: true
      access-key-id: ${o.accessKeyId}
      secret-access-key: ${o.secretAccessKey}
      sync-interval: 100ms
`;
  }

  it('replicates every matching database, picks up new ones, releases deleted ones and keeps their replicas', async () => {
    const root = await tempDir('dir-root');
    const outDir = await tempDir('dir-out');
    await mkdir(join(root, 'team-a'));
    for (const name of ['a.db', 'b.db', 'team-a/c.db', 'other.sqlite']) await createCliDatabase(join(root, name));
    await writeFile(join(root, 'notes.db'), 'not an SQLite database, though it matches the pattern\n'.repeat(4));
    for (const [i, name] of ['a.db', 'b.db', 'team-a/c.db'].entries()) await insertRows(join(root, name), i + 1, 3);

    const bucket = await s3.createBucket();
    const config = parseConfigText(s3Yaml(root, bucket, '    recursive: true\n'));
    const log = captureLogger('info');
    const agent = new Agent(config, { logger: log.logger, rescanInterval: 300, maintenanceInWorker: false });
    const replica = (rel: string): ReplicaOptions => s3.s3Options(bucket, `tenants/${rel}`);
    try {
      await agent.start();
      expect(agent.databasePaths.sort()).toEqual(['a.db', 'b.db', 'team-a/c.db'].map((n) => join(root, n)));
      for (const name of ['a.db', 'b.db', 'team-a/c.db']) await waitReplicated(replica(name), join(root, name), outDir, name);

      // Each database at its own Litestream path: <replica path>/<path relative to dir>/<level %04x>/<txids>.ltx.
      const listed = await s3.client().send(new ListObjectsV2Command({ Bucket: bucket, Prefix: 'tenants/' }));
      const prefixes = new Set((listed.Contents ?? []).map((o) => o.Key!.replace(/\/[0-9a-f]{4}\/[0-9a-f]{16}-[0-9a-f]{16}\.ltx$/, '')));
      expect([...prefixes].sort()).toEqual(['tenants/a.db', 'tenants/b.db', 'tenants/team-a/c.db']);

      // A database created while the agent runs, by another process, is found and replicated without a restart.
      await createCliDatabase(join(root, 'team-a', 'd.db'));
      await insertRows(join(root, 'team-a', 'd.db'), 9, 2);
      await waitFor(() => agent.databasePaths.includes(join(root, 'team-a', 'd.db')), 10_000, 'the new database to be served');
      await insertRows(join(root, 'team-a', 'd.db'), 10, 2);
      await waitReplicated(replica('team-a/d.db'), join(root, 'team-a', 'd.db'), outDir, 'team-a/d.db');

      // A deleted database is released; its replica keeps every file and still restores its last state.
      await insertRows(join(root, 'b.db'), 7, 5);
      await waitReplicated(replica('b.db'), join(root, 'b.db'), outDir, 'b.db before deletion');
      const lastRows = await rowsOf(join(root, 'b.db'));
      const before = (await s3.client().send(new ListObjectsV2Command({ Bucket: bucket, Prefix: 'tenants/b.db/' }))).KeyCount;
      for (const f of ['b.db', 'b.db-wal', 'b.db-shm']) await rm(join(root, f), { force: true });
      // The path leaves the set first; 'released' is logged once its loops stopped and its client closed.
      await waitFor(() => log.find('released').length > 0, 10_000, 'the deleted database to be released');
      expect(agent.databasePaths).not.toContain(join(root, 'b.db'));
      expect(log.find('released').map((l) => l.db)).toEqual([join(root, 'b.db')]);
      const after = (await s3.client().send(new ListObjectsV2Command({ Bucket: bucket, Prefix: 'tenants/b.db/' }))).KeyCount;
      expect(after).toBeGreaterThanOrEqual(before ?? 0);
      expect(await restoredRows(replica('b.db'), outDir)).toBe(lastRows);
      // Everything had reached the replica, so its staging folder went with it; the others' stay.
      expect(existsSync(join(root, '.b.db-streambed'))).toBe(false);
      expect(existsSync(join(root, '.a.db-streambed'))).toBe(true);

      // The others keep replicating after the release.
      await insertRows(join(root, 'a.db'), 11, 4);
      await waitReplicated(replica('a.db'), join(root, 'a.db'), outDir, 'a.db after the release');
    } finally {
      await agent.stop();
    }
  });

  it('a database deleted while S3 refuses uploads still gets the changes it had captured uploaded, then its staging goes', async () => {
    const root = await tempDir('dir-deleted');
    const outDir = await tempDir('dir-deleted-out');
    const dbPath = join(root, 'x.db');
    await createCliDatabase(dbPath);
    await insertRows(dbPath, 1, 3);
    const bucket = await s3.createBucket();
    const proxy = await startFaultProxy(s3.endpoint, {});
    const log = captureLogger('info');
    const agent = new Agent(parseConfigText(s3Yaml(root, bucket, '', proxy.url)), { logger: log.logger, rescanInterval: 300, maintenanceInWorker: false });
    const replica = s3.s3Options(bucket, 'tenants/x.db');
    const staged = (): Promise<string[]> => readdir(join(root, '.x.db-streambed', 'ltx', '0')).catch(() => []);
    try {
      await agent.start();
      await waitReplicated(replica, dbPath, outDir, 'x.db');
      // Every PUT fails from now on: the agent keeps capturing commits in local L0 files that cannot go up.
      proxy.setPlan({ probability: 1, kinds: ['internal-error'], eligible: (r) => r.method === 'PUT' });
      const stagedBefore = (await staged()).length;
      await insertRows(dbPath, 2, 4);
      const lastRows = await rowsOf(dbPath);
      await waitFor(async () => (await staged()).length > stagedBefore, 10_000, 'the new commits in a local L0 file');
      // Deleted between two upload attempts: the upload lane has given up for now and waits on its retry timer.
      await waitFor(() => log.find('replication failed; will retry').length > 0, 20_000, 'an upload to fail');
      for (const f of ['x.db', 'x.db-wal', 'x.db-shm']) await rm(join(root, f), { force: true });
      await waitFor(() => !agent.databasePaths.includes(dbPath), 10_000, 'the deletion to be seen');
      expect(await restoredRows(replica, outDir)).not.toBe(lastRows);
      // S3 takes uploads again before shutdown-sync-timeout: the release uploads what was captured.
      proxy.setPlan({});
      await waitFor(() => log.find('released').length > 0, 30_000, 'the deleted database to be released');
      expect(await restoredRows(replica, outDir)).toBe(lastRows);
      expect(existsSync(join(root, '.x.db-streambed'))).toBe(false);
    } finally {
      await agent.stop();
      await proxy.stop();
    }
  });

  it('without recursive only the top directory counts, and the pattern picks the names', async () => {
    const root = await tempDir('dir-flat');
    const outDir = await tempDir('dir-flat-out');
    await mkdir(join(root, 'sub'));
    for (const name of ['x.db', 'sub/y.db', 'z.sqlite']) {
      await createCliDatabase(join(root, name));
      await insertRows(join(root, name), 1, 2);
    }
    const replicaRoot = await tempDir('dir-flat-replica');
    const yaml = `dbs:\n  - dir: ${root}\n    pattern: "*.db"\n    replica:\n      path: ${replicaRoot}\n      sync-interval: 100ms\n`;
    const agent = new Agent(parseConfigText(yaml), { rescanInterval: 300, maintenanceInWorker: false });
    try {
      await agent.start();
      expect(agent.databasePaths).toEqual([join(root, 'x.db')]);
      await waitReplicated({ type: 'file', path: join(replicaRoot, 'x.db') }, join(root, 'x.db'), outDir, 'x.db');
      // A file replica of a dir entry: <path>/<relative path>/ltx/<level>/, as Litestream lays it out.
      expect(await readdir(join(replicaRoot, 'x.db', 'ltx', '0'))).not.toHaveLength(0);
      expect(existsSync(join(replicaRoot, 'sub'))).toBe(false);
      expect(existsSync(join(replicaRoot, 'z.sqlite'))).toBe(false);
    } finally {
      await agent.stop();
    }
  });

  it('replicate --once syncs every database the directory holds', async () => {
    const root = await tempDir('dir-once');
    const outDir = await tempDir('dir-once-out');
    for (const name of ['p.db', 'q.db']) {
      await createCliDatabase(join(root, name));
      await insertRows(join(root, name), 3, 2);
    }
    const replicaRoot = await tempDir('dir-once-replica');
    const yaml = `dbs:\n  - dir: ${root}\n    pattern: "*.db"\n    replica:\n      path: ${replicaRoot}\n`;
    await new Agent(parseConfigText(yaml), { maintenanceInWorker: false }).syncOnce();
    for (const name of ['p.db', 'q.db']) {
      expect(await restoredRows({ type: 'file', path: join(replicaRoot, name) }, outDir)).toBe(await rowsOf(join(root, name)));
    }
  });
});

describe.skipIf(!HAVE_SQLITE3_CLI)('an idle database holds one connection', () => {
  it('the writable connections close when unused and reopen on demand; the read lock stays and still pins the WAL', async () => {
    const dir = await tempDir('idle-conns');
    const path = join(dir, 'idle.db');
    await createCliDatabase(path);
    await insertRows(path, 1, 3);
    const conns = new SqliteConnections(path, 1000, { writerIdleCloseMs: 50 });
    conns.open();
    try {
      conns.acquireReadLock();
      // The control connection set the database up; the checkpointer opens on first use.
      expect(conns.openConnections).toBe(2);
      await waitFor(() => conns.openConnections === 1, 5000, 'the writable connections to close');
      if (HAVE_PROC_LOCKS) expect(holdsSqliteSharedLock(path)).toBe(true);
      // Another process cannot restart the WAL under our read transaction (busy = 1).
      await insertRows(path, 2, 3);
      expect((await sqliteCli(path, 'PRAGMA wal_checkpoint(TRUNCATE);')).split('|')[0]).toBe('1');
      conns.bumpSeq();
      expect(conns.openConnections).toBe(2);
      expect(conns.checkpoint('PASSIVE').busy).toBe(0);
      expect(conns.openConnections).toBe(3);
    } finally {
      conns.close();
    }
  });
});
