// Reads a staged L0 file for upload: small files whole (retryable by the SDK), large ones as a stream.
import { open, readFile, stat } from 'node:fs/promises';
import type { Readable } from 'node:stream';
import { HEADER_SIZE, LTX_MAGIC } from '../core/ltx/types.ts';

/** Above this size a local L0 file is streamed to the replica instead of read whole. */
export const STREAM_THRESHOLD = 16 * 1024 * 1024;

export interface LocalL0File {
  body: Uint8Array | Readable;
  size: number;
  /** The LTX header timestamp (ms since the epoch), stored with the object as `litestream-timestamp`. */
  timestamp: number;
}

export async function readLocalL0(path: string, streamThreshold = STREAM_THRESHOLD): Promise<LocalL0File> {
  const { size } = await stat(path);
  if (size <= streamThreshold) {
    const body = await readFile(path);
    return { body, size, timestamp: headerTimestamp(body, path) };
  }
  const fh = await open(path, 'r');
  try {
    const head = Buffer.alloc(HEADER_SIZE);
    await fh.read(head, 0, HEADER_SIZE, 0);
    return { body: fh.createReadStream({ start: 0, autoClose: true }), size, timestamp: headerTimestamp(head, path) };
  } catch (err) {
    await fh.close();
    throw err;
  }
}

/** The header's Timestamp field (i64 big-endian at byte 32), after checking the magic. */
export function headerTimestamp(buf: Uint8Array, path: string): number {
  const b = Buffer.from(buf.buffer, buf.byteOffset, buf.byteLength);
  if (b.length < HEADER_SIZE || b.toString('latin1', 0, 4) !== LTX_MAGIC) {
    throw new Error(`${path}: not an LTX file (no ${LTX_MAGIC} header); remove it or let the agent write a snapshot`);
  }
  return Number(b.readBigInt64BE(32));
}
