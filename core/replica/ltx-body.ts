// Reads the LTX header at the start of a body about to be written, without losing a byte of the body.
import { decodeHeader } from '../ltx/header.ts';
import type { LtxHeader } from '../ltx/types.ts';
import { HEADER_SIZE } from '../ltx/types.ts';
import type { WriteBody } from './client.ts';

/** Yields `head` and then the rest of `rest`; ending early (a failed upload) ends `rest` too, which closes a stream. */
async function* prepended(head: Uint8Array[], rest: AsyncIterator<Uint8Array>): AsyncGenerator<Uint8Array> {
  let done = false;
  try {
    yield* head;
    for (;;) {
      const next = await rest.next();
      if (next.done) {
        done = true;
        return;
      }
      yield next.value;
    }
  } finally {
    if (!done) await rest.return?.();
  }
}

function asBytes(chunk: Uint8Array | string): Uint8Array {
  return typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
}

/**
 * The header of the LTX file a body holds, and a body that still yields every byte (a stream's first chunks are
 * read to find the header). Litestream stores the header's timestamp with every file it writes; a body that does
 * not start with a valid LTX header is refused with an LtxFormatError naming `file`.
 */
export async function peekLtxHeader(body: WriteBody, file: string): Promise<{ header: LtxHeader; body: WriteBody }> {
  if (body instanceof Uint8Array) return { header: decodeHeader(body.subarray(0, HEADER_SIZE), file), body };
  const it = (body as AsyncIterable<Uint8Array | string>)[Symbol.asyncIterator]();
  const head: Uint8Array[] = [];
  let length = 0;
  try {
    while (length < HEADER_SIZE) {
      const next = await it.next();
      if (next.done) break;
      const chunk = asBytes(next.value);
      head.push(chunk);
      length += chunk.byteLength;
    }
    const header = decodeHeader(Buffer.concat(head).subarray(0, HEADER_SIZE), file);
    return { header, body: prepended(head, it as AsyncIterator<Uint8Array>) };
  } catch (err) {
    await it.return?.();
    throw err;
  }
}
