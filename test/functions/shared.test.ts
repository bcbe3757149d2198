// Environment parsing and the node:sqlite stand-in for better-sqlite3 used in the Lambda bundles.
import BetterSqlite3 from 'better-sqlite3';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Logger as PowertoolsLogger } from '@aws-lambda-powertools/logger';
import { describe, expect, it, vi } from 'vitest';
import { DEFAULT_MAINTENANCE_SETTINGS } from '../../core/compact/index.ts';
import { createdObjectsOf } from '../../functions/compact/s3-notifications.ts';
import { dbPathOfL0Key } from '../../functions/shared/ltx-keys.ts';
import { coreLogger } from '../../functions/shared/powertools.ts';
import { replicaOptionsFor } from '../../functions/shared/replica.ts';
import { maintenanceSettingsFromEnv } from '../../functions/shared/settings.ts';
import SqliteAdapter from '../../functions/shared/sqlite-adapter.ts';
import { s3PutEvent } from '../harness/s3-events.ts';
import { useTempDirs } from '../harness/tmp.ts';

const tempDir = useTempDirs();

describe('maintenance settings from the environment', () => {
  it('parses Go durations and booleans, defaulting to the agent settings', () => {
    expect(maintenanceSettingsFromEnv({})).toEqual(DEFAULT_MAINTENANCE_SETTINGS);
    const s = maintenanceSettingsFromEnv({ LEVELS: '10s, 1m,1h30m', SNAPSHOT_INTERVAL: '12h', SNAPSHOT_RETENTION: '72h', L0_RETENTION: '90s', RETENTION_ENABLED: 'false' });
    expect(s).toMatchObject({ levels: [10_000, 60_000, 5_400_000], snapshotInterval: 43_200_000, snapshotRetention: 259_200_000, l0Retention: 90_000, retentionEnabled: false });
  });

  it('names the variable at fault', () => {
    expect(() => maintenanceSettingsFromEnv({ LEVELS: '30s,5 minutes' })).toThrow(/LEVELS/);
    expect(() => maintenanceSettingsFromEnv({ LEVELS: '5m,30s' })).toThrow(/LEVELS.*must be longer than/);
    expect(() => maintenanceSettingsFromEnv({ SNAPSHOT_INTERVAL: '0s' })).toThrow(/SNAPSHOT_INTERVAL/);
    expect(() => maintenanceSettingsFromEnv({ RETENTION_ENABLED: 'maybe' })).toThrow(/RETENTION_ENABLED/);
  });

  it('uses the role credentials (no keys) and the region of the function; S3_ENDPOINT forces path style', () => {
    const aws = replicaOptionsFor({ AWS_REGION: 'eu-west-1' }, 'b', 'db');
    expect(aws).toEqual({ type: 's3', bucket: 'b', path: 'db', region: 'eu-west-1' });
    expect(replicaOptionsFor({ AWS_REGION: 'us-east-1', S3_ENDPOINT: 'http://127.0.0.1:9' }, 'b', '')).toMatchObject({ endpoint: 'http://127.0.0.1:9', forcePathStyle: true });
  });
});

describe('Powertools adapter of the core logger', () => {
  it('logs (fields, message) as a Powertools line at the same level (warn and error on stderr), keeping an LTX level apart from the log level', () => {
    const lines: string[] = [];
    const capture = (chunk: string | Uint8Array): boolean => lines.push(String(chunk)) > 0;
    const stdout = vi.spyOn(process.stdout, 'write').mockImplementation(capture);
    const stderr = vi.spyOn(process.stderr, 'write').mockImplementation(capture);
    try {
      const log = coreLogger(new PowertoolsLogger({ serviceName: 'test', logLevel: 'DEBUG' }));
      log.debug({ db: 'a.db' }, 'planned');
      log.info({ level: 1, maxTXID: '0000000000000003' }, 'compacted level');
      log.warn({ step: 'retention' }, 'maintenance step failed');
      log.error({ db: 'a.db', reason: 'boom' }, 'record failed');
    } finally {
      stdout.mockRestore();
      stderr.mockRestore();
    }
    const records = lines.join('').trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(records.map((r) => [r.level, r.message])).toEqual([
      ['DEBUG', 'planned'], ['INFO', 'compacted level'], ['WARN', 'maintenance step failed'], ['ERROR', 'record failed'],
    ]);
    expect(records[1]).toMatchObject({ ltx_level: 1, maxTXID: '0000000000000003', service: 'test' });
    expect(records[3]).toMatchObject({ db: 'a.db', reason: 'boom' });
  });
});

describe('S3 notification parsing', () => {
  it('decodes keys, keeps only L0 LTX files, and unwraps SNS', () => {
    const event = s3PutEvent('bkt', 'a b/c+d.db/0000/0000000000000001-0000000000000002.ltx', 10);
    expect(event.Records[0].s3.object.key).toBe('a+b/c%2Bd.db/0000/0000000000000001-0000000000000002.ltx');
    const [object] = createdObjectsOf(JSON.stringify({ Type: 'Notification', Message: JSON.stringify(event) }));
    expect(object).toEqual({ bucket: 'bkt', key: 'a b/c+d.db/0000/0000000000000001-0000000000000002.ltx' });
    expect(dbPathOfL0Key(object.key)).toBe('a b/c+d.db');
    expect(dbPathOfL0Key('/0000/0000000000000001-0000000000000001.ltx')).toBe('');
    expect(dbPathOfL0Key('db/0009/0000000000000001-0000000000000009.ltx')).toBeNull();
    expect(dbPathOfL0Key('db/0000/notes.txt')).toBeNull();
    expect(createdObjectsOf(JSON.stringify({ Service: 'Amazon S3', Event: 's3:TestEvent' }))).toEqual([]);
    expect(() => createdObjectsOf('<xml/>')).toThrow(/not JSON/);
  });
});

describe('sqlite adapter (node:sqlite in place of better-sqlite3)', () => {
  it('answers quick_check like better-sqlite3 on a good and on a damaged file', async () => {
    const dir = await tempDir('fn-sqlite');
    const good = join(dir, 'good.db');
    const db = new BetterSqlite3(good);
    db.pragma('page_size = 1024');
    db.exec('CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT); CREATE INDEX tv ON t(v);');
    const insert = db.prepare('INSERT INTO t (v) VALUES (?)');
    db.transaction(() => {
      for (let i = 0; i < 300; i++) insert.run(`value-${i}-${'y'.repeat(i % 50)}`);
    })();
    db.close();
    const viaAdapter = (path: string): unknown => {
      const a = new SqliteAdapter(path, { fileMustExist: true });
      try {
        return a.pragma('quick_check');
      } finally {
        a.close();
      }
    };
    const viaBetter = (path: string): unknown => {
      const b = new BetterSqlite3(path, { fileMustExist: true });
      try {
        return b.pragma('quick_check');
      } finally {
        b.close();
      }
    };
    expect(viaAdapter(good)).toEqual([{ quick_check: 'ok' }]);
    expect(viaAdapter(good)).toEqual(viaBetter(good));

    const bytes = await readFile(good);
    const damaged = join(dir, 'damaged.db');
    bytes.fill(0x41, 5 * 1024 + 200, 5 * 1024 + 600); // inside a b-tree page
    await writeFile(damaged, bytes);
    const adapterSays = (() => {
      try {
        return viaAdapter(damaged);
      } catch (err) {
        return String(err);
      }
    })();
    expect(JSON.stringify(adapterSays)).not.toBe(JSON.stringify([{ quick_check: 'ok' }]));
    expect(() => new SqliteAdapter(join(dir, 'missing.db'), { fileMustExist: true })).toThrow(/does not exist/);
  });
});
