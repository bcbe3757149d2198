// Downloads the planned files ahead of the apply loop: parallel (ranged) GETs into a byte-bounded in-memory window.
import type { Readable } from 'node:stream';
import type { LtxFileInfo, ReplicaClient } from '../replica/client.ts';
import { NotFoundError } from '../replica/client.ts';
import { GcPacer } from '../util/gc-pacer.ts';
import { fileRangeReader, type RangeReader } from './file-range.ts';

export interface PrefetchOptions {
  /** GETs in flight at once. */
  parallelism: number;
  /** Files larger than this are fetched as ranged GETs of this size, so one big snapshot uses every connection. */
  chunkSize?: number;
  /** Downloaded bytes not yet consumed, at most (one chunk may exceed it when nothing else is held). */
  maxBufferedBytes?: number;
  /** Attempts per chunk for errors other than "not found" (the SDK does not retry a failed body stream). */
  attempts?: number;
}

/** Chunk size of a file replica's positional reads. */
export const DEFAULT_CHUNK_SIZE = 4 * 1024 * 1024;
/**
 * Ranged-GET size over the network. With one chunk per connection in the window, parallelism 8 holds 16 MiB: the
 * bundled CLI restoring 387 MB from fauxqs S3 peaked at 125–131 MiB with 2 MiB chunks against 156–176 with 4 MiB,
 * same wall and CPU-s (the decoder and writer are the bottleneck). Through a proxy adding 20 ms per request and
 * capping each connection at 80 MB/s, 4 MiB chunks were 5–15% faster in wall: a smaller chunk pays the round trip
 * more often. 1 MiB chunks with 16 in flight matched 4 MiB × 8 there at 120–127 MiB, but 1 MiB × 8 was 30% slower.
 */
export const NETWORK_CHUNK_SIZE = 2 * 1024 * 1024;
/**
 * Network bytes between two young-generation collections, and between two full ones. Every read arrives in
 * Buffers Node.js allocates for it (the socket's, then the HTTP parser's copy of the body), dead once copied into
 * the window. Restoring 387 MB from fauxqs through TLS, the bundled CLI peaked at 119–121 MiB with these against
 * 124–126 with V8's own pacing (6 alternating runs; 2 full collections, 24–48 ms, and ~190 scavenges of well
 * under 1 ms each); a scavenge every 1 MiB or 512 KiB held more (128–130 MiB), every 4 MiB about as much.
 */
const YOUNG_GC_BYTES = 2 * 1024 * 1024;
const FULL_GC_BYTES = 128 * 1024 * 1024;
/**
 * Read-ahead of a file replica, in chunks: 2 (8 MiB) restored a 519 MiB database as fast as 4 or 8 (user CPU
 * 0.68–0.87 s whichever, wall within the run-to-run spread) and held 12 / 28 MiB less at the peak.
 */
const FILE_WINDOW_CHUNKS = 2;

/** A planned file could not be downloaded as listed: missing, or a different length than the listing said. */
export class FileFetchError extends Error {
  readonly file: LtxFileInfo;
  /** True when the object itself is bad (missing, truncated): excluding it and re-planning may help. */
  readonly fileProblem: boolean;
  constructor(file: LtxFileInfo, message: string, fileProblem: boolean, cause?: unknown) {
    super(message, { cause });
    this.name = 'FileFetchError';
    this.file = file;
    this.fileProblem = fileProblem;
  }
}

interface Chunk {
  file: number;
  offset: number;
  length: number;
  /** The whole file in one GET (no Range header). */
  whole: boolean;
  /** A ranged chunk's bytes, in a buffer of the pool from its first byte until it is released. */
  buffer: Buffer | undefined;
  started: boolean;
  released: boolean;
  result: Promise<Uint8Array[]>;
  resolve(parts: Uint8Array[]): void;
  reject(err: unknown): void;
}

const CONSUMED: Promise<Uint8Array[]> = Promise.resolve([]);

export class Prefetcher {
  readonly #client: ReplicaClient;
  readonly #files: readonly LtxFileInfo[];
  readonly #chunks: Chunk[] = [];
  readonly #firstChunk: number[] = [];
  readonly #parallelism: number;
  readonly #maxBuffered: number;
  readonly #attempts: number;
  readonly #open = new Set<Readable>();
  /** Buffers of chunkSize for ranged chunks, reused as chunks are released; the window bounds how many exist. */
  readonly #pool: Buffer[] = [];
  readonly #chunkSize: number;
  /** Positional reads for a file replica (no stream pieces to copy and collect); undefined: GET streams. */
  readonly #readRange: RangeReader | undefined;
  readonly #gc = new GcPacer(YOUNG_GC_BYTES, FULL_GC_BYTES);
  #next = 0;
  #inFlight = 0;
  #buffered = 0;
  #closed = false;

  constructor(client: ReplicaClient, files: readonly LtxFileInfo[], options: PrefetchOptions) {
    this.#client = client;
    this.#files = files;
    this.#parallelism = Math.max(1, options.parallelism);
    this.#readRange = fileRangeReader(client);
    const chunkSize = options.chunkSize ?? (this.#readRange ? DEFAULT_CHUNK_SIZE : NETWORK_CHUNK_SIZE);
    this.#chunkSize = chunkSize;
    // Over the network, one chunk per connection: a second window's worth ahead measured no faster and held 32 MiB
    // more. A local file's positional reads keep up with the decoder with one chunk read ahead of the one decoded.
    this.#maxBuffered =
      options.maxBufferedBytes ?? (this.#readRange ? FILE_WINDOW_CHUNKS * chunkSize : Math.max(16 * 1024 * 1024, this.#parallelism * chunkSize));
    this.#attempts = options.attempts ?? 3;
    files.forEach((file, index) => {
      this.#firstChunk.push(this.#chunks.length);
      const whole = file.size <= chunkSize;
      for (let offset = 0; offset < file.size || offset === 0; offset += chunkSize) {
        this.#chunks.push(newChunk(index, offset, Math.min(chunkSize, file.size - offset), whole));
        if (file.size === 0) break;
      }
    });
    this.#firstChunk.push(this.#chunks.length);
    this.#pump();
  }

  /**
   * The bytes of file `index`, in order, as they arrive. Consume files in plan order to keep the window moving.
   * A piece is valid only until the next one is asked for: a ranged chunk's buffer then goes back to the pool.
   */
  async *source(index: number): AsyncGenerator<Uint8Array> {
    for await (const parts of this.chunks(index)) yield* parts;
  }

  /** Like source(), one downloaded chunk (its pieces as received) at a time: fewer hand-offs for a consumer that batches. */
  async *chunks(index: number): AsyncGenerator<Uint8Array[]> {
    for (let c = this.#firstChunk[index]; c < this.#firstChunk[index + 1]; c++) {
      const chunk = this.#chunks[c];
      const parts = await chunk.result;
      try {
        yield parts;
      } finally {
        this.#release(chunk);
      }
    }
  }

  /** Gives back the window space of a file the consumer stopped reading (it failed, or did not need its tail). */
  discard(index: number): void {
    for (let c = this.#firstChunk[index]; c < this.#firstChunk[index + 1]; c++) {
      const chunk = this.#chunks[c];
      if (!chunk.started) {
        chunk.started = true;
        chunk.released = true;
        chunk.reject(new Error('discarded'));
      } else if (!chunk.released) {
        chunk.result.then(() => this.#release(chunk), () => this.#release(chunk));
      }
    }
  }

  /** Stops all downloads; pending sources reject. */
  close(): void {
    this.#closed = true;
    for (const stream of this.#open) stream.destroy();
    for (const chunk of this.#chunks) if (!chunk.started) chunk.reject(new Error('restore aborted'));
  }

  #release(chunk: Chunk): void {
    if (chunk.released) return;
    chunk.released = true;
    if (chunk.buffer) this.#pool.push(chunk.buffer);
    chunk.buffer = undefined;
    // Drop every path to the buffer: the chunk list lives as long as the restore.
    chunk.result = CONSUMED;
    chunk.resolve = noop;
    chunk.reject = noop;
    this.#buffered -= chunk.length;
    this.#pump();
  }

  #pump(): void {
    while (!this.#closed && this.#inFlight < this.#parallelism && this.#next < this.#chunks.length) {
      const chunk = this.#chunks[this.#next];
      if (chunk.started) {
        this.#next++;
        continue;
      }
      if (this.#buffered > 0 && this.#buffered + chunk.length > this.#maxBuffered) return;
      this.#next++;
      chunk.started = true;
      this.#inFlight++;
      this.#buffered += chunk.length;
      this.#fetchWithRetry(chunk).then(chunk.resolve, chunk.reject).finally(() => {
        this.#inFlight--;
        this.#pump();
      });
    }
  }

  async #fetchWithRetry(chunk: Chunk): Promise<Uint8Array[]> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.#fetch(chunk);
      } catch (err) {
        const missing = err instanceof FileFetchError && err.cause instanceof NotFoundError;
        const final = this.#closed || attempt >= this.#attempts || missing;
        if (final) throw err;
      }
    }
  }

  async #fetch(chunk: Chunk): Promise<Uint8Array[]> {
    if (this.#readRange) return this.#read(chunk, this.#readRange);
    const file = this.#files[chunk.file];
    let stream: Readable;
    try {
      stream = await this.#client.openLtxFile(file, chunk.whole ? undefined : { offset: chunk.offset, length: chunk.length });
    } catch (err) {
      if (err instanceof NotFoundError) throw new FileFetchError(file, err.message, true, err);
      throw err;
    }
    this.#open.add(stream);
    try {
      // A ranged chunk of a large file is copied into a pooled buffer as it arrives: the stream's pieces then die
      // young, instead of living in the window until V8 promotes them and runs a full collection for them (25
      // mark-compacts instead of 1 for a 469 MB snapshot), and the window's memory stays the same buffers.
      if (!chunk.whole) chunk.buffer ??= this.#pool.pop() ?? Buffer.allocUnsafeSlow(this.#chunkSize);
      return await readExactly(stream, chunk, file, this.#gc);
    } finally {
      this.#open.delete(stream);
      stream.destroy();
    }
  }

  /** A ranged chunk into a pooled buffer, a whole (small) file into one of its own size: no piece is allocated per read. */
  async #read(chunk: Chunk, readRange: RangeReader): Promise<Uint8Array[]> {
    const file = this.#files[chunk.file];
    const target = chunk.whole ? Buffer.allocUnsafe(chunk.length) : (chunk.buffer ??= this.#pool.pop() ?? Buffer.allocUnsafeSlow(this.#chunkSize));
    let read;
    try {
      read = await readRange(file, chunk.offset, target.subarray(0, chunk.length));
    } catch (err) {
      if (err instanceof NotFoundError) throw new FileFetchError(file, err.message, true, err);
      throw err;
    }
    if (chunk.whole && read.fileSize > file.size) throw new FileFetchError(file, `L${file.level} file is larger than the ${file.size} bytes listed`, true);
    if (read.bytesRead !== chunk.length) throw shorterThanListed(file, chunk, read.bytesRead);
    return [target.subarray(0, chunk.length)];
  }
}

/**
 * A whole (small) file's pieces are kept as they came; a ranged chunk is copied into its pooled buffer. The decoder
 * reads across pieces either way.
 */
async function readExactly(stream: Readable, chunk: Chunk, file: LtxFileInfo, gc: GcPacer): Promise<Uint8Array[]> {
  const parts: Uint8Array[] = [];
  let filled = 0;
  for await (const part of stream as AsyncIterable<Uint8Array>) {
    if (filled + part.byteLength > chunk.length) {
      throw new FileFetchError(file, `L${file.level} file is larger than the ${file.size} bytes listed`, true);
    }
    gc.add(part.byteLength);
    if (chunk.buffer) chunk.buffer.set(part, filled);
    else parts.push(part);
    filled += part.byteLength;
  }
  if (chunk.buffer && filled === chunk.length) return [chunk.buffer.subarray(0, filled)];
  if (filled !== chunk.length) throw shorterThanListed(file, chunk, filled);
  return parts;
}

function shorterThanListed(file: LtxFileInfo, chunk: Chunk, got: number): FileFetchError {
  const where = chunk.whole ? `${got} of ${file.size} bytes` : `${got} of ${chunk.length} bytes at offset ${chunk.offset}`;
  return new FileFetchError(file, `L${file.level} file is shorter than listed: got ${where}`, true);
}

function newChunk(file: number, offset: number, length: number, whole: boolean): Chunk {
  let resolve!: (parts: Uint8Array[]) => void;
  let reject!: (err: unknown) => void;
  const result = new Promise<Uint8Array[]>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  result.catch(() => undefined); // observed by source(); unconsumed chunks must not become unhandled rejections
  return { file, offset, length, whole, buffer: undefined, started: false, released: false, result, resolve, reject };
}

function noop(): void {}
