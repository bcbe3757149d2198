// xxHash32, one-shot or fed in pieces: LZ4 frame descriptors and content checksums (legacy LTX pages, v0.3 files).

const P1 = 2654435761;
const P2 = 2246822519;
const P3 = 3266489917;
const P4 = 668265263;
const P5 = 374761393;

function rotl(x: number, r: number): number {
  return (x << r) | (x >>> (32 - r));
}

function read32(d: Uint8Array, i: number): number {
  return d[i] | (d[i + 1] << 8) | (d[i + 2] << 16) | (d[i + 3] << 24);
}

function round(acc: number, input: number): number {
  return Math.imul(rotl((acc + Math.imul(input, P2)) | 0, 13), P1);
}

/** xxHash32 of `data[start, end)`. */
export function xxh32(data: Uint8Array, start = 0, end = data.length, seed = 0): number {
  const hash = new Xxh32Stream(seed);
  hash.update(data.subarray(start, end));
  return hash.digest();
}

/** Same result as `xxh32(all bytes)`, fed in pieces (v0.3 snapshots can be large). `xxh32(all bytes)` in core/ltx/xxh32.ts, fed in pieces. */
export class Xxh32Stream {
  private v1: number;
  private v2: number;
  private v3: number;
  private v4: number;
  private readonly seed: number;
  private total = 0;
  /** Up to 15 bytes not yet folded into a 16-byte stripe. */
  private readonly tail = new Uint8Array(16);
  private tailLen = 0;

  constructor(seed = 0) {
    this.seed = seed | 0;
    this.v1 = (this.seed + P1 + P2) | 0;
    this.v2 = (this.seed + P2) | 0;
    this.v3 = this.seed;
    this.v4 = (this.seed - P1) | 0;
  }

  update(data: Uint8Array): void {
    this.total += data.length;
    let i = 0;
    if (this.tailLen > 0) {
      const take = Math.min(16 - this.tailLen, data.length);
      this.tail.set(data.subarray(0, take), this.tailLen);
      this.tailLen += take;
      i = take;
      if (this.tailLen < 16) return;
      this.stripe(this.tail, 0);
      this.tailLen = 0;
    }
    for (; i + 16 <= data.length; i += 16) this.stripe(data, i);
    this.tail.set(data.subarray(i), 0);
    this.tailLen = data.length - i;
  }

  digest(): number {
    let h = this.total >= 16 ? (rotl(this.v1, 1) + rotl(this.v2, 7) + rotl(this.v3, 12) + rotl(this.v4, 18)) | 0 : (this.seed + P5) | 0;
    h = (h + this.total) | 0;
    let i = 0;
    for (; i + 4 <= this.tailLen; i += 4) h = Math.imul(rotl((h + Math.imul(read32(this.tail, i), P3)) | 0, 17), P4);
    for (; i < this.tailLen; i++) h = Math.imul(rotl((h + Math.imul(this.tail[i], P5)) | 0, 11), P1);
    h ^= h >>> 15;
    h = Math.imul(h, P2);
    h ^= h >>> 13;
    h = Math.imul(h, P3);
    h ^= h >>> 16;
    return h >>> 0;
  }

  private stripe(d: Uint8Array, i: number): void {
    this.v1 = round(this.v1, read32(d, i));
    this.v2 = round(this.v2, read32(d, i + 4));
    this.v3 = round(this.v3, read32(d, i + 8));
    this.v4 = round(this.v4, read32(d, i + 12));
  }
}
