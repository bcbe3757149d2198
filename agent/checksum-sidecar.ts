// Page checksums of the newest local L0 file's state, saved at shutdown so the next start can prove continuity.
import { readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { Crc64 } from '../core/ltx/crc64.ts';
import { writeFileAtomic } from '../core/fs/atomic.ts';
import type { TXID } from '../core/ltx/types.ts';
import { formatTXID } from '../core/layout/names.ts';
import { PageChecksums } from './page-checksums.ts';

const MAGIC = 0x53425043; // "SBPC"
const VERSION = 1;
const HEAD = 32;

/** Which L0 file the checksums belong to: the state after that file, nothing else. */
export interface SidecarKey {
  txid: TXID;
  /** The L0 header timestamp (tells two files with the same TXID apart, e.g. after continueAfter). */
  timestamp: number;
  commit: number;
  pageSize: number;
}

export function sidecarPath(metaPath: string): string {
  return join(metaPath, 'page-checksums');
}

function crcOf(bytes: Uint8Array): [number, number] {
  const c = new Crc64().update(bytes);
  return [c.digestLo(), c.digestHi()];
}

export async function saveChecksums(metaPath: string, key: SidecarKey, sums: PageChecksums): Promise<void> {
  const body = sums.toBytes();
  const out = new Uint8Array(HEAD + body.length + 8);
  const view = new DataView(out.buffer);
  view.setUint32(0, MAGIC);
  view.setUint32(4, VERSION);
  view.setBigUint64(8, BigInt(key.txid));
  view.setBigInt64(16, BigInt(key.timestamp));
  view.setUint32(24, key.commit);
  view.setUint32(28, key.pageSize);
  out.set(body, HEAD);
  const [lo, hi] = crcOf(out.subarray(0, HEAD + body.length));
  view.setUint32(HEAD + body.length, hi);
  view.setUint32(HEAD + body.length + 4, lo);
  await writeFileAtomic(sidecarPath(metaPath), out);
}

/**
 * The saved checksums when they belong to exactly `key`, else null with the reason. The file is removed
 * either way: from now on the agent's own state moves on and only a later clean shutdown can vouch for it.
 */
export async function takeChecksums(metaPath: string, key: SidecarKey): Promise<{ sums: PageChecksums | null; reason: string }> {
  const path = sidecarPath(metaPath);
  let bytes: Uint8Array;
  try {
    bytes = new Uint8Array(await readFile(path));
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { sums: null, reason: 'no saved page checksums (first start or unclean shutdown)' };
    throw err;
  }
  await rm(path, { force: true });
  if (bytes.length < HEAD + 12) return { sums: null, reason: `${path} is truncated` };
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.length);
  const end = bytes.length - 8;
  const [lo, hi] = crcOf(bytes.subarray(0, end));
  if (view.getUint32(0) !== MAGIC || view.getUint32(4) !== VERSION || view.getUint32(end) !== hi || view.getUint32(end + 4) !== lo) {
    return { sums: null, reason: `${path} is damaged or of another version` };
  }
  const saved: SidecarKey = {
    txid: Number(view.getBigUint64(8)),
    timestamp: Number(view.getBigInt64(16)),
    commit: view.getUint32(24),
    pageSize: view.getUint32(28),
  };
  if (saved.txid !== key.txid || saved.timestamp !== key.timestamp || saved.commit !== key.commit || saved.pageSize !== key.pageSize) {
    return { sums: null, reason: `saved page checksums are for TXID ${formatTXID(saved.txid)}, not the newest local L0 file (TXID ${formatTXID(key.txid)})` };
  }
  const sums = PageChecksums.fromBytes(key.pageSize, bytes.subarray(HEAD, end));
  if (!sums || sums.pageCount !== key.commit) return { sums: null, reason: `${path} does not hold ${key.commit} pages` };
  return { sums, reason: 'saved at the last shutdown' };
}
