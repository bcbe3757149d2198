// Small naming helpers for LTX file references used in restore plans, exclusions and messages.
import { formatLtxFileName, formatTXID } from '../layout/names.ts';
import type { LtxFileRef } from '../replica/client.ts';

export { formatTXID };

/** `%016x-%016x.ltx`, as in every layout. */
export function ltxName(ref: LtxFileRef): string {
  return formatLtxFileName(ref.minTXID, ref.maxTXID);
}

/** Identity of a file across levels, for exclusion sets: `L<level>/<name>`. */
export function refKey(ref: LtxFileRef): string {
  return `L${ref.level}/${ltxName(ref)}`;
}

/** Where a file lives, for error messages: the replica location plus level and name. */
export function describeRef(location: string, ref: LtxFileRef): string {
  return `${location} level ${ref.level} file ${ltxName(ref)}`;
}
