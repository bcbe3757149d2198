// Crash-safe file writes: temporary file in the same directory, fsync, rename, fsync the directory.
import { randomBytes } from 'node:crypto';
import { mkdir, open, rename, rm } from 'node:fs/promises';
import type { FileHandle } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';

/** Bytes, or a stream of them (a Readable is one); the replica client's WriteBody fits. */
export type FileBody = Uint8Array | AsyncIterable<Uint8Array | string>;

/** The temporary name used while writing `path`: `<path>.tmp-<random>` in the same directory. */
export function tempPathFor(path: string): string {
  return join(dirname(path), `${basename(path)}.tmp-${randomBytes(6).toString('hex')}`);
}

/** Flushes a directory entry to disk so a rename inside it survives a crash. */
export async function fsyncDir(dir: string): Promise<void> {
  const handle = await open(dir, 'r');
  try {
    await handle.sync();
  } catch (err) {
    // Some filesystems refuse fsync on directories (EINVAL/EISDIR); nothing more can be done there.
    const code = (err as NodeJS.ErrnoException).code;
    if (code !== 'EINVAL' && code !== 'EISDIR' && code !== 'EPERM') throw err;
  } finally {
    await handle.close();
  }
}

async function writeBody(handle: FileHandle, body: FileBody): Promise<number> {
  if (body instanceof Uint8Array) {
    let written = 0;
    while (written < body.byteLength) {
      const { bytesWritten } = await handle.write(body, written, body.byteLength - written, written);
      written += bytesWritten;
    }
    return written;
  }
  let position = 0;
  for await (const chunk of body) {
    const bytes = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
    let off = 0;
    while (off < bytes.byteLength) {
      const { bytesWritten } = await handle.write(bytes, off, bytes.byteLength - off, position);
      off += bytesWritten;
      position += bytesWritten;
    }
  }
  return position;
}

export interface AtomicWriteOptions {
  /** Set the file's access and modification times before it becomes visible. */
  mtime?: Date;
  /** File mode for a new file (default 0o644 minus umask). */
  mode?: number;
  /** Create the parent directory when it is missing (only tried after ENOENT, so the usual write costs nothing). */
  createDir?: boolean;
  /**
   * false: skip the directory fsync after the rename, for a writer that fsyncs the directory after a later file
   * (one fsync makes every earlier rename in it durable); the caller must guarantee that it happens.
   */
  syncDir?: boolean;
}

/**
 * Replaces `path` by what `write` puts into a temporary file beside it: readers see the old file or the whole new
 * one, never a part. `write` must leave the file complete and fsynced; the rename is then made durable. The
 * temporary file is removed if anything fails.
 */
export async function replaceFileAtomic<T>(path: string, write: (tmp: string) => Promise<T>, options: { syncDir?: boolean } = {}): Promise<T> {
  const tmp = tempPathFor(path);
  try {
    const result = await write(tmp);
    await rename(tmp, path);
    if (options.syncDir ?? true) await fsyncDir(dirname(path));
    return result;
  } catch (err) {
    await rm(tmp, { force: true }).catch(() => undefined);
    throw err;
  }
}

/** Writes `body` to `path` atomically (see replaceFileAtomic). Returns the byte count. */
export async function writeFileAtomic(path: string, body: FileBody, options: AtomicWriteOptions = {}): Promise<number> {
  return replaceFileAtomic(path, async (tmp) => {
    const handle = await openNew(tmp, options);
    let size: number;
    try {
      size = await writeBody(handle, body);
      if (options.mtime) await handle.utimes(options.mtime, options.mtime);
      await handle.sync();
    } catch (err) {
      await handle.close().catch(() => undefined);
      throw err;
    }
    await handle.close();
    return size;
  }, options);
}

async function openNew(tmp: string, options: AtomicWriteOptions): Promise<FileHandle> {
  try {
    return await open(tmp, 'wx', options.mode ?? 0o644);
  } catch (err) {
    if (!options.createDir || (err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    await mkdir(dirname(tmp), { recursive: true });
    return open(tmp, 'wx', options.mode ?? 0o644);
  }
}
