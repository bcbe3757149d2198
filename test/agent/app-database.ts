// The agent's unit tests' usual set-up: an application's WAL database (table t) and the Database settings for it.
import { join } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import type { DatabaseSettings } from '../../agent/database-api.ts';

export interface AppDatabase {
  dir: string;
  path: string;
  /** The application's own connection: WAL mode, no automatic checkpoints, so the tests decide when. */
  app: BetterSqlite3.Database;
  settings: DatabaseSettings;
}

/** Creates `app.db` in a new temporary folder (from the test file's useTempDirs) with table t (id, v BLOB). */
export async function appDatabase(tempDir: (prefix?: string) => Promise<string>, prefix: string, overrides: Partial<DatabaseSettings> = {}): Promise<AppDatabase> {
  const dir = await tempDir(prefix);
  const path = join(dir, 'app.db');
  const app = new BetterSqlite3(path);
  app.pragma('journal_mode = wal');
  app.pragma('wal_autocheckpoint = 0');
  app.exec('CREATE TABLE t (id INTEGER PRIMARY KEY, v BLOB)');
  const settings: DatabaseSettings = {
    path,
    metaPath: join(dir, '.app.db-streambed'),
    busyTimeout: 1000,
    minCheckpointPageCount: 1000,
    truncatePageN: 0,
    checkpointInterval: 0,
    maxSyncWalBytes: 64 * 1024 * 1024,
    ...overrides,
  };
  return { dir, path, app, settings };
}
