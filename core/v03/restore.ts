// restoreV03: rebuilds a database from a Litestream v0.3 backup (snapshot, then WAL indexes checkpointed by SQLite), atomically.
import Database from 'better-sqlite3';
import { closeSync, openSync } from 'node:fs';
import { mkdir, open, rename, rm, stat } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import type { Readable } from 'node:stream';
import { fsyncDir } from '../fs/atomic.ts';
import type { ReplicaClient } from '../replica/client.ts';
import { OutputExistsError } from '../restore/errors.ts';
import { checkIntegrity, type IntegrityCheck } from '../restore/integrity.ts';
import type { Logger } from '../log/logger.ts';
import { formatIndex, segmentLabel, snapshotLabel } from './layout.ts';
import { listV03, type V03Listing, type V03Segment } from './list.ts';
import { decodeLz4Stream } from './lz4-stream.ts';
import { planV03Restore, type V03Plan, type V03Target } from './plan.ts';
import { prefetch } from './prefetch.ts';
import { WalIndexFile } from './wal-file.ts';
import { pathExists, removeDatabaseFiles } from '../fs/sqlite-files.ts';

export interface V03RestoreOptions extends V03Target {
  outputPath: string;
  /** Default 'quick'. */
  integrityCheck?: IntegrityCheck;
  /** Replace an existing output file. */
  force?: boolean;
  /** Segment downloads in flight; default 8 (v0.3's own default). */
  parallelism?: number;
  logger?: Logger;
}

export interface V03RestoreResult {
  outputPath: string;
  generation: string;
  snapshotIndex: number;
  snapshotCreatedAt: Date;
  /** WAL indexes checkpointed into the database. */
  indexes: number;
  /** Segments applied (written at or before the target). */
  segments: number;
  /** Later segments of the snapshot's own index, read to learn how far the snapshot reaches. */
  segmentsPastTarget: number;
  /** WAL frames applied. */
  frames: number;
  /** Compressed bytes downloaded. */
  bytes: number;
  /** Newest file time among the snapshot and the applied segments. */
  timestamp: Date;
  pageSize: number;
  pages: number;
  /**
   * Frames written after the target that were applied anyway because the snapshot (written at or before the
   * target) already held their pages; 0 normally.
   */
  framesHeldBySnapshot: number;
}

const SQLITE_MAGIC = 'SQLite format 3\0';

export async function restoreV03(client: ReplicaClient, options: V03RestoreOptions, listing?: V03Listing): Promise<V03RestoreResult> {
  const outputPath = resolve(options.outputPath);
  if (!options.force && (await pathExists(outputPath))) throw new OutputExistsError(outputPath);
  const plan = planV03Restore(listing ?? (await listV03(client)), options);
  options.logger?.info(
    { generation: plan.generation, snapshot: formatIndex(plan.snapshot.index), segments: plan.segments.length },
    'restoring from a Litestream v0.3 backup',
  );
  await mkdir(dirname(outputPath), { recursive: true });
  const tmpPath = `${outputPath}.tmp`;
  await removeDatabaseFiles(tmpPath);
  try {
    const result = await build(client, plan, tmpPath, options);
    await checkIntegrity(tmpPath, options.integrityCheck ?? 'quick', outputPath);
    await syncFile(tmpPath);
    await Promise.all([rm(`${outputPath}-wal`, { force: true }), rm(`${outputPath}-shm`, { force: true })]);
    await rename(tmpPath, outputPath);
    await fsyncDir(dirname(outputPath));
    return { ...result, outputPath };
  } catch (err) {
    await removeDatabaseFiles(tmpPath);
    throw err;
  }
}

async function build(client: ReplicaClient, plan: V03Plan, dbPath: string, options: V03RestoreOptions): Promise<Omit<V03RestoreResult, 'outputPath'>> {
  let bytes = await downloadSnapshot(client, plan, dbPath);
  const pageSize = await readPageSize(dbPath, snapshotLabel(plan.generation, plan.snapshot.index));
  const byIndex = groupByIndex([...plan.segments, ...plan.snapshotIndexTail]);
  const tail = new Set(plan.snapshotIndexTail);
  const fetched = prefetch([...byIndex.values()].flat(), options.parallelism ?? 8, (s) => readObject(client, s.path));
  let frames = 0;
  let framesHeldBySnapshot = 0;
  let timestamp = plan.snapshot.createdAt;
  for (const [index, segments] of byIndex) {
    const placing = index === plan.snapshot.index && plan.snapshotIndexTail.length > 0;
    const applied = await buildWal(dbPath, plan, index, segments, fetched, { pageSize, placing, tail, logger: options.logger });
    bytes += applied.bytes;
    frames += applied.frames;
    framesHeldBySnapshot += applied.beyondTarget;
    for (const s of segments) if (!tail.has(s) && s.createdAt > timestamp) timestamp = s.createdAt;
    await rm(`${dbPath}-shm`, { force: true });
    if (applied.frames > 0) checkpoint(dbPath, applied.frames, `generation ${plan.generation} WAL index ${formatIndex(index)}`);
    await rm(`${dbPath}-wal`, { force: true });
  }
  const size = (await stat(dbPath)).size;
  return {
    generation: plan.generation,
    snapshotIndex: plan.snapshot.index,
    snapshotCreatedAt: plan.snapshot.createdAt,
    indexes: byIndex.size,
    segments: plan.segments.length,
    segmentsPastTarget: plan.snapshotIndexTail.length,
    frames,
    bytes,
    timestamp,
    pageSize,
    pages: Math.floor(size / pageSize),
    framesHeldBySnapshot,
  };
}

interface WalBuildOptions {
  pageSize: number;
  /** The snapshot's own index with segments past the target: find how far the snapshot reaches. */
  placing: boolean;
  tail: ReadonlySet<V03Segment>;
  logger?: Logger;
}

/** Writes one index's -wal; returns the frames to apply (whole transactions only). */
async function buildWal(
  dbPath: string,
  plan: V03Plan,
  index: number,
  segments: V03Segment[],
  fetched: AsyncIterator<Uint8Array>,
  options: WalBuildOptions,
): Promise<{ frames: number; bytes: number; beyondTarget: number }> {
  const compareFd = options.placing ? openSync(dbPath, 'r') : undefined;
  const wal = new WalIndexFile(`${dbPath}-wal`, { generation: plan.generation, index, pageSize: options.pageSize, compareFd });
  let bytes = 0;
  let targetFrames = 0;
  try {
    await wal.open();
    for (const segment of segments) {
      const next = await fetched.next();
      if (next.done) throw new Error('internal error: fewer downloads than segments');
      bytes += next.value.length;
      if (!options.tail.has(segment)) {
        await wal.append(segment, decoded(next.value, segmentLabel(segment.generation, segment.index, segment.offset)));
        targetFrames = wal.committedFrames;
        continue;
      }
      try {
        await wal.append(segment, decoded(next.value, segmentLabel(segment.generation, segment.index, segment.offset)));
      } catch (err) {
        // Past the target this segment only helps to place the snapshot; what was read so far still counts.
        options.logger?.warn({ segment: segment.path, reason: (err as Error).message }, 'cannot read a v0.3 segment past the restore target');
        break;
      }
    }
    const frames = Math.max(targetFrames, options.placing ? wal.snapshotReach : 0);
    await wal.finish(frames);
    return { frames, bytes, beyondTarget: frames - targetFrames };
  } finally {
    await wal.close();
    if (compareFd !== undefined) closeSync(compareFd);
  }
}

async function* decoded(compressed: Uint8Array, label: string): AsyncGenerator<Uint8Array> {
  try {
    yield* decodeLz4Stream([compressed]);
  } catch (err) {
    throw new Error(`v0.3 file ${label} is not a valid LZ4 frame: ${(err as Error).message}`, { cause: err });
  }
}

async function downloadSnapshot(client: ReplicaClient, plan: V03Plan, dbPath: string): Promise<number> {
  const label = snapshotLabel(plan.generation, plan.snapshot.index);
  const counted = { bytes: 0 };
  const handle = await open(dbPath, 'w');
  try {
    const body = await openObject(client, plan.snapshot.path);
    let position = 0;
    try {
      for await (const piece of decodeLz4Stream(countBytes(body, counted))) {
        let done = 0;
        while (done < piece.length) done += (await handle.write(piece, done, piece.length - done, position + done)).bytesWritten;
        position += piece.length;
      }
    } catch (err) {
      body.destroy();
      throw new Error(`v0.3 snapshot ${label} in ${plan.location} could not be read: ${(err as Error).message}`, { cause: err });
    }
  } finally {
    await handle.close();
  }
  return counted.bytes;
}

async function* countBytes(body: AsyncIterable<Uint8Array>, counter: { bytes: number }): AsyncGenerator<Uint8Array> {
  for await (const chunk of body) {
    counter.bytes += chunk.length;
    yield chunk;
  }
}

async function readPageSize(dbPath: string, label: string): Promise<number> {
  const handle = await open(dbPath, 'r');
  try {
    const header = Buffer.alloc(100);
    const { bytesRead } = await handle.read(header, 0, 100, 0);
    if (bytesRead < 100 || header.toString('latin1', 0, 16) !== SQLITE_MAGIC) {
      throw new Error(`v0.3 snapshot ${label} does not hold a SQLite database (${bytesRead < 100 ? `${bytesRead} bytes` : 'no SQLite header'})`);
    }
    const raw = header.readUInt16BE(16);
    return raw === 1 ? 65536 : raw;
  } finally {
    await handle.close();
  }
}

function groupByIndex(segments: readonly V03Segment[]): Map<number, V03Segment[]> {
  const out = new Map<number, V03Segment[]>();
  for (const s of segments) {
    const list = out.get(s.index);
    if (list) list.push(s);
    else out.set(s.index, [s]);
  }
  return out;
}

/** Lets SQLite replay the -wal into the database; it must take every frame this restore wrote. */
function checkpoint(dbPath: string, frames: number, what: string): void {
  const db = new Database(dbPath, { fileMustExist: true });
  try {
    // Nothing is durable until the finished file is fsynced once before the rename.
    db.pragma('synchronous = OFF');
    // FULL reports the frames SQLite found and copied; TRUNCATE would report 0 after resetting the WAL.
    const [row] = db.pragma('wal_checkpoint(FULL)') as Array<{ busy: number; log: number; checkpointed: number }>;
    if (row.busy !== 0 || row.log !== frames || row.checkpointed !== frames) {
      throw new Error(`SQLite checkpointed ${row.checkpointed} of the ${frames} frames of ${what} (busy ${row.busy}, WAL frames ${row.log})`);
    }
    db.pragma('wal_checkpoint(TRUNCATE)');
  } finally {
    db.close();
  }
}

async function openObject(client: ReplicaClient, path: string): Promise<Readable> {
  if (!client.openObject) throw new Error(`the ${client.type} replica client cannot read files outside the LTX layout, so it cannot read Litestream v0.3 backups`);
  return client.openObject(path);
}

async function readObject(client: ReplicaClient, path: string): Promise<Uint8Array> {
  const chunks: Buffer[] = [];
  for await (const chunk of await openObject(client, path)) chunks.push(Buffer.from(chunk as Uint8Array));
  return Buffer.concat(chunks);
}

async function syncFile(path: string): Promise<void> {
  const handle = await open(path, 'r+');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}
