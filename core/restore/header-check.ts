// Checks that a planned file's header matches its name and the files applied before it.
import { LtxFormatError } from '../ltx/errors.ts';
import type { LtxHeader } from '../ltx/types.ts';
import { formatTXID } from '../layout/names.ts';

export function checkHeader(
  name: string,
  ref: { minTXID: number; maxTXID: number },
  header: Pick<LtxHeader, 'minTXID' | 'maxTXID' | 'pageSize'>,
  first: boolean,
  pageSize: number | undefined,
): void {
  if (header.minTXID !== ref.minTXID || header.maxTXID !== ref.maxTXID) {
    throw new LtxFormatError(name, 16, `header says TXIDs ${formatTXID(header.minTXID)}-${formatTXID(header.maxTXID)}, the file name ${formatTXID(ref.minTXID)}-${formatTXID(ref.maxTXID)}`);
  }
  if (first && header.minTXID !== 1) throw new LtxFormatError(name, 16, 'the first file of a restore must be a snapshot (MinTXID 0000000000000001)');
  if (pageSize !== undefined && header.pageSize !== pageSize) {
    throw new LtxFormatError(name, 8, `page size ${header.pageSize} differs from the ${pageSize} of the files before it`);
  }
}
