// Memory for decoded pages: fresh slab views that callers may keep, or a small ring of reused buffers.
import type { LtxPage } from './types.ts';

/** Pages are carved from slabs of this size: allocating and zeroing one ArrayBuffer per page is costly. */
const SLAB_BYTES = 64 * 1024;

/** Hands out page-sized views of shared slabs; a slab is never reused, so callers may keep pages. */
export class PageSlab {
  private slab: Uint8Array = new Uint8Array(0);
  private used = 0;
  /** With a ring, the same `ringSize` buffers are handed out in turn (no allocation after the first lap). */
  private readonly ring: LtxPage[] = [];
  private ringPos = 0;
  private readonly ringSize: number;
  constructor(ringSize: number) {
    this.ringSize = ringSize;
  }
  /**
   * The page to decode page `pgno` into (its data is pageSize bytes). With a ring the page object is reused along
   * with its buffer, so steady-state decoding allocates nothing at all (no young-generation garbage per page).
   */
  next(pgno: number, pageSize: number): LtxPage {
    if (this.ringSize > 0) {
      const page = this.nextInRing(pageSize);
      page.pgno = pgno;
      return page;
    }
    return { pgno, data: this.nextFresh(pageSize) };
  }

  private nextFresh(pageSize: number): Uint8Array {
    if (this.used + pageSize > this.slab.length) {
      this.slab = new Uint8Array(Math.max(SLAB_BYTES, pageSize));
      this.used = 0;
    }
    const view = this.slab.subarray(this.used, this.used + pageSize);
    this.used += pageSize;
    return view;
  }
  private nextInRing(pageSize: number): LtxPage {
    if (this.ring.length < this.ringSize) {
      // One buffer for the whole ring, so a CRC over any of its pages reuses one cached word view (see crc64.ts).
      if (this.ring.length === 0) this.slab = new Uint8Array(pageSize * this.ringSize);
      const offset = this.ring.length * pageSize;
      const page = { pgno: 0, data: this.slab.subarray(offset, offset + pageSize) };
      this.ring.push(page);
      return page;
    }
    const page = this.ring[this.ringPos];
    this.ringPos = (this.ringPos + 1) % this.ringSize;
    return page;
  }
}

export interface LtxDecoderOptions {
  /**
   * Decode pages into a ring of this many reused buffers instead of fresh memory: a page (its data and the page
   * object itself, which is reused too) is then valid only until this many further pages have been decoded. For streaming consumers (verify, compaction, apply)
   * that copy or encode each page at once; it saves allocating and zeroing memory for every page.
   */
  pageRing?: number;
}
