// A replica client that answers listings from memory: it lists once, then learns from the writes and deletes made through it.
import { open } from 'node:fs/promises';
import type { Readable } from 'node:stream';
import type { TXID } from '../ltx/types.ts';
import { MAX_LEVEL } from '../ltx/types.ts';
import type { ByteRange, LtxFileInfo, LtxFileRef, ObjectInfo, ReplicaClient, WriteBody } from './client.ts';

function keyOf(ref: LtxFileRef): string {
  return `${ref.level}/${ref.minTXID}/${ref.maxTXID}`;
}

function emptyLevels(): Map<string, LtxFileInfo>[] {
  return Array.from({ length: MAX_LEVEL + 1 }, () => new Map<string, LtxFileInfo>());
}

async function listAtOnce(files: AsyncIterable<LtxFileInfo>): Promise<Map<string, LtxFileInfo>[]> {
  const levels = emptyLevels();
  for await (const f of files) levels[f.level].set(keyOf(f), f);
  return levels;
}

async function listPerLevel(client: ReplicaClient): Promise<Map<string, LtxFileInfo>[]> {
  return Promise.all(
    Array.from({ length: MAX_LEVEL + 1 }, async (_, level) => {
      const files = new Map<string, LtxFileInfo>();
      for await (const f of client.listLtxFiles(level)) files.set(keyOf(f), f);
      return files;
    }),
  );
}

/**
 * The files of one replica, by level. Only one writer may own a replica (the agent of its database), so once listed
 * the index stays true as long as every write and delete of that writer is recorded in it. `version` changes with
 * every change, so a caller can tell whether anything happened since it last looked.
 */
export class ReplicaIndex {
  private levels: Map<string, LtxFileInfo>[] | undefined;
  private loading: Promise<void> | undefined;
  /** Changes made while a listing is under way: the listing may or may not show them, so they are replayed on it. */
  private journal: Array<(levels: Map<string, LtxFileInfo>[]) => void> | undefined;
  version = 0;

  get loaded(): boolean {
    return this.levels !== undefined;
  }

  /**
   * Lists the replica once (the only LIST requests an agent makes while the index stays valid): in one listing where
   * the client offers it (S3: 1 request per 1,000 files), else one per level.
   */
  async load(client: ReplicaClient): Promise<void> {
    if (this.levels) return;
    this.loading ??= (async () => {
      const journal: Array<(levels: Map<string, LtxFileInfo>[]) => void> = [];
      this.journal = journal;
      const levels = client.listAllLtxFiles ? await listAtOnce(client.listAllLtxFiles()) : await listPerLevel(client);
      for (const change of journal) change(levels);
      this.levels = levels;
      this.version++;
    })().finally(() => {
      this.loading = undefined;
      this.journal = undefined;
    });
    await this.loading;
  }

  /** Seeds the index from a known listing (a worker thread receives the agent's). */
  seed(files: readonly LtxFileInfo[]): void {
    this.levels = emptyLevels();
    for (const f of files) this.levels[f.level].set(keyOf(f), f);
    this.version++;
  }

  /** Forgets everything: the next listing reads the replica again (after a failure left the index unsure). */
  invalidate(): void {
    this.levels = undefined;
    this.version++;
  }

  add(info: LtxFileInfo): void {
    this.change((levels) => levels[info.level].set(keyOf(info), info));
  }

  remove(refs: readonly LtxFileRef[]): void {
    this.change((levels) => {
      for (const r of refs) levels[r.level].delete(keyOf(r));
    });
  }

  private change(apply: (levels: Map<string, LtxFileInfo>[]) => void): void {
    this.journal?.push(apply);
    if (this.levels) apply(this.levels);
    this.version++;
  }

  /** A level's files in TXID order (empty when not loaded). */
  level(level: number): LtxFileInfo[] {
    const files = [...(this.levels?.[level]?.values() ?? [])];
    return files.sort((a, b) => a.minTXID - b.minTXID || a.maxTXID - b.maxTXID);
  }

  /** Every file of every level. */
  files(): LtxFileInfo[] {
    return (this.levels ?? []).flatMap((l) => [...l.values()]);
  }
}

export interface IndexedClientOptions {
  /**
   * Where the agent keeps its own copy of an L0 file, if it may still have one: compaction reads it there instead
   * of downloading what was just uploaded. A missing local file falls back to the replica.
   */
  localL0Path?: (txid: TXID) => string | undefined;
  /**
   * false: list the replica every time (another writer, such as the compaction Lambdas, changes it too, so an
   * index would go stale). Default true.
   */
  listFromIndex?: boolean;
}

/** Wraps a client so listings come from a ReplicaIndex kept current by this client's own writes, copies and deletes. */
export class IndexedReplicaClient implements ReplicaClient {
  readonly inner: ReplicaClient;
  readonly index: ReplicaIndex;
  private readonly options: IndexedClientOptions;
  /** Bytes of L0 files read from local copies instead of the replica (for tests and the bench). */
  localReads = 0;

  constructor(inner: ReplicaClient, index: ReplicaIndex = new ReplicaIndex(), options: IndexedClientOptions = {}) {
    this.inner = inner;
    this.index = index;
    this.options = options;
    if (inner.copyLtxFile) this.copyLtxFile = (src, dst) => this.copyThrough(src, dst);
    if (inner.listObjects) this.listObjects = (prefix) => inner.listObjects!(prefix);
    if (inner.openObject) this.openObject = (path) => inner.openObject!(path);
    if (inner.lastRetriedError) this.lastRetriedError = () => inner.lastRetriedError!();
  }

  get type(): string {
    return this.inner.type;
  }

  get location(): string {
    return this.inner.location;
  }

  copyLtxFile?: (src: LtxFileRef & { size?: number }, dst: LtxFileRef) => Promise<LtxFileInfo>;
  listObjects?: (prefix: string) => AsyncIterable<ObjectInfo>;
  openObject?: (path: string) => Promise<Readable>;
  lastRetriedError?: () => { reason: string; at: number } | undefined;

  async *listLtxFiles(level: number, options: { minTXID?: TXID } = {}): AsyncIterable<LtxFileInfo> {
    if (this.options.listFromIndex === false) {
      yield* this.inner.listLtxFiles(level, options);
      return;
    }
    await this.index.load(this.inner);
    for (const f of this.index.level(level)) if (options.minTXID === undefined || f.minTXID >= options.minTXID) yield f;
  }

  async openLtxFile(ref: LtxFileRef, range?: ByteRange): Promise<Readable> {
    const local = ref.level === 0 && ref.minTXID === ref.maxTXID ? this.options.localL0Path?.(ref.maxTXID) : undefined;
    if (local) {
      const stream = await openLocal(local, range);
      if (stream) return stream;
    }
    return this.inner.openLtxFile(ref, range);
  }

  statLtxFile(ref: LtxFileRef): Promise<{ size: number; timestamp: Date }> {
    return this.inner.statLtxFile(ref);
  }

  async writeLtxFile(ref: LtxFileRef, body: WriteBody): Promise<LtxFileInfo> {
    let info: LtxFileInfo;
    try {
      info = await this.inner.writeLtxFile(ref, body);
    } catch (err) {
      // A write that failed for the caller may still have landed: the next listing asks the replica.
      this.index.invalidate();
      throw err;
    }
    this.index.add(info);
    return info;
  }

  async deleteLtxFiles(refs: readonly LtxFileRef[]): Promise<void> {
    try {
      await this.inner.deleteLtxFiles(refs);
    } catch (err) {
      // Some of the batch may be gone: the next listing asks the replica.
      this.index.invalidate();
      throw err;
    }
    this.index.remove(refs);
  }

  /** Closes the inner client too: the wrapper owns it (callers that share an inner client do not close the wrapper). */
  async close(): Promise<void> {
    await this.inner.close();
  }

  private async copyThrough(src: LtxFileRef & { size?: number }, dst: LtxFileRef): Promise<LtxFileInfo> {
    let info: LtxFileInfo;
    try {
      info = await this.inner.copyLtxFile!(src, dst);
    } catch (err) {
      this.index.invalidate();
      throw err;
    }
    this.index.add(info);
    return info;
  }
}

/** A read stream of a local file (or a range of it), or undefined when the file is gone. */
async function openLocal(path: string, range?: ByteRange): Promise<Readable | undefined> {
  let fh;
  try {
    fh = await open(path, 'r');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
  // Reading through the open descriptor: a prune that removes the file now cannot cut the stream short.
  const start = range?.offset ?? 0;
  const end = range?.length === undefined ? undefined : start + range.length - 1;
  return fh.createReadStream({ start, end, autoClose: true, highWaterMark: 64 * 1024 });
}
