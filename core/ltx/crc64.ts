// CRC-64/ISO as Go's hash/crc64 with crc64.ISO: slicing-by-8, in WebAssembly for long inputs, else over 32-bit halves in JS.
import { createWasmCrc64, WASM_BLOCK } from './crc64-wasm.ts';

/** Reflected ISO polynomial 0xD800000000000000 split into 32-bit halves. */
const POLY_HI = 0xd8000000;
const POLY_LO = 0x00000000;

const LITTLE_ENDIAN = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;

/** Eight 256-entry tables; entry j of table t sits at (t*256 + j), low half in TABLE_LO, high half in TABLE_HI. */
const TABLE_LO = new Int32Array(8 * 256);
const TABLE_HI = new Int32Array(8 * 256);

function buildTables(): void {
  for (let i = 0; i < 256; i++) {
    let lo = i;
    let hi = 0;
    for (let b = 0; b < 8; b++) {
      const carry = lo & 1;
      lo = ((lo >>> 1) | ((hi & 1) << 31)) >>> 0;
      hi = hi >>> 1;
      if (carry) {
        lo = (lo ^ POLY_LO) >>> 0;
        hi = (hi ^ POLY_HI) >>> 0;
      }
    }
    TABLE_LO[i] = lo;
    TABLE_HI[i] = hi;
  }
  // Go's slicing8 tables: t[k][j] = t[0][t[k-1][j] & 0xff] ^ (t[k-1][j] >> 8).
  for (let t = 1; t < 8; t++) {
    for (let j = 0; j < 256; j++) {
      const prevLo = TABLE_LO[(t - 1) * 256 + j];
      const prevHi = TABLE_HI[(t - 1) * 256 + j];
      const k = prevLo & 0xff;
      TABLE_LO[t * 256 + j] = (TABLE_LO[k] ^ ((prevLo >>> 8) | (prevHi << 24))) >>> 0;
      TABLE_HI[t * 256 + j] = (TABLE_HI[k] ^ (prevHi >>> 8)) >>> 0;
    }
  }
}
buildTables();

/**
 * Inputs of at least this many bytes go through WebAssembly (copied into its memory first): 1.3 GB/s in this
 * file's loop, 1.9 GB/s there for 4 KiB pages (docs/benchmarks.md § Restore). Frame headers are not worth the call.
 */
const WASM_MIN_BYTES = 256;
const wasm = createWasmCrc64(TABLE_LO, TABLE_HI);

function wasmUpdate(state: Uint32Array, data: Uint8Array, start: number, end: number): void {
  const w = wasm!;
  for (let i = start; i < end; i += WASM_BLOCK) {
    const n = Math.min(WASM_BLOCK, end - i);
    w.input.set(i === 0 && n === data.length ? data : data.subarray(i, i + n));
    w.update(state, n);
  }
}

/** Word views of recently hashed buffers: a view per call would be one allocation per page in the hot paths. */
const VIEW_CACHE_SIZE = 4;
/** Larger buffers are not cached, so the cache never keeps big memory alive; one view per call is cheap for them. */
const VIEW_CACHE_MAX_BYTES = 1 << 20;
const cachedBuffers: Array<ArrayBufferLike | null> = new Array(VIEW_CACHE_SIZE).fill(null);
const cachedViews: Int32Array[] = new Array(VIEW_CACHE_SIZE).fill(new Int32Array(0));
let cacheNext = 0;

function wordView(buffer: ArrayBufferLike, wordsNeeded: number): Int32Array {
  for (let i = 0; i < VIEW_CACHE_SIZE; i++) {
    // The length check guards against a resizable buffer that grew since its view was made.
    if (cachedBuffers[i] === buffer && cachedViews[i].length >= wordsNeeded) return cachedViews[i];
  }
  const view = new Int32Array(buffer, 0, buffer.byteLength >>> 2);
  if (buffer.byteLength <= VIEW_CACHE_MAX_BYTES) {
    cachedBuffers[cacheNext] = buffer;
    cachedViews[cacheNext] = view;
    cacheNext = (cacheNext + 1) % VIEW_CACHE_SIZE;
  }
  return view;
}

/**
 * Advances a raw (already inverted) CRC state held in state[0] (low) and state[1] (high) over data[start, end).
 * Exported for callers that keep many running CRCs without allocating.
 */
export function crc64UpdateRaw(state: Uint32Array, data: Uint8Array, start: number, end: number): void {
  if (wasm && end - start >= WASM_MIN_BYTES) {
    wasmUpdate(state, data, start, end);
    return;
  }
  let lo = state[0];
  let hi = state[1];
  const tl = TABLE_LO;
  const th = TABLE_HI;
  let i = start;
  // Aligned input on a little-endian machine: load 32-bit words directly instead of assembling bytes.
  if (LITTLE_ENDIAN && ((data.byteOffset + start) & 3) === 0 && end - start >= 64) {
    const w0 = (data.byteOffset + start) >>> 2;
    const n = ((end - start) >>> 2) & ~1;
    const wEnd = w0 + n;
    const words = wordView(data.buffer, wEnd);
    for (let w = w0; w < wEnd; w += 2) {
      lo ^= words[w];
      hi ^= words[w + 1];
      const a = 1792 + (lo & 0xff);
      const b = 1536 + ((lo >>> 8) & 0xff);
      const c = 1280 + ((lo >>> 16) & 0xff);
      const d = 1024 + (lo >>> 24);
      const e = 768 + (hi & 0xff);
      const f = 512 + ((hi >>> 8) & 0xff);
      const g = 256 + ((hi >>> 16) & 0xff);
      const h = hi >>> 24;
      lo = tl[a] ^ tl[b] ^ tl[c] ^ tl[d] ^ tl[e] ^ tl[f] ^ tl[g] ^ tl[h];
      hi = th[a] ^ th[b] ^ th[c] ^ th[d] ^ th[e] ^ th[f] ^ th[g] ^ th[h];
    }
    i = start + n * 4;
  }
  for (; i + 8 <= end; i += 8) {
    lo ^= data[i] | (data[i + 1] << 8) | (data[i + 2] << 16) | (data[i + 3] << 24);
    hi ^= data[i + 4] | (data[i + 5] << 8) | (data[i + 6] << 16) | (data[i + 7] << 24);
    const a = 1792 + (lo & 0xff);
    const b = 1536 + ((lo >>> 8) & 0xff);
    const c = 1280 + ((lo >>> 16) & 0xff);
    const d = 1024 + (lo >>> 24);
    const e = 768 + (hi & 0xff);
    const f = 512 + ((hi >>> 8) & 0xff);
    const g = 256 + ((hi >>> 16) & 0xff);
    const h = hi >>> 24;
    lo = tl[a] ^ tl[b] ^ tl[c] ^ tl[d] ^ tl[e] ^ tl[f] ^ tl[g] ^ tl[h];
    hi = th[a] ^ th[b] ^ th[c] ^ th[d] ^ th[e] ^ th[f] ^ th[g] ^ th[h];
  }
  for (; i < end; i++) {
    const k = (lo ^ data[i]) & 0xff;
    lo = ((lo >>> 8) | (hi << 24)) ^ tl[k];
    hi = (hi >>> 8) ^ th[k];
  }
  state[0] = lo >>> 0;
  state[1] = hi >>> 0;
}

/** Incremental CRC-64/ISO, equal to Go's crc64.New(crc64.MakeTable(crc64.ISO)). */
export class Crc64 {
  /** Inverted running state (Go's `^crc`), low half then high half. */
  readonly state = new Uint32Array([0xffffffff, 0xffffffff]);

  update(data: Uint8Array, start = 0, end = data.length): this {
    crc64UpdateRaw(this.state, data, start, end);
    return this;
  }

  reset(): this {
    this.state[0] = 0xffffffff;
    this.state[1] = 0xffffffff;
    return this;
  }

  /** Low 32 bits of the final CRC (no BigInt). */
  digestLo(): number {
    return ~this.state[0] >>> 0;
  }

  /** High 32 bits of the final CRC (no BigInt). */
  digestHi(): number {
    return ~this.state[1] >>> 0;
  }

  digest(): bigint {
    return (BigInt(this.digestHi()) << 32n) | BigInt(this.digestLo());
  }
}

export function crc64(data: Uint8Array): bigint {
  return new Crc64().update(data).digest();
}
