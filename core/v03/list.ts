// Lists a replica's Litestream v0.3 generations with their snapshots and WAL segments, through the replica client.
import type { ObjectInfo, ReplicaClient } from '../replica/client.ts';
import { GENERATIONS_PREFIX, parseV03Path } from './layout.ts';

export interface V03File {
  generation: string;
  /** WAL index: the snapshot's, or the segment's. */
  index: number;
  /** Path below the replica root. */
  path: string;
  /** Compressed size. */
  size: number;
  /** Object LastModified / file mtime: v0.3 keeps no time inside its files. */
  createdAt: Date;
}

export type V03Snapshot = V03File;

export interface V03Segment extends V03File {
  /** Byte offset inside the WAL index. */
  offset: number;
}

export interface V03Generation {
  id: string;
  /** By index. */
  snapshots: V03Snapshot[];
  /** By index, then offset. */
  segments: V03Segment[];
  /** Oldest and newest file time. */
  createdAt: Date;
  updatedAt: Date;
}

export interface V03Listing {
  location: string;
  /** By id. */
  generations: V03Generation[];
}

function objects(client: ReplicaClient): AsyncIterable<ObjectInfo> {
  if (!client.listObjects) throw new Error(`the ${client.type} replica client cannot list files outside the LTX layout, so it cannot read Litestream v0.3 backups`);
  return client.listObjects(GENERATIONS_PREFIX);
}

export async function listV03(client: ReplicaClient): Promise<V03Listing> {
  const byId = new Map<string, { snapshots: V03Snapshot[]; segments: V03Segment[] }>();
  for await (const obj of objects(client)) {
    const name = parseV03Path(obj.path);
    if (!name) continue;
    let gen = byId.get(name.generation);
    if (!gen) byId.set(name.generation, (gen = { snapshots: [], segments: [] }));
    const file = { generation: name.generation, index: name.index, path: obj.path, size: obj.size, createdAt: obj.createdAt };
    if (name.kind === 'snapshot') gen.snapshots.push(file);
    else gen.segments.push({ ...file, offset: name.offset });
  }
  const generations = [...byId].map(([id, g]) => {
    g.snapshots.sort((a, b) => a.index - b.index);
    g.segments.sort((a, b) => a.index - b.index || a.offset - b.offset);
    let min = Infinity;
    let max = -Infinity;
    for (const f of [...g.snapshots, ...g.segments]) {
      min = Math.min(min, f.createdAt.getTime());
      max = Math.max(max, f.createdAt.getTime());
    }
    return { id, ...g, createdAt: new Date(min), updatedAt: new Date(max) };
  });
  generations.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  return { location: client.location, generations };
}

/** Newest file time over every generation (Litestream's "updated at" of the v0.3 backups); undefined when empty. */
export function v03UpdatedAt(listing: V03Listing): Date | undefined {
  const newest = listing.generations.reduce((max, g) => Math.max(max, g.updatedAt.getTime()), -Infinity);
  return Number.isFinite(newest) ? new Date(newest) : undefined;
}
