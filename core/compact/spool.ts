// Copies replica files to a local temporary directory so a merge reads many inputs without holding many remote streams.
import { createReadStream, createWriteStream } from 'node:fs';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { LtxFileInfo, ReplicaClient } from '../replica/client.ts';
import { formatLtxFileName } from '../layout/names.ts';
import { mapLimit } from '../util/map-limit.ts';

/** One input of a merge: opened only when the merge starts reading it. */
export interface MergeSource {
  /** For error messages: the file's location or key. */
  name: string;
  open(): Promise<Readable>;
}

function describeFile(client: ReplicaClient, f: LtxFileInfo): string {
  return `${client.location} level ${f.level} ${formatLtxFileName(f.minTXID, f.maxTXID)}`;
}

/** Reads straight from the replica: right for local files, or for a remote input that is read without pause. */
export function remoteSource(client: ReplicaClient, f: LtxFileInfo): MergeSource {
  return { name: describeFile(client, f), open: () => client.openLtxFile(f) };
}

export function localSource(path: string, name: string): MergeSource {
  return { name, open: async () => createReadStream(path, { highWaterMark: 64 * 1024 }) };
}


/**
 * Downloads files into `dir`. A merge pulls each input only when its next page number comes up, so a remote
 * stream could sit idle for minutes (timeouts) and hundreds of them would exhaust the HTTP socket pool.
 */
export async function spoolFiles(client: ReplicaClient, files: readonly LtxFileInfo[], dir: string, concurrency = 8): Promise<MergeSource[]> {
  return mapLimit(files, concurrency, async (f, i) => {
    const path = join(dir, `${i}-${f.level}-${formatLtxFileName(f.minTXID, f.maxTXID)}`);
    await pipeline(await client.openLtxFile(f), createWriteStream(path));
    return localSource(path, describeFile(client, f));
  });
}
