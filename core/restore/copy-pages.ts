// Moves one LTX file's pages from the decoder into the database writer, with no promise per page in the common case.
import type { LtxDecoder } from '../ltx/decoder.ts';
import type { DatabaseWriter } from './db-writer.ts';

/**
 * Decodes every page (call decoder.header() first) and hands it to the writer. readPage() returns buffered pages
 * directly and writePage() only returns a promise when a batch is handed off, so a 1 GiB restore does not pay
 * an async-generator step and an await for each of its 262,144 pages. Closes the decoder's source on failure.
 */
export async function copyPages(decoder: LtxDecoder, writer: DatabaseWriter): Promise<void> {
  try {
    for (;;) {
      const next = decoder.readPage();
      const page = next instanceof Promise ? await next : next;
      if (page === null) return;
      const handoff = writer.writePage(page.pgno, page.data);
      if (handoff) await handoff;
    }
  } catch (err) {
    await decoder.close().catch(() => undefined);
    throw err;
  }
}
