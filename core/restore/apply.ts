// Applies the planned files, oldest first, into a new database file: decode each LTX stream, verify it, write its pages.
import { LtxDecoder } from '../ltx/decoder.ts';
import { LtxFormatError } from '../ltx/errors.ts';
import type { LtxFileInfo, ReplicaClient } from '../replica/client.ts';
import { FileApplyError } from './apply-error.ts';
import { OutputWriteError } from './errors.ts';
import { copyPages } from './copy-pages.ts';
import { DatabaseWriter, PAGE_RING } from './db-writer.ts';
import { FileFetchError, Prefetcher } from './fetch.ts';
import { checkHeader } from './header-check.ts';
import { ltxName } from './refs.ts';

export { FileApplyError };

export interface ApplyOptions {
  parallelism: number;
  /** Called as downloaded bytes are applied, with LTX bytes done and the plan's total. */
  onProgress?: (done: number, total: number) => void;
  chunkSize?: number;
  maxBufferedBytes?: number;
  /** The output the user asked for, named in write errors (default: the path written). */
  outputPath?: string;
  /** Aborting stops the downloads; applyPlan then rejects and the caller removes the file. */
  signal?: AbortSignal;
}

export interface ApplyResult {
  pageSize: number;
  /** Database size in pages. */
  commit: number;
  /** Header timestamp of the last file applied (ms since the epoch). */
  timestamp: number;
  /** LTX bytes downloaded and applied. */
  bytes: number;
}

/** Writes the database the plan describes to `path` (created or truncated), fsynced; the caller renames it. */
export async function applyPlan(client: ReplicaClient, files: readonly LtxFileInfo[], path: string, options: ApplyOptions): Promise<ApplyResult> {
  const total = files.reduce((sum, f) => sum + f.size, 0);
  const output = options.outputPath ?? path;
  options.signal?.throwIfAborted();
  const prefetcher = new Prefetcher(client, files, options);
  const stop = (): void => prefetcher.close();
  options.signal?.addEventListener('abort', stop, { once: true });
  let done = 0;
  const sources = (i: number): AsyncIterable<Uint8Array> =>
    countBytes(prefetcher.source(i), (n) => {
      done += n;
      options.onProgress?.(done, total);
    });
  try {
    return await applyInThread(files, { path, output }, prefetcher, sources);
  } finally {
    options.signal?.removeEventListener('abort', stop);
    prefetcher.close();
  }
}

async function applyInThread(
  files: readonly LtxFileInfo[],
  { path, output }: { path: string; output: string },
  prefetcher: Prefetcher,
  sources: (index: number) => AsyncIterable<Uint8Array>,
): Promise<ApplyResult> {
  let writer: DatabaseWriter | undefined;
  let last = { commit: 0, timestamp: 0 };
  let bytes = 0;
  try {
    for (let i = 0; i < files.length; i++) {
      const file = files[i];
      try {
        const decoder = new LtxDecoder(countBytes(sources(i), (n) => (bytes += n)), ltxName(file), { pageRing: PAGE_RING });
        const header = await decoder.header();
        checkHeader(ltxName(file), file, header, i === 0, writer?.pageSize);
        writer ??= await DatabaseWriter.create(path, header.pageSize, output);
        await copyPages(decoder, writer);
        await decoder.trailer();
        await writer.barrier();
        last = { commit: header.commit, timestamp: header.timestamp };
      } catch (err) {
        throw err instanceof OutputWriteError ? err : classify(file, err);
      } finally {
        prefetcher.discard(i);
      }
    }
    if (!writer) throw new Error('restore plan is empty');
    await writer.finish(last.commit);
    return { pageSize: writer.pageSize, commit: last.commit, timestamp: last.timestamp, bytes };
  } catch (err) {
    await writer?.abort();
    throw err;
  }
}

function classify(file: LtxFileInfo, err: unknown): FileApplyError {
  if (err instanceof FileApplyError) return err;
  if (err instanceof FileFetchError) return new FileApplyError(file, err, err.fileProblem);
  return new FileApplyError(file, err, err instanceof LtxFormatError);
}

async function* countBytes(source: AsyncIterable<Uint8Array>, add: (n: number) => void): AsyncGenerator<Uint8Array> {
  for await (const chunk of source) {
    const n = chunk.byteLength; // read first: the consumer may transfer (detach) the buffer
    yield chunk;
    add(n);
  }
}
