// Small naming helpers for LTX file references used in restore plans, exclusions and messages.
import type { TXID } from '../ltx/types.ts';
import type { LtxFileRef } from '../replica/client.ts';

export function formatTXID(txid: TXID): string {
  return txid.toString(16).padStart(16, '0');
}

/** `%016x-%016x.ltx`, as in every layout. */
export function ltxName(ref: LtxFileRef): string {
  return `${formatTXID(ref.minTXID)}-${formatTXID(ref.maxTXID)}.ltx`;
}

/** Identity of a file across levels, for exclusion sets: `L<level>/<name>`. */
export function refKey(ref: LtxFileRef): string {
  return `L${ref.level}/${ltxName(ref)}`;
}

/** Where a file lives, for error messages: the replica location plus level and name. */
export function describeRef(location: string, ref: LtxFileRef): string {
  return `${location} level ${ref.level} file ${ltxName(ref)}`;
}
