// Runs SQLite's own check on a restored file before it replaces anything.
import Database from 'better-sqlite3';
import { rm } from 'node:fs/promises';
import { IntegrityCheckError } from './errors.ts';

export type IntegrityCheck = 'none' | 'quick' | 'full';

/** Throws IntegrityCheckError unless PRAGMA quick_check / integrity_check reports "ok". */
export async function checkIntegrity(path: string, mode: IntegrityCheck, reportAs: string = path): Promise<void> {
  if (mode === 'none') return;
  const pragma = mode === 'quick' ? 'quick_check' : 'integrity_check';
  let problems: string[];
  try {
    const db = new Database(path, { fileMustExist: true });
    try {
      // No memory map: mapped pages count in the process's RSS, so mapping the whole file made a 519 MiB restore
      // peak at 568 MiB for the check alone; reading through SQLite's 2 MiB page cache peaks at 65 MiB. The price
      // is CPU: 0.41 instead of 0.25 CPU-s for that file (docs/benchmarks.md § Restore).
      db.pragma('mmap_size = 0');
      problems = (db.pragma(pragma) as Array<Record<string, string>>).map((row) => Object.values(row)[0]);
    } finally {
      db.close();
    }
  } catch (err) {
    problems = [err instanceof Error ? err.message : String(err)];
  } finally {
    // A WAL-mode header makes SQLite create side files next to the temporary file.
    await Promise.all([rm(`${path}-wal`, { force: true }), rm(`${path}-shm`, { force: true })]);
  }
  if (problems.length !== 1 || problems[0] !== 'ok') throw new IntegrityCheckError(reportAs, pragma, problems);
}
