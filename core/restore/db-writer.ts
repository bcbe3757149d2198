// Writes restored pages into the output file by position, batching runs of consecutive pages into large writes.
import { open } from 'node:fs/promises';
import type { FileHandle } from 'node:fs/promises';
import { OutputWriteError } from './errors.ts';

/**
 * 1 MiB batches, 2 being written while the third fills: 3 MiB in all. Against 2 MiB × (4 + 1) this held 11 MiB
 * less at the peak of a 519 MiB restore (198–203 vs 211–214 MiB, 3 alternating runs) at the same speed.
 */
const BATCH_BYTES = 1024 * 1024;
/** Batches being written while the next one fills; the libuv pool runs them at once. */
const WRITES_IN_FLIGHT = 2;
/** Start a background fdatasync after this many bytes, so writeback overlaps decoding instead of all landing in finish(). */
const EARLY_SYNC_BYTES = 64 * 1024 * 1024;
/**
 * Page buffers a decoder feeding writePage() needs (its `pageRing` option): writePage() copies the page into a batch
 * before the decoder resumes, so reused buffers are safe, and decoding allocates nothing per page.
 */
export const PAGE_RING = 2;

/**
 * Pages are written where they belong (pgno-1)*pageSize, so applying files oldest first leaves the newest copy of
 * every page: the same result as Litestream's merge. Pages never written (the lock page) read back as zeros.
 * A ring of batch buffers lets decoding continue while earlier batches are still being written.
 */
export class DatabaseWriter {
  readonly path: string;
  /** The output the user asked for, named in errors (`path` is its temporary file). */
  readonly output: string;
  readonly pageSize: number;
  readonly #handle: FileHandle;
  readonly #buffers: Buffer[] = [];
  readonly #writes: Array<Promise<void>> = [];
  #current = 0;
  #firstPgno = 0;
  #count = 0;
  readonly #maxPagesPerBatch: number;
  #syncing: Promise<void> | undefined;
  #syncedUpTo = 0;
  bytesWritten = 0;

  private constructor(path: string, output: string, handle: FileHandle, pageSize: number) {
    this.path = path;
    this.output = output;
    this.#handle = handle;
    this.pageSize = pageSize;
    const batch = Math.max(BATCH_BYTES, pageSize);
    for (let i = 0; i <= WRITES_IN_FLIGHT; i++) {
      this.#buffers.push(Buffer.allocUnsafe(batch));
      this.#writes.push(Promise.resolve());
    }
    this.#maxPagesPerBatch = Math.floor(batch / pageSize);
  }

  /** Creates (or truncates) `path`. Every file-system failure is an OutputWriteError naming `output`. */
  static async create(path: string, pageSize: number, output: string = path): Promise<DatabaseWriter> {
    try {
      return new DatabaseWriter(path, output, await open(path, 'w'), pageSize);
    } catch (err) {
      throw OutputWriteError.from(output, path, 'creating', err);
    }
  }

  /**
   * Copies the page into the current batch. Returns a promise only when a full batch had to be handed off first
   * (then `data` must stay valid until it resolves): most pages cost no promise at all.
   */
  writePage(pgno: number, data: Uint8Array): Promise<void> | undefined {
    if (this.#count > 0 && (pgno !== this.#firstPgno + this.#count || this.#count === this.#maxPagesPerBatch)) {
      return this.#flush().then(() => this.#place(pgno, data));
    }
    this.#place(pgno, data);
    return undefined;
  }

  #place(pgno: number, data: Uint8Array): void {
    if (this.#count === 0) this.#firstPgno = pgno;
    this.#buffers[this.#current].set(data, this.#count * this.pageSize);
    this.#count++;
  }

  /** Waits until everything written so far is in the file: call between LTX files, whose pages overlap. */
  async barrier(): Promise<void> {
    await this.#flush();
    await Promise.all(this.#writes);
  }

  /** Flushes, cuts the file to `commit` pages, fsyncs and closes. */
  async finish(commit: number): Promise<void> {
    try {
      await this.barrier();
      await this.#syncing;
      await this.#handle.truncate(commit * this.pageSize);
      await this.#handle.sync();
      await this.#handle.close();
    } catch (err) {
      throw OutputWriteError.from(this.output, this.path, 'finishing', err);
    }
  }

  /** Closes without caring about the content (the caller deletes the file). */
  async abort(): Promise<void> {
    await Promise.allSettled([...this.#writes, this.#syncing]);
    await this.#handle.close().catch(() => undefined);
  }

  async #flush(): Promise<void> {
    if (this.#count === 0) return;
    const index = this.#current;
    const length = this.#count * this.pageSize;
    const position = (this.#firstPgno - 1) * this.pageSize;
    // Batches of one LTX file never overlap (pages ascend), so they may be written concurrently; barrier()
    // separates files, whose pages do overlap and must land in order.
    const write = writeAll(this.#handle, this.#buffers[index], length, position).catch((err: unknown) => {
      throw OutputWriteError.from(this.output, this.path, 'writing', err);
    });
    write.catch(() => undefined); // surfaced by the await below or by finish()
    this.#writes[index] = write;
    this.bytesWritten += length;
    this.#count = 0;
    this.#current = (index + 1) % this.#buffers.length;
    await this.#writes[this.#current];
    this.#maybeSync();
  }

  #maybeSync(): void {
    if (this.bytesWritten - this.#syncedUpTo < EARLY_SYNC_BYTES || this.#syncing) return;
    this.#syncedUpTo = this.bytesWritten;
    const sync = this.#handle.datasync().finally(() => (this.#syncing = undefined));
    sync.catch(() => undefined); // a failure shows again in finish()'s own sync
    this.#syncing = sync;
  }
}

async function writeAll(handle: FileHandle, buf: Buffer, length: number, position: number): Promise<void> {
  let off = 0;
  while (off < length) {
    const { bytesWritten } = await handle.write(buf, off, length - off, position + off);
    off += bytesWritten;
  }
}
