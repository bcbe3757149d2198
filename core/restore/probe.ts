// Reads one replica file through to its trailer checksum, to learn whether a fallback restore could use it.
import type { Readable } from 'node:stream';
import { verifyLtx } from '../ltx/decoder.ts';
import { LtxFormatError } from '../ltx/errors.ts';
import { NotFoundError } from '../replica/client.ts';
import type { LtxFileInfo, ReplicaClient } from '../replica/client.ts';
import { checkHeader } from './header-check.ts';
import { ltxName } from './refs.ts';

/**
 * Why the file cannot be used, or undefined when it decodes, its checksums match and its header matches its name.
 * Only problems of the object itself count; a network or permission error is thrown, as the restore would throw it.
 */
export async function probeFile(client: ReplicaClient, file: LtxFileInfo): Promise<string | undefined> {
  let stream: Readable | undefined;
  try {
    stream = await client.openLtxFile(file);
    const { header } = await verifyLtx(stream as AsyncIterable<Uint8Array>, ltxName(file));
    checkHeader(ltxName(file), file, header, false, undefined);
    return undefined;
  } catch (err) {
    if (err instanceof NotFoundError || err instanceof LtxFormatError) return err.message;
    throw err;
  } finally {
    stream?.destroy();
  }
}
