// SQLite's cumulative WAL checksum (walChecksumBytes in wal.c): the one implementation for the agent, follow and v0.3 restore.
import { endianness } from 'node:os';

/** True when this machine's word order is little-endian: the checksum can then read LE words straight from memory. */
export const NATIVE_LITTLE_ENDIAN = endianness() === 'LE';

/** Running checksum pair (s0, s1); mutated in place so hot loops allocate nothing. */
export interface WalChecksum {
  s0: number;
  s1: number;
}

/**
 * SQLite's WAL checksum over `length` bytes at `offset` (a multiple of 8): for each pair of 32-bit words,
 * s0 += x0 + s1; s1 += x1 + s0, all modulo 2^32, with words in the byte order chosen by the magic.
 */
export function walChecksum(sum: WalChecksum, bigEndian: boolean, bytes: Uint8Array, offset: number, length: number): void {
  if (length % 8 !== 0) throw new RangeError(`WAL checksum length ${length} is not a multiple of 8`);
  let s0 = sum.s0;
  let s1 = sum.s1;
  const absolute = bytes.byteOffset + offset;
  if (bigEndian !== NATIVE_LITTLE_ENDIAN && absolute % 4 === 0) {
    // Native word order matches the checksum order: read whole words straight from memory.
    const words = new Uint32Array(bytes.buffer, absolute, length >>> 2);
    for (let i = 0; i < words.length; i += 2) {
      s0 = (s0 + words[i] + s1) >>> 0;
      s1 = (s1 + words[i + 1] + s0) >>> 0;
    }
  } else {
    const view = new DataView(bytes.buffer, absolute, length);
    const little = !bigEndian;
    for (let i = 0; i < length; i += 8) {
      s0 = (s0 + view.getUint32(i, little) + s1) >>> 0;
      s1 = (s1 + view.getUint32(i + 4, little) + s0) >>> 0;
    }
  }
  sum.s0 = s0;
  sum.s1 = s1;
}
