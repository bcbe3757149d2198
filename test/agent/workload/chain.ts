// Test helpers: rebuild a database from the local L0 chain and compare it with the live source database.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { checksumDatabaseFile } from '../../../core/ltx/database.ts';
import { applyLtxFiles } from '../../../core/restore/local-files.ts';
import { L0Store } from '../../../agent/l0/store.ts';
import type { ReplicationSource } from '../../../agent/database-api.ts';

/** Syncs until two calls in a row write nothing (a checkpoint's bump is synced by the following call). */
export async function syncUntilIdle(db: ReplicationSource): Promise<void> {
  let idle = 0;
  for (let i = 0; i < 200 && idle < 2; i++) idle = (await db.sync()).files.length > 0 ? 0 : idle + 1;
}

export interface ChainCheck {
  equal: boolean;
  sourceChecksum: bigint;
  restoredChecksum: bigint;
  integrity: string;
  files: number;
}

/**
 * Applies every local L0 file (TXID 1 first) to an empty file and compares it with a consistent image of
 * the source taken through SQLite (serialize sees the WAL); the source must be quiet and fully synced.
 */
export async function checkChain(metaPath: string, dbPath: string, workDir: string): Promise<ChainCheck> {
  const files = await new L0Store(metaPath).list();
  const restored = join(workDir, `restored-${Date.now()}.db`);
  await applyLtxFiles(restored, files.map((f) => f.path));
  const src = new BetterSqlite3(dbPath, { readonly: true });
  let image: Buffer;
  try {
    image = src.serialize();
  } finally {
    src.close();
  }
  const copy = join(workDir, `source-${Date.now()}.db`);
  writeFileSync(copy, image);
  const check = new BetterSqlite3(restored, { readonly: true });
  let integrity: string;
  try {
    integrity = String(check.pragma('integrity_check', { simple: true }));
  } finally {
    check.close();
  }
  const restoredBytes = readFileSync(restored);
  return {
    equal: Buffer.compare(image, restoredBytes) === 0,
    sourceChecksum: await checksumDatabaseFile(copy),
    restoredChecksum: await checksumDatabaseFile(restored),
    integrity,
    files: files.length,
  };
}
