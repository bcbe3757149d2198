// A replica's file listing read into memory, level by level (a listing is small next to the files it names).
import type { LtxFileInfo, ReplicaClient } from '../replica/client.ts';
import { MAX_LEVEL, SNAPSHOT_LEVEL } from '../ltx/types.ts';

export async function listLevel(client: ReplicaClient, level: number): Promise<LtxFileInfo[]> {
  const files: LtxFileInfo[] = [];
  for await (const info of client.listLtxFiles(level)) files.push(info);
  return files.sort((a, b) => a.minTXID - b.minTXID || a.maxTXID - b.maxTXID);
}

/** Files of every level 0..9, indexed by level. */
export type ReplicaListing = LtxFileInfo[][];

export async function listReplica(client: ReplicaClient): Promise<ReplicaListing> {
  const levels = Array.from({ length: MAX_LEVEL + 1 }, (_, level) => level);
  return Promise.all(levels.map((level) => listLevel(client, level)));
}

/** Files of the levels below the snapshot level, flattened. */
export function nonSnapshotFiles(listing: ReplicaListing): LtxFileInfo[] {
  return listing.slice(0, SNAPSHOT_LEVEL).flat();
}

/** The file with the highest MaxTXID (ties: the newer one), or undefined for an empty level. */
export function newestFile(files: readonly LtxFileInfo[]): LtxFileInfo | undefined {
  let newest: LtxFileInfo | undefined;
  for (const f of files) {
    if (newest === undefined || f.maxTXID > newest.maxTXID || (f.maxTXID === newest.maxTXID && f.createdAt > newest.createdAt)) newest = f;
  }
  return newest;
}

/** When the level was last written to: its most recently created file. */
export function lastWrittenAt(files: readonly LtxFileInfo[]): Date | undefined {
  let latest: Date | undefined;
  for (const f of files) if (latest === undefined || f.createdAt > latest) latest = f.createdAt;
  return latest;
}
