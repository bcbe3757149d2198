// Replica client for a directory tree in Litestream's file-replica layout: `<root>/ltx/<level>/<name>.ltx`.
import type { Dirent } from 'node:fs';
import { mkdir, open, opendir, readdir, rm, stat } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { Readable } from 'node:stream';
import { pathToFileURL } from 'node:url';
import type { TXID } from '../ltx/types.ts';
import { fsyncDir, writeFileAtomic } from '../fs/atomic.ts';
import { fileReplicaLevelDir, fileReplicaLtxPath, tryParseLtxFileName } from '../layout/names.ts';
import { NotFoundError } from './client.ts';
import type { ByteRange, LtxFileInfo, LtxFileRef, ObjectInfo, ReplicaClient, WriteBody } from './client.ts';
import { peekLtxHeader } from './ltx-body.ts';
import type { FileReplicaOptions } from './options.ts';

function isNotFound(err: unknown): boolean {
  return (err as NodeJS.ErrnoException)?.code === 'ENOENT';
}

/** File mtimes carry the LTX timestamp; rounding keeps the millisecond that utimes stored. */
function mtimeOf(s: { mtimeMs: number }): Date {
  return new Date(Math.round(s.mtimeMs));
}

const NS_PER_MS = 1_000_000n;

/** Rounded up, so an object written after a requested instant never counts as written at or before it. */
function mtimeCeilMs(s: { mtimeNs: bigint }): Date {
  return new Date(Number((s.mtimeNs + NS_PER_MS - 1n) / NS_PER_MS));
}

/** A relative object path must stay below the root. */
function checkRelative(path: string): string {
  if (path.startsWith('/') || path.split('/').some((part) => part === '..')) {
    throw new Error(`object path "${path}" must be relative to the replica root and must not contain ".."`);
  }
  return path;
}

export class FileReplicaClient implements ReplicaClient {
  readonly type = 'file';
  readonly location: string;
  readonly root: string;

  constructor(options: FileReplicaOptions | string) {
    this.root = resolve(typeof options === 'string' ? options : options.path);
    this.location = pathToFileURL(this.root).href;
  }

  async *listLtxFiles(level: number, options: { minTXID?: TXID } = {}): AsyncIterable<LtxFileInfo> {
    const dir = fileReplicaLevelDir(this.root, level);
    let entries: Dirent[];
    try {
      entries = await readdir(dir, { withFileTypes: true });
    } catch (err) {
      if (isNotFound(err)) return;
      throw err;
    }
    const minTXID = options.minTXID ?? 0;
    const refs: LtxFileRef[] = [];
    for (const entry of entries) {
      if (!entry.isFile()) continue;
      const parsed = tryParseLtxFileName(entry.name);
      if (parsed && parsed.minTXID >= minTXID) refs.push({ level, ...parsed });
    }
    refs.sort((a, b) => a.minTXID - b.minTXID || a.maxTXID - b.maxTXID);
    for (const ref of refs) {
      try {
        const s = await stat(fileReplicaLtxPath(this.root, ref));
        yield { ...ref, size: s.size, createdAt: mtimeOf(s) };
      } catch (err) {
        if (!isNotFound(err)) throw err; // deleted between readdir and stat: skip it
      }
    }
  }

  async openLtxFile(ref: LtxFileRef, range?: ByteRange): Promise<Readable> {
    const path = fileReplicaLtxPath(this.root, ref);
    let handle;
    try {
      handle = await open(path, 'r');
    } catch (err) {
      if (isNotFound(err)) throw new NotFoundError(pathToFileURL(path).href);
      throw err;
    }
    const start = range?.offset ?? 0;
    if (range?.length === 0) {
      await handle.close();
      return Readable.from([]);
    }
    const end = range?.length !== undefined ? start + range.length - 1 : undefined;
    return handle.createReadStream({ start, end, autoClose: true });
  }

  async statLtxFile(ref: LtxFileRef): Promise<{ size: number; timestamp: Date }> {
    const path = fileReplicaLtxPath(this.root, ref);
    try {
      const s = await stat(path);
      return { size: s.size, timestamp: mtimeOf(s) };
    } catch (err) {
      if (isNotFound(err)) throw new NotFoundError(pathToFileURL(path).href);
      throw err;
    }
  }

  async writeLtxFile(ref: LtxFileRef, ltx: WriteBody): Promise<LtxFileInfo> {
    const path = fileReplicaLtxPath(this.root, ref);
    const { header, body } = await peekLtxHeader(ltx, pathToFileURL(path).href);
    return this.writeWithMtime(ref, body, new Date(header.timestamp));
  }

  /** The file's mtime carries its timestamp (what statLtxFile answers). */
  private async writeWithMtime(ref: LtxFileRef, body: WriteBody, timestamp: Date): Promise<LtxFileInfo> {
    const path = fileReplicaLtxPath(this.root, ref);
    await this.ensureDir(dirname(path));
    const size = await writeFileAtomic(path, body, { mtime: timestamp });
    return { ...ref, size, createdAt: new Date(timestamp.getTime()) };
  }

  /** Copies through a temporary file and a rename, like every write; the copy keeps the source's mtime (its timestamp). */
  async copyLtxFile(src: LtxFileRef & { size?: number }, dst: LtxFileRef): Promise<LtxFileInfo> {
    const from = fileReplicaLtxPath(this.root, src);
    let timestamp: Date;
    try {
      timestamp = mtimeOf(await stat(from));
    } catch (err) {
      if (isNotFound(err)) throw new NotFoundError(pathToFileURL(from).href);
      throw err;
    }
    const handle = await open(from, 'r');
    try {
      return await this.writeWithMtime(dst, handle.createReadStream({ autoClose: false }), timestamp);
    } finally {
      await handle.close();
    }
  }

  async deleteLtxFiles(refs: readonly LtxFileRef[]): Promise<void> {
    const dirs = new Set<string>();
    const BATCH = 64;
    for (let i = 0; i < refs.length; i += BATCH) {
      await Promise.all(
        refs.slice(i, i + BATCH).map(async (ref) => {
          const path = fileReplicaLtxPath(this.root, ref);
          await rm(path, { force: true });
          dirs.add(dirname(path));
        }),
      );
    }
    for (const dir of dirs) {
      await fsyncDir(dir).catch((err: unknown) => {
        if (!isNotFound(err)) throw err;
      });
    }
  }

  async *listObjects(prefix: string): AsyncIterable<ObjectInfo> {
    const start = checkRelative(prefix).replace(/\/+$/, '');
    yield* this.walk(start);
  }

  private async *walk(rel: string): AsyncIterable<ObjectInfo> {
    let dir;
    try {
      dir = await opendir(join(this.root, rel));
    } catch (err) {
      if (isNotFound(err) || (err as NodeJS.ErrnoException)?.code === 'ENOTDIR') return;
      throw err;
    }
    for await (const entry of dir) {
      const path = rel ? `${rel}/${entry.name}` : entry.name;
      if (entry.isDirectory()) {
        yield* this.walk(path);
      } else if (entry.isFile()) {
        try {
          const s = await stat(join(this.root, path), { bigint: true });
          yield { path, size: Number(s.size), createdAt: mtimeCeilMs(s) };
        } catch (err) {
          if (!isNotFound(err)) throw err; // removed between listing and stat: skip it
        }
      }
    }
  }

  async openObject(path: string): Promise<Readable> {
    const full = join(this.root, checkRelative(path));
    try {
      const handle = await open(full, 'r');
      return handle.createReadStream({ autoClose: true });
    } catch (err) {
      if (isNotFound(err)) throw new NotFoundError(pathToFileURL(full).href);
      throw err;
    }
  }

  /** Nothing to release: every read and write opens and closes its own descriptor. */
  async close(): Promise<void> {}

  /** Creates the level directory and makes its creation durable (the new entries' parents are fsynced). */
  private async ensureDir(dir: string): Promise<void> {
    const first = await mkdir(dir, { recursive: true });
    if (first === undefined) return;
    let d = dir;
    while (d.length >= first.length) {
      await fsyncDir(dirname(d));
      d = dirname(d);
    }
  }
}
