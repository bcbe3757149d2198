// Page index kept in typed arrays while encoding or decoding, and its on-disk varint form (spec §1.3).
import type { LtxPageIndexEntry } from './types.ts';
import { putUvarint, uvarintSize } from './varint.ts';

export class PageIndexBuilder {
  count = 0;
  // Small to start: most files hold few pages, and a merge keeps one builder per input.
  private pgnos = new Uint32Array(64);
  private offsets = new Float64Array(64);
  private sizes = new Uint32Array(64);

  add(pgno: number, offset: number, size: number): void {
    if (this.count === this.pgnos.length) this.grow();
    this.pgnos[this.count] = pgno;
    this.offsets[this.count] = offset;
    this.sizes[this.count] = size;
    this.count++;
  }

  /** Byte length of the varint section, terminator included, u64 size field excluded. */
  varintLength(): number {
    let n = 1;
    for (let i = 0; i < this.count; i++) {
      n += uvarintSize(this.pgnos[i]) + uvarintSize(this.offsets[i]) + uvarintSize(this.sizes[i]);
    }
    return n;
  }

  /** Varint section plus the u64 big-endian length, written at dst[off]; returns the new offset. */
  writeTo(dst: Uint8Array, off: number): number {
    const start = off;
    for (let i = 0; i < this.count; i++) {
      off = putUvarint(dst, off, this.pgnos[i]);
      off = putUvarint(dst, off, this.offsets[i]);
      off = putUvarint(dst, off, this.sizes[i]);
    }
    dst[off++] = 0;
    new DataView(dst.buffer, dst.byteOffset + off, 8).setBigUint64(0, BigInt(off - start));
    return off + 8;
  }

  /** Field f of entry i: 0 = pgno, 1 = offset, 2 = size (no allocation). */
  field(i: number, f: number): number {
    return f === 0 ? this.pgnos[i] : f === 1 ? this.offsets[i] : this.sizes[i];
  }

  entry(i: number): LtxPageIndexEntry {
    return { pgno: this.pgnos[i], offset: this.offsets[i], size: this.sizes[i] };
  }

  entries(): LtxPageIndexEntry[] {
    const out: LtxPageIndexEntry[] = new Array(this.count);
    for (let i = 0; i < this.count; i++) out[i] = this.entry(i);
    return out;
  }

  private grow(): void {
    const n = this.pgnos.length * 2;
    const pgnos = new Uint32Array(n);
    const offsets = new Float64Array(n);
    const sizes = new Uint32Array(n);
    pgnos.set(this.pgnos);
    offsets.set(this.offsets);
    sizes.set(this.sizes);
    this.pgnos = pgnos;
    this.offsets = offsets;
    this.sizes = sizes;
  }
}
