// LZ4 entry points for LTX pages: raw block compress/decompress (v3 frames) and LZ4 frame decompress (legacy pages).
//
// Why our own pure-TypeScript codec: it loads anywhere (Lambda arm64/x86_64, no native build or per-arch
// package) and, measured on 8192 pages of 4 KiB (Node 24, one run each, MB/s of page data, compress/decompress):
//   text rows: ours 336/618   lz4js 245/719   lz4-napi 467/1348 (napi needs a copy to add/strip its size prefix)
//   random:    ours 637/15290 lz4js 276/(stored raw) lz4-napi 211/570
//   zeros:     ours 1295/15026 lz4js 476/432  lz4-napi 879/1479
//   mixed 1/3: ours 626/1775  lz4js 459/842   lz4-napi 542/1841
// lz4-napi's compressSync/uncompressSync prepend a 4-byte little-endian size (lz4_flex compress_prepend_size),
// so it is not a raw block without extra copies. On mixed pages the codecs are level, and CRC-64 dominates the
// LTX cost anyway, so the pure codec wins on portability. lz4js stays as a dev dependency: the tests use it as an
// independent LZ4 *frame* encoder for legacy pages.
import { compressBlockInto, compressBound, decompressBlockInto, Lz4FormatError } from './lz4-block.ts';
import { decompressFrame as decodeFrame } from './lz4-frame.ts';

export { compressBlockInto, compressBound, decompressBlockInto, Lz4FormatError };

/** One raw LZ4 block (no size prefix, no frame) holding src. */
export function compressBlock(src: Uint8Array): Uint8Array {
  const dst = new Uint8Array(compressBound(src.length));
  const n = compressBlockInto(src, 0, src.length, dst, 0);
  return dst.slice(0, n);
}

/** Decodes one raw LZ4 block that must expand to exactly outSize bytes. */
export function decompressBlock(src: Uint8Array, outSize: number, out?: Uint8Array): Uint8Array {
  const dst = out ?? new Uint8Array(outSize);
  if (dst.length < outSize) throw new RangeError(`output buffer of ${dst.length} bytes is smaller than ${outSize}`);
  const n = decompressBlockInto(src, 0, src.length, dst, 0, outSize);
  if (n !== outSize) throw new Lz4FormatError(`LZ4 block decoded to ${n} bytes, expected ${outSize}`, src.length);
  return dst.length === outSize ? dst : dst.subarray(0, outSize);
}

/** Decodes one complete LZ4 frame (the legacy per-page encoding). */
export function decompressFrame(src: Uint8Array): Uint8Array {
  return decodeFrame(src);
}
