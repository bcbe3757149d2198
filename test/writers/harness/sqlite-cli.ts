// role: look at a database through Debian's sqlite3 CLI, read-only: .dump digest, integrity_check, queries.
// Read-only matters for the live source: a read-write connection that closes last would checkpoint and delete
// the WAL, which is an application's business, not the checker's.
import { execFile, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { SQLITE3, requireSqliteCli } from './processes.ts';

export interface DumpDigest {
  sha256: string;
  lines: number;
  bytes: number;
}

/** SHA-256 of `sqlite3 -readonly DB .dump` (streamed: databases in the soak reach hundreds of MB). */
export function dumpDigest(path: string): Promise<DumpDigest> {
  requireSqliteCli();
  return new Promise((resolve, reject) => {
    const child = spawn(SQLITE3, ['-readonly', path, '.dump'], { stdio: ['ignore', 'pipe', 'pipe'] });
    const hash = createHash('sha256');
    let lines = 0;
    let bytes = 0;
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => {
      hash.update(chunk);
      bytes += chunk.length;
      for (const b of chunk) if (b === 10) lines++;
    });
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    child.on('error', reject);
    child.on('close', (code) => {
      // .dump of a damaged file ends with "ROLLBACK; -- due to errors" and may still exit 0.
      if (code !== 0 || stderr) reject(new Error(`sqlite3 .dump ${path} exited ${code}: ${stderr.trim()}`));
      else resolve({ sha256: hash.digest('hex'), lines, bytes });
    });
  });
}

/** Output rows of one SQL statement, tab-separated columns. */
export function query(path: string, sql: string): Promise<string[][]> {
  requireSqliteCli();
  return new Promise((resolve, reject) => {
    execFile(SQLITE3, ['-readonly', '-batch', '-separator', '\t', path, sql], { maxBuffer: 256 * 1024 * 1024 }, (err, stdout, stderr) => {
      if (err) reject(new Error(`sqlite3 ${path} "${sql}": ${stderr.trim() || err.message}`));
      else resolve(stdout.split('\n').filter((l) => l !== '').map((l) => l.split('\t')));
    });
  });
}

/** `PRAGMA integrity_check` as one line ("ok" when sound), or the error sqlite3 printed. */
export async function integrityCheck(path: string): Promise<string> {
  try {
    return (await query(path, 'PRAGMA integrity_check')).map((r) => r.join(' ')).join('; ');
  } catch (err) {
    return (err as Error).message;
  }
}

export async function pageSize(path: string): Promise<number> {
  return Number((await query(path, 'PRAGMA page_size'))[0]?.[0]);
}

export interface CommitRow {
  writer: string;
  seq: number;
  tMs: number;
}

/** Every commit row, and each writer's counter (which its transactions move together with the rows). */
export async function commitRows(path: string): Promise<{ rows: CommitRow[]; counters: Map<string, number> }> {
  const tables = await query(path, "SELECT name FROM sqlite_master WHERE type = 'table' AND name IN ('commits', 'counters')");
  if (tables.length < 2) return { rows: [], counters: new Map() };
  const rows = (await query(path, 'SELECT writer, seq, t_ms FROM commits ORDER BY writer, seq')).map(([writer, seq, t]) => ({
    writer,
    seq: Number(seq),
    tMs: Number(t),
  }));
  const counters = new Map((await query(path, 'SELECT writer, n FROM counters')).map(([w, n]) => [w, Number(n)] as [string, number]));
  return { rows, counters };
}
