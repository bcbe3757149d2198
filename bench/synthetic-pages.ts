// Synthetic database pages for the restore and compaction benchmarks: 40% random bytes, the rest patterned.
import { randomFillSync } from 'node:crypto';
import { encodeHeader, newHeader } from '../core/ltx/header.ts';
import { HEADER_SIZE, lockPgno, type LtxPage } from '../core/ltx/types.ts';

const POOL = randomFillSync(Buffer.allocUnsafe(16 * 1024 * 1024));

export function fillPage(page: Buffer, seed: number): Buffer {
  const randomLen = Math.floor(page.length * 0.4) & ~7;
  const from = (seed * 7919) % (POOL.length - randomLen);
  POOL.copy(page, 0, from, from + randomLen);
  for (let i = randomLen; i < page.length; i += 8) page.writeUInt32BE(seed >>> 0, i), page.writeUInt32BE(i, i + 4);
  return page;
}

/** Every page of a database, lock page skipped; one buffer is reused, so the consumer must take each page before the next. */
export function* snapshotPages(pageCount: number, pageSize: number): Generator<LtxPage> {
  const page = Buffer.allocUnsafe(pageSize);
  const lock = lockPgno(pageSize);
  for (let pgno = 1; pgno <= pageCount; pgno++) if (pgno !== lock) yield { pgno, data: fillPage(page, pgno) };
}

/** A transaction touching page 1 and 1-8 pages spread over the database. */
export function txnPages(txid: number, pageCount: number, pageSize: number): LtxPage[] {
  const lock = lockPgno(pageSize);
  const pgnos = new Set([1]);
  for (let i = 0; i <= txid % 8; i++) pgnos.add(2 + ((txid * 2654435761 + i * 40503) % (pageCount - 1)));
  pgnos.delete(lock);
  return [...pgnos].sort((a, b) => a - b).map((pgno) => ({ pgno, data: fillPage(Buffer.allocUnsafe(pageSize), txid * 31 + pgno) }));
}

/** `size` bytes of random data in chunks of up to 4 MiB, without allocating them. */
export async function* randomBytesStream(size: number): AsyncGenerator<Uint8Array> {
  const chunk = 4 * 1024 * 1024;
  for (let off = 0; off < size; off += chunk) yield POOL.subarray(0, Math.min(chunk, size - off));
}

export async function* single(bytes: Uint8Array): AsyncGenerator<Uint8Array> {
  yield bytes;
}

export async function collect(stream: AsyncIterable<Uint8Array>): Promise<Buffer> {
  const parts: Uint8Array[] = [];
  for await (const c of stream) parts.push(c);
  return Buffer.concat(parts);
}

/**
 * `body` behind an LTX header, so that `bytes` bytes in all reach writeLtxFile, which takes LTX files only (it reads
 * the header for the timestamp); for benchmarks of storage that write bytes, not pages.
 */
export async function* behindLtxHeader(bytes: number, body: (length: number) => AsyncIterable<Uint8Array>, timestamp = 0): AsyncGenerator<Uint8Array> {
  yield encodeHeader(newHeader({ pageSize: 4096, commit: 1, minTXID: 1, maxTXID: 1, timestamp }));
  yield* body(bytes - HEADER_SIZE);
}
