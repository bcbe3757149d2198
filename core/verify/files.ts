// Reads every byte of one replica file: header, pages, index and trailer checksum, and the header against the name.
import type { Readable } from 'node:stream';
import type { LtxFileInfo, ReplicaClient } from '../replica/client.ts';
import { NotFoundError } from '../replica/client.ts';
import { formatTXID } from '../layout/names.ts';
import { HEADER_SIZE, SNAPSHOT_LEVEL } from '../ltx/types.ts';
import { verifyLtx } from '../ltx/decoder.ts';
import { LtxFormatError } from '../ltx/errors.ts';
import { fileProblem, keyOf } from './report.ts';
import type { VerifyProblem } from './report.ts';

export async function verifyFile(client: ReplicaClient, file: LtxFileInfo): Promise<VerifyProblem[]> {
  const key = keyOf(client, file);
  let result: Awaited<ReturnType<typeof verifyLtx>>;
  let stream: Readable | undefined;
  try {
    stream = await client.openLtxFile(file);
    result = await verifyLtx(stream, key);
  } catch (err) {
    if (err instanceof NotFoundError) return [fileProblem(client, file, 'missing', 'listed but gone when read (deleted by a concurrent retention run?)', 'warning')];
    if (err instanceof LtxFormatError) {
      // The message already names the key and the byte offset.
      return [fileProblem(client, file, err.offset < HEADER_SIZE ? 'header' : 'checksum', err.message)];
    }
    throw err;
  } finally {
    // A decode that stops early leaves the stream open; close its file handle or socket now.
    stream?.destroy();
  }
  const { header } = result;
  const problems: VerifyProblem[] = [];
  if (header.minTXID !== file.minTXID || header.maxTXID !== file.maxTXID) {
    problems.push(
      fileProblem(client, file, 'name', `header covers TXIDs ${formatTXID(header.minTXID)}-${formatTXID(header.maxTXID)}, the name says ${formatTXID(file.minTXID)}-${formatTXID(file.maxTXID)}`),
    );
  }
  if (file.level === SNAPSHOT_LEVEL && header.minTXID !== 1) {
    problems.push(fileProblem(client, file, 'header', `snapshot header has MinTXID ${formatTXID(header.minTXID)}, expected 0000000000000001`));
  }
  return problems;
}
