// Builds a database file from local LTX files (a snapshot, then later files in TXID order) with restore's writer.
import { createReadStream } from 'node:fs';
import { replaceFileAtomic } from '../fs/atomic.ts';
import { formatTXID } from '../layout/names.ts';
import { checkMergeOrder } from '../ltx/compactor.ts';
import { LtxDecoder } from '../ltx/decoder.ts';
import { LtxFormatError } from '../ltx/errors.ts';
import type { LtxHeader } from '../ltx/types.ts';
import { copyPages } from './copy-pages.ts';
import { DatabaseWriter, PAGE_RING } from './db-writer.ts';

const READ_CHUNK = 1 << 20;

/** What the built database is: the last file's header (its MaxTXID, commit and timestamp). */
export type AppliedState = Pick<LtxHeader, 'pageSize' | 'commit' | 'maxTXID' | 'timestamp'>;

/** Opens one input and checks that it may follow `previous` (or, first, that it is a snapshot); closes it if not. */
async function openNext(path: string, previous?: { header: LtxHeader; path: string }): Promise<{ decoder: LtxDecoder; header: LtxHeader }> {
  const source = createReadStream(path, { highWaterMark: READ_CHUNK }) as AsyncIterable<Uint8Array>;
  const decoder = new LtxDecoder(source, path, { pageRing: PAGE_RING });
  try {
    const header = await decoder.header();
    if (previous) checkMergeOrder([previous.header, header], [previous.path, path]);
    else if (header.minTXID !== 1) {
      throw new LtxFormatError(path, 16, `first file must be a snapshot (min TXID 0000000000000001), found min TXID ${formatTXID(header.minTXID)}`);
    }
    return { decoder, header };
  } catch (err) {
    await decoder.close().catch(() => undefined);
    throw err;
  }
}

/**
 * Rebuilds `outDbPath` from `ltxPaths` atomically: each file is decoded and its checksum verified, its pages written
 * by position as a restore does, and the result renamed over `outDbPath` only when every file applied. Refuses a
 * first file that is not a snapshot, and files that do not continue each other (TXID gaps, page-size changes).
 */
export async function applyLtxFiles(outDbPath: string, ltxPaths: readonly string[]): Promise<AppliedState> {
  if (ltxPaths.length === 0) throw new Error('apply needs at least one LTX file (a snapshot first)');
  return replaceFileAtomic(outDbPath, async (tmp) => {
    let writer: DatabaseWriter | undefined;
    let previous: { header: LtxHeader; path: string } | undefined;
    try {
      for (const path of ltxPaths) {
        const { decoder, header } = await openNext(path, previous);
        writer ??= await DatabaseWriter.create(tmp, header.pageSize, outDbPath);
        await copyPages(decoder, writer);
        await decoder.trailer();
        await writer.barrier();
        previous = { header, path };
      }
      const { pageSize, commit, maxTXID, timestamp } = previous!.header;
      await writer!.finish(commit);
      return { pageSize, commit, maxTXID, timestamp };
    } catch (err) {
      await writer?.abort();
      throw err;
    }
  });
}
