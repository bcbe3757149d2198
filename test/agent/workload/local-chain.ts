// Test helpers: restore the local L0 chain into a database file and read rows from it.
import { join } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { applyLtxFiles } from '../../../core/ltx/database.ts';
import { L0Store } from '../../../agent/l0/store.ts';

/** Applies every local L0 file (TXID 1 first) into `<dir>/<name>`; returns its path. */
export async function restoreLocalChain(metaPath: string, dir: string, name = `chain-${Date.now()}.db`): Promise<string> {
  const out = join(dir, name);
  await applyLtxFiles(out, (await new L0Store(metaPath).list()).map((f) => f.path));
  return out;
}

/** Runs one query on a database opened read-only in this process (only once the agent closed it). */
export function queryAll<T>(dbPath: string, sql: string): T[] {
  const db = new BetterSqlite3(dbPath, { readonly: true });
  try {
    return db.prepare(sql).all() as T[];
  } finally {
    db.close();
  }
}
