// Unsigned LEB128 varints as Go's binary.PutUvarint/Uvarint, limited to safe integers (page index fields).

/** Writes v (a non-negative safe integer) at dst[off]; returns the new offset. */
export function putUvarint(dst: Uint8Array, off: number, v: number): number {
  while (v >= 0x80) {
    dst[off++] = (v % 0x80) | 0x80;
    v = Math.floor(v / 0x80);
  }
  dst[off++] = v;
  return off;
}

export function uvarintSize(v: number): number {
  let n = 1;
  while (v >= 0x80) {
    v = Math.floor(v / 0x80);
    n++;
  }
  return n;
}

/** Reads a varint at src[off]; returns [value, nextOffset], or null when truncated or larger than 2^53-1. */
export function readUvarint(src: Uint8Array, off: number, end = src.length): [number, number] | null {
  let value = 0;
  let scale = 1;
  for (let i = 0; i < 8; i++) {
    if (off >= end) return null;
    const b = src[off++];
    value += (b & 0x7f) * scale;
    if (b < 0x80) return [value, off];
    scale *= 0x80;
  }
  return null;
}
