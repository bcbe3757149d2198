// Test helpers: the sqlite3 command-line tool as an application, one process per transaction.
import { spawn, spawnSync } from 'node:child_process';

export const HAVE_SQLITE3_CLI = spawnSync('sqlite3', ['-version']).status === 0;

/** Runs SQL in a new sqlite3 process (which opens, commits and closes the database); rejects with its stderr. */
export function sqliteCli(dbPath: string, sql: string): Promise<string> {
  const child = spawn('sqlite3', ['-batch', '-bail', '-cmd', '.timeout 10000', dbPath, sql], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (err += d.toString()));
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('exit', (code) => {
      if (code === 0 && err === '') resolve(out.trim());
      else reject(new Error(`sqlite3 ${dbPath} exited with ${code}: ${err.trim()} (SQL: ${sql.slice(0, 200)})`));
    });
  });
}

/** Creates a WAL-mode database with table t(id, n, v) from a sqlite3 process that then exits (so no WAL is left). */
export async function createCliDatabase(dbPath: string): Promise<void> {
  await sqliteCli(dbPath, 'PRAGMA journal_mode=wal; CREATE TABLE t (id INTEGER PRIMARY KEY, n INTEGER NOT NULL, v BLOB);');
}

/** One transaction of `rows` rows tagged n, each with a random blob of `size` bytes. */
export function insertRows(dbPath: string, n: number, rows = 1, size = 200): Promise<string> {
  return sqliteCli(dbPath, `WITH RECURSIVE k(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM k WHERE i < ${rows}) INSERT INTO t (n, v) SELECT ${n}, randomblob(${size}) FROM k;`);
}
