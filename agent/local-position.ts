// Local L0 staging: listing, crash leftovers, full verification of the newest file and the position it records.
import { createReadStream } from 'node:fs';
import { readdir, rename, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { LtxDecoder } from '../core/ltx/decoder.ts';
import type { LtxHeader, TXID } from '../core/ltx/types.ts';
import { localLevelDir, tryParseLtxFileName } from '../core/layout/names.ts';
import { WAL_HEADER_SIZE } from '../core/sqlite/wal-format.ts';

/** Where the last L0 file left the WAL: the next sync continues from `offset` in the WAL with these salts. */
export interface WalPosition {
  txid: TXID;
  /** WALOffset + WALSize of the newest L0 file. */
  offset: number;
  salt1: number;
  salt2: number;
  /** Database size in pages after that file. */
  commit: number;
  pageSize: number;
  /**
   * Header of the last frame the file covered, when known in this process. Equal bytes at offset-frameSize
   * prove the WAL was not rewritten (same salts and same cumulative checksum).
   */
  lastFrameHeader: Uint8Array | null;
  /**
   * Known in this process only: the WAL with these salts was completely checkpointed under our write
   * barrier with its last frame at this position, so a single restart after it loses nothing.
   */
  walEndsHere?: boolean;
}

export interface LocalL0File {
  txid: TXID;
  path: string;
}

export function l0Dir(metaPath: string): string {
  return localLevelDir(metaPath, 0);
}

/** L0 files (min = max TXID) in ascending TXID order; other names are ignored. */
export async function listLocalL0(metaPath: string): Promise<LocalL0File[]> {
  const dir = l0Dir(metaPath);
  let names: string[];
  try {
    names = await readdir(dir);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw err;
  }
  const files: LocalL0File[] = [];
  for (const name of names) {
    const parsed = tryParseLtxFileName(name);
    if (parsed && parsed.minTXID === parsed.maxTXID) files.push({ txid: parsed.maxTXID, path: join(dir, name) });
  }
  return files.sort((a, b) => a.txid - b.txid);
}

/** Removes temporary files left by a crash in the middle of a write (`<name>.tmp…`). */
export async function removeTempFiles(metaPath: string): Promise<number> {
  const dir = l0Dir(metaPath);
  let removed = 0;
  let names: string[];
  try {
    names = await readdir(dir);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return 0;
    throw err;
  }
  for (const name of names) {
    if (/\.tmp(-[0-9a-f]+)?$/.test(name)) {
      await rm(join(dir, name), { force: true });
      removed++;
    }
  }
  return removed;
}

/** Decodes a whole L0 file (verifying every page and the file checksum); returns one page's data if asked. */
export async function readLocalL0(path: string, wantPgno?: number): Promise<{ header: LtxHeader; page: Uint8Array | null }> {
  const decoder = new LtxDecoder(createReadStream(path, { highWaterMark: 1 << 20 }), path);
  const header = await decoder.header();
  let page: Uint8Array | null = null;
  for await (const p of decoder.pages()) {
    if (p.pgno === wantPgno) page = p.data;
  }
  await decoder.trailer();
  return { header, page };
}

export function positionFromHeader(txid: TXID, header: LtxHeader): WalPosition {
  return {
    txid,
    offset: header.walOffset + header.walSize,
    salt1: header.walSalt1,
    salt2: header.walSalt2,
    commit: header.commit,
    pageSize: header.pageSize,
    lastFrameHeader: null,
  };
}

/** True when the position records a place in a WAL (snapshots of a database without WAL record none). */
export function hasWalPosition(pos: WalPosition): boolean {
  return pos.offset >= WAL_HEADER_SIZE;
}

/** Moves a corrupt L0 file aside (`.corrupt`) so it is neither uploaded nor taken as the position again. */
export async function quarantine(path: string): Promise<string> {
  const target = `${path}.corrupt`;
  await rename(path, target);
  return target;
}

/**
 * Removes L0 files with TXID ≤ uploaded whose mtime is older than retentionMs, never the newest local file
 * (it holds the position). Returns how many were removed.
 */
export async function pruneL0(metaPath: string, uploaded: TXID, retentionMs: number, now = Date.now()): Promise<number> {
  const files = await listLocalL0(metaPath);
  const newest = files.at(-1)?.txid ?? 0;
  let removed = 0;
  for (const file of files) {
    if (file.txid > uploaded || file.txid === newest) continue;
    try {
      const st = await stat(file.path);
      if (now - st.mtimeMs < retentionMs) continue;
      await rm(file.path, { force: true });
      removed++;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    }
  }
  return removed;
}
