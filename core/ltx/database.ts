// SQLite database-file helpers: read pages, rolling checksum (spec §1.5), encode a file as a snapshot LTX stream.
import { createReadStream } from 'node:fs';
import { open } from 'node:fs/promises';
import { encodeLtx } from './encoder.ts';
import { newHeader } from './header.ts';
import { Crc64 } from './crc64.ts';
import { CHECKSUM_FLAG, type LtxHeader, type LtxPage, lockPgno } from './types.ts';

const READ_CHUNK = 1 << 20;

/** Page size from the SQLite header (offset 16, big-endian u16; 1 means 65536). */
function sqlitePageSize(header: Uint8Array, file: string): number {
  const magic = new TextDecoder().decode(header.subarray(0, 16));
  if (header.length < 100 || magic !== 'SQLite format 3\0') throw new Error(`${file}: not a SQLite database (bad header)`);
  const raw = (header[16] << 8) | header[17];
  const size = raw === 1 ? 65536 : raw;
  if (size < 512 || size > 65536 || (size & (size - 1)) !== 0) throw new Error(`${file}: invalid SQLite page size ${raw}`);
  return size;
}

/** Page size and page count of a database file. */
async function databaseGeometry(dbPath: string): Promise<{ pageSize: number; pageCount: number }> {
  const fh = await open(dbPath, 'r');
  try {
    const { size } = await fh.stat();
    const head = new Uint8Array(100);
    const { bytesRead } = await fh.read(head, 0, 100, 0);
    const pageSize = sqlitePageSize(head.subarray(0, bytesRead), dbPath);
    if (size % pageSize !== 0) throw new Error(`${dbPath}: file size ${size} is not a multiple of the page size ${pageSize}`);
    return { pageSize, pageCount: size / pageSize };
  } finally {
    await fh.close();
  }
}

/** A snapshot LTX stream (min = max = txid) of a database file as it is on disk. */
export async function encodeDatabaseSnapshot(
  dbPath: string,
  txid = 1,
  timestamp = Date.now(),
): Promise<{ header: LtxHeader; stream: AsyncIterable<Uint8Array> }> {
  const { pageSize, pageCount } = await databaseGeometry(dbPath);
  const header = newHeader({ pageSize, commit: pageCount, minTXID: 1, maxTXID: txid, timestamp });
  return { header, stream: encodeLtx(header, readDatabasePages(dbPath), { name: dbPath }) };
}

/** Every page of the database file in order, skipping the lock page. Each page owns its bytes. */
export async function* readDatabasePages(dbPath: string): AsyncGenerator<LtxPage> {
  const { pageSize } = await databaseGeometry(dbPath);
  const lock = lockPgno(pageSize);
  let pgno = 1;
  let pending: Uint8Array = new Uint8Array(0);
  const stream = createReadStream(dbPath, { highWaterMark: Math.max(READ_CHUNK, pageSize) });
  for await (const raw of stream as AsyncIterable<Buffer>) {
    let chunk: Uint8Array = new Uint8Array(raw.buffer, raw.byteOffset, raw.length);
    if (pending.length > 0) {
      const joined = new Uint8Array(pending.length + chunk.length);
      joined.set(pending);
      joined.set(chunk, pending.length);
      chunk = joined;
    }
    let off = 0;
    for (; off + pageSize <= chunk.length; off += pageSize, pgno++) {
      if (pgno !== lock) yield { pgno, data: chunk.subarray(off, off + pageSize) };
    }
    pending = chunk.slice(off);
  }
  if (pending.length > 0) throw new Error(`${dbPath}: file size is not a multiple of the page size ${pageSize}`);
}

/** flag | XOR of CRC64(u32be(pgno) || data) over all pages except the lock page; 0x8000000000000000 when empty. */
export async function databaseChecksum(pages: AsyncIterable<LtxPage> | Iterable<LtxPage>): Promise<bigint> {
  let lo = 0;
  let hi = 0;
  const crc = new Crc64();
  const pgnoBytes = new Uint8Array(4);
  let lock = 0;
  for await (const page of pages) {
    if (lock === 0) lock = lockPgno(page.data.length);
    if (page.pgno === lock) continue;
    pgnoBytes[0] = page.pgno >>> 24;
    pgnoBytes[1] = page.pgno >>> 16;
    pgnoBytes[2] = page.pgno >>> 8;
    pgnoBytes[3] = page.pgno;
    crc.reset().update(pgnoBytes).update(page.data);
    lo ^= crc.digestLo();
    hi ^= crc.digestHi();
  }
  return CHECKSUM_FLAG | (BigInt(hi >>> 0) << 32n) | BigInt(lo >>> 0);
}

export async function checksumDatabaseFile(dbPath: string): Promise<bigint> {
  return databaseChecksum(readDatabasePages(dbPath));
}
