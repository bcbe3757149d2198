// Buffered reader over an async chunk stream: hands out views of exactly n bytes, copying only across chunk borders.

export class ByteReader {
  private readonly iterator: AsyncIterator<Uint8Array>;
  private chunk: Uint8Array = new Uint8Array(0);
  private pos = 0;
  /** For reads that span chunks; grown on demand, so a merge with many inputs does not pay 64 KiB per input up front. */
  private scratch: Uint8Array = new Uint8Array(0);
  private ended = false;
  /** Absolute offset of the next unread byte. */
  offset = 0;

  constructor(source: AsyncIterable<Uint8Array>) {
    this.iterator = source[Symbol.asyncIterator]();
  }

  /** A view of the next n bytes when they are already buffered in one chunk, else null. Valid until the next read. */
  tryRead(n: number): Uint8Array | null {
    if (this.chunk.length - this.pos < n) return null;
    const view = this.chunk.subarray(this.pos, this.pos + n);
    this.pos += n;
    this.offset += n;
    return view;
  }

  /** The buffered bytes not read yet (a view, no copy); use skip() to consume some of them. */
  buffered(): Uint8Array {
    return this.chunk.subarray(this.pos);
  }

  /** The current chunk, read from chunkPosition() on: lets a hot loop parse in place without a view per call. */
  chunkBytes(): Uint8Array {
    return this.chunk;
  }

  chunkPosition(): number {
    return this.pos;
  }

  /** Consumes n bytes of buffered(). */
  skip(n: number): void {
    this.pos += n;
    this.offset += n;
  }

  /** The next n bytes, or a shorter view if the stream ends first. Valid until the next read. */
  async read(n: number): Promise<Uint8Array> {
    const fast = this.tryRead(n);
    if (fast) return fast;
    if (this.scratch.length < n) this.scratch = new Uint8Array(Math.max(n, this.scratch.length * 2, 8 * 1024));
    let have = this.chunk.length - this.pos;
    this.scratch.set(this.chunk.subarray(this.pos), 0);
    this.chunk = new Uint8Array(0);
    this.pos = 0;
    while (have < n) {
      const next = await this.pull();
      if (!next) break;
      const take = Math.min(n - have, next.length);
      this.scratch.set(next.subarray(0, take), have);
      have += take;
      if (take < next.length) {
        this.chunk = next;
        this.pos = take;
      }
    }
    this.offset += have;
    return this.scratch.subarray(0, have);
  }

  /** True when no byte remains. */
  async atEnd(): Promise<boolean> {
    while (this.chunk.length === this.pos) {
      const next = await this.pull();
      if (!next) return true;
      this.chunk = next;
      this.pos = 0;
    }
    return false;
  }

  /** Stops the underlying source early (e.g. after an error). */
  async close(): Promise<void> {
    if (!this.ended) {
      this.ended = true;
      await this.iterator.return?.();
    }
  }

  private async pull(): Promise<Uint8Array | null> {
    if (this.ended) return null;
    for (;;) {
      const r = await this.iterator.next();
      if (r.done) {
        this.ended = true;
        return null;
      }
      if (r.value.length > 0) return r.value;
    }
  }
}
