// The TXID file of a followed copy (`<output>.txid`, as Litestream names it): where a restarted follower resumes.
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { writeFileAtomic } from '../fs/atomic.ts';
import { LayoutError, parseTXID } from '../layout/names.ts';
import type { TXID } from '../ltx/types.ts';
import { formatTXID } from './refs.ts';

export function followTxidPath(outputPath: string): string {
  return `${resolve(outputPath)}.txid`;
}

/** The TXID the copy was left at, or undefined when there is no TXID file. A malformed file is an error naming it. */
export async function readFollowTxid(outputPath: string): Promise<TXID | undefined> {
  const path = followTxidPath(outputPath);
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
  try {
    return parseTXID(text.trim());
  } catch (err) {
    if (err instanceof LayoutError) throw new Error(`${path}: ${err.message}; remove it (and the copy) or pass -force to restore afresh`);
    throw err;
  }
}

/**
 * Written after each published batch, never before: the copy is at this TXID or (after a crash between the two)
 * one batch ahead, which a resumed follower re-applies harmlessly as part of one transaction.
 */
export async function writeFollowTxid(outputPath: string, txid: TXID): Promise<void> {
  await writeFileAtomic(followTxidPath(outputPath), Buffer.from(`${formatTXID(txid)}\n`));
}
