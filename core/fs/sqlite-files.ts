// Path helpers for restore outputs: whether a path exists, and removing a database file with its -wal and -shm.
import { access, rm } from 'node:fs/promises';

export async function pathExists(path: string): Promise<boolean> {
  try {
    await access(path);
    return true;
  } catch {
    return false;
  }
}

/** Removes a (temporary) database and the -wal/-shm files SQLite may have left beside it. */
export async function removeDatabaseFiles(path: string): Promise<void> {
  await Promise.all([path, `${path}-wal`, `${path}-shm`].map((p) => rm(p, { force: true })));
}
