// Replaces listing times with the written timestamps (`litestream-timestamp` metadata) for a restore to a point in time.
import { SNAPSHOT_LEVEL } from '../ltx/types.ts';
import type { LtxFileInfo, ReplicaClient } from '../replica/client.ts';
import { mapLimit } from '../util/map-limit.ts';

/** Litestream runs 50 HEAD requests at a time for the same purpose. */
export const STAT_CONCURRENCY = 50;

/**
 * S3 LastModified is the upload time, later than the data it holds, so a point-in-time plan needs the header
 * timestamps. Only files that can matter are looked up: every snapshot, then the files past the snapshot the
 * target selects. Files left out keep their listing time; the plan never uses them.
 */
export async function withWrittenTimestamps(client: ReplicaClient, files: readonly LtxFileInfo[], target: Date): Promise<LtxFileInfo[]> {
  const snapshots = await restamp(client, files.filter((f) => f.level === SNAPSHOT_LEVEL));
  const usable = snapshots.filter((s) => s.createdAt.getTime() < target.getTime());
  const start = usable.reduce((max, s) => Math.max(max, s.maxTXID), 0);
  const others = files.filter((f) => f.level !== SNAPSHOT_LEVEL);
  const relevant = await restamp(client, others.filter((f) => f.maxTXID > start));
  return [...snapshots, ...others.filter((f) => f.maxTXID <= start), ...relevant];
}

async function restamp(client: ReplicaClient, files: readonly LtxFileInfo[]): Promise<LtxFileInfo[]> {
  return mapLimit(files, STAT_CONCURRENCY, async (f) => {
    const { timestamp } = await client.statLtxFile(f);
    return { ...f, createdAt: timestamp };
  });
}
