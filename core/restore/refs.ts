// Small naming helpers for LTX file references used in restore plans, exclusions and messages.
import { formatLevelDir, formatLtxFileName, formatTXID } from '../layout/names.ts';
import type { LtxFileRef, ReplicaClient } from '../replica/client.ts';

export { formatTXID };

/** `%016x-%016x.ltx`, as in every layout. */
export function ltxName(ref: LtxFileRef): string {
  return formatLtxFileName(ref.minTXID, ref.maxTXID);
}

/** Identity of a file across levels, for exclusion sets: `L<level>/<name>`. */
export function refKey(ref: LtxFileRef): string {
  return `L${ref.level}/${ltxName(ref)}`;
}

/** `<location>/<level dir>/<name>`: the S3 key or file path of a file, as the layout spells it, for messages. */
export function fileLocation(client: Pick<ReplicaClient, 'type' | 'location'>, ref: LtxFileRef): string {
  const name = ltxName(ref);
  return client.type === 'file' ? `${client.location}/ltx/${ref.level}/${name}` : `${client.location}/${formatLevelDir(ref.level)}/${name}`;
}
