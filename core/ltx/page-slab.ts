// Memory for decoded pages: fresh slab views that callers may keep, or a small ring of reused buffers.

/** Pages are carved from slabs of this size: allocating and zeroing one ArrayBuffer per page is costly. */
const SLAB_BYTES = 64 * 1024;

/** Hands out page-sized views of shared slabs; a slab is never reused, so callers may keep pages. */
export class PageSlab {
  private slab: Uint8Array = new Uint8Array(0);
  private used = 0;
  /** With a ring, the same `ringSize` buffers are handed out in turn (no allocation after the first lap). */
  private readonly ring: Uint8Array[] = [];
  private ringPos = 0;
  private readonly ringSize: number;
  constructor(ringSize: number) {
    this.ringSize = ringSize;
  }
  next(pageSize: number): Uint8Array {
    if (this.ringSize > 0) return this.nextInRing(pageSize);
    if (this.used + pageSize > this.slab.length) {
      this.slab = new Uint8Array(Math.max(SLAB_BYTES, pageSize));
      this.used = 0;
    }
    const view = this.slab.subarray(this.used, this.used + pageSize);
    this.used += pageSize;
    return view;
  }
  private nextInRing(pageSize: number): Uint8Array {
    if (this.ring.length < this.ringSize) {
      const buf = new Uint8Array(pageSize);
      this.ring.push(buf);
      return buf;
    }
    const buf = this.ring[this.ringPos];
    this.ringPos = (this.ringPos + 1) % this.ringSize;
    return buf;
  }
}

export interface LtxDecoderOptions {
  /**
   * Decode pages into a ring of this many reused buffers instead of fresh memory: a page's data is then valid
   * only until this many further pages have been decoded. For streaming consumers (verify, compaction, apply)
   * that copy or encode each page at once; it saves allocating and zeroing memory for every page.
   */
  pageRing?: number;
}
