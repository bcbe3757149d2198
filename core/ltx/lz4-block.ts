// Pure TypeScript LZ4 raw block codec (no frame, no size prefix): the per-page payload of LTX v3 files.

const MIN_MATCH = 4;
/** The last match must start at least this many bytes before the end of the input (LZ4 spec). */
const MFLIMIT = 12;
/** The last bytes of a block are always literals (LZ4 spec). */
const LAST_LITERALS = 5;
const HASH_LOG = 12;
const HASH_SHIFT = 32 - HASH_LOG;
const MAX_OFFSET = 65535;
const SKIP_TRIGGER = 6;

/** Largest possible compressed size of n input bytes. */
export function compressBound(n: number): number {
  return n + Math.floor(n / 255) + 16;
}

/**
 * Positions are stored as (pos + base) so one table serves every call without clearing:
 * entries from earlier calls are all below the current base and read as "no candidate".
 */
const hashTable = new Int32Array(1 << HASH_LOG);
let hashBase = 1;

function read32(d: Uint8Array, i: number): number {
  return d[i] | (d[i + 1] << 8) | (d[i + 2] << 16) | (d[i + 3] << 24);
}

function hash(seq: number): number {
  return Math.imul(seq, 2654435761) >>> HASH_SHIFT;
}

function writeLength(dst: Uint8Array, d: number, len: number): number {
  while (len >= 255) {
    dst[d++] = 255;
    len -= 255;
  }
  dst[d++] = len;
  return d;
}

function copyBytes(src: Uint8Array, s: number, dst: Uint8Array, d: number, len: number): void {
  if (len > 32) {
    dst.set(src.subarray(s, s + len), d);
  } else {
    for (let k = 0; k < len; k++) dst[d + k] = src[s + k];
  }
}

function emitLastLiterals(src: Uint8Array, anchor: number, end: number, dst: Uint8Array, d: number): number {
  const litLen = end - anchor;
  if (litLen >= 15) {
    dst[d++] = 0xf0;
    d = writeLength(dst, d, litLen - 15);
  } else {
    dst[d++] = litLen << 4;
  }
  copyBytes(src, anchor, dst, d, litLen);
  return d + litLen;
}

/**
 * Compresses src[start, end) as one raw LZ4 block into dst at dstOff; dst must have compressBound(end-start)
 * bytes free there. Returns the number of bytes written. Deterministic: same input, same output.
 */
export function compressBlockInto(src: Uint8Array, start: number, end: number, dst: Uint8Array, dstOff: number): number {
  const len = end - start;
  if (hashBase + len + 1 >= 0x7fffffff) {
    hashTable.fill(0);
    hashBase = 1;
  }
  const base = hashBase - start;
  hashBase += len + 1;
  const table = hashTable;
  let d = dstOff;
  let anchor = start;
  if (len < MFLIMIT + 1) return emitLastLiterals(src, anchor, end, dst, d) - dstOff;
  const mflimit = end - MFLIMIT;
  const matchLimit = end - LAST_LITERALS;
  let ip = start + 1;
  table[hash(read32(src, start))] = start + base;
  for (;;) {
    // Find a match; the step grows on incompressible data so random pages cost little.
    let ref = 0;
    let searchNb = 1 << SKIP_TRIGGER;
    let step = 1;
    let found = false;
    while (ip <= mflimit) {
      const seq = read32(src, ip);
      const h = hash(seq);
      ref = table[h] - base;
      table[h] = ip + base;
      if (ref >= start && ip - ref <= MAX_OFFSET && read32(src, ref) === seq) {
        found = true;
        break;
      }
      ip += step;
      step = searchNb++ >> SKIP_TRIGGER;
    }
    if (!found) break;
    while (ip > anchor && ref > start && src[ip - 1] === src[ref - 1]) {
      ip--;
      ref--;
    }
    let mEnd = ip + MIN_MATCH;
    let r = ref + MIN_MATCH;
    while (mEnd + 4 <= matchLimit && read32(src, mEnd) === read32(src, r)) {
      mEnd += 4;
      r += 4;
    }
    while (mEnd < matchLimit && src[mEnd] === src[r]) {
      mEnd++;
      r++;
    }
    const litLen = ip - anchor;
    const matchLen = mEnd - ip - MIN_MATCH;
    const tokenPos = d++;
    let token: number;
    if (litLen >= 15) {
      token = 0xf0;
      d = writeLength(dst, d, litLen - 15);
    } else {
      token = litLen << 4;
    }
    copyBytes(src, anchor, dst, d, litLen);
    d += litLen;
    const offset = ip - ref;
    dst[d++] = offset & 0xff;
    dst[d++] = offset >>> 8;
    if (matchLen >= 15) {
      token |= 0x0f;
      d = writeLength(dst, d, matchLen - 15);
    } else {
      token |= matchLen;
    }
    dst[tokenPos] = token;
    ip = mEnd;
    anchor = ip;
    if (ip > mflimit) break;
    table[hash(read32(src, ip - 2))] = ip - 2 + base;
  }
  return emitLastLiterals(src, anchor, end, dst, d) - dstOff;
}

export class Lz4FormatError extends Error {
  readonly at: number;
  constructor(message: string, at: number) {
    super(message);
    this.name = 'Lz4FormatError';
    this.at = at;
  }
}

/**
 * Decompresses the raw LZ4 block src[start, end) into dst starting at dstOff, writing at most up to dstEnd.
 * Matches may reach back to windowStart (earlier blocks of a linked LZ4 frame). Returns the new write position.
 * Throws Lz4FormatError (with `at` = offset inside src) on malformed input.
 */
export function decompressBlockInto(
  src: Uint8Array,
  start: number,
  end: number,
  dst: Uint8Array,
  dstOff: number,
  dstEnd: number,
  windowStart = dstOff,
): number {
  let s = start;
  let d = dstOff;
  while (s < end) {
    const token = src[s++];
    let litLen = token >>> 4;
    if (litLen === 15) {
      let b = 255;
      while (b === 255) {
        if (s >= end) throw new Lz4FormatError('truncated literal length', s - start);
        b = src[s++];
        litLen += b;
      }
    }
    if (s + litLen > end) throw new Lz4FormatError('literals run past the end of the block', s - start);
    if (d + litLen > dstEnd) throw new Lz4FormatError('output larger than expected', s - start);
    copyBytes(src, s, dst, d, litLen);
    s += litLen;
    d += litLen;
    if (s >= end) break;
    if (s + 2 > end) throw new Lz4FormatError('truncated match offset', s - start);
    const offset = src[s] | (src[s + 1] << 8);
    if (offset === 0 || offset > d - windowStart) throw new Lz4FormatError(`invalid match offset ${offset}`, s - start);
    s += 2;
    let matchLen = token & 15;
    if (matchLen === 15) {
      let b = 255;
      while (b === 255) {
        if (s >= end) throw new Lz4FormatError('truncated match length', s - start);
        b = src[s++];
        matchLen += b;
      }
    }
    matchLen += MIN_MATCH;
    if (d + matchLen > dstEnd) throw new Lz4FormatError('output larger than expected', s - start);
    let m = d - offset;
    if (matchLen <= 32) {
      const stop = d + matchLen;
      while (d < stop) dst[d++] = dst[m++];
    } else {
      // Long match: copy in non-overlapping runs; an overlapping (repeating) match doubles each round.
      const stop = d + matchLen;
      while (d < stop) {
        const n = Math.min(d - m, stop - d);
        dst.copyWithin(d, m, m + n);
        d += n;
      }
    }
  }
  return d;
}
