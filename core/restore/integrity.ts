// Runs SQLite's own check on a restored file before it replaces anything.
import Database from 'better-sqlite3';
import { rm } from 'node:fs/promises';
import { IntegrityCheckError } from './errors.ts';

export type IntegrityCheck = 'none' | 'quick' | 'full';

const MMAP_BYTES = 2 ** 40;

/** Throws IntegrityCheckError unless PRAGMA quick_check / integrity_check reports "ok". */
export async function checkIntegrity(path: string, mode: IntegrityCheck, reportAs: string = path): Promise<void> {
  if (mode === 'none') return;
  const pragma = mode === 'quick' ? 'quick_check' : 'integrity_check';
  let problems: string[];
  try {
    const db = new Database(path, { fileMustExist: true });
    try {
      // The check reads every page once; through a memory map instead of one pread per page it takes about half
      // the time (1.6 s -> 0.8 s for 1.2 GiB). SQLite caps the request at its build's limit (2 GiB here).
      db.pragma(`mmap_size = ${MMAP_BYTES}`);
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
