// Writes a byte stream to a file atomically: <path>.tmp, fsync, rename, fsync of the directory.
import { open, rename, rm } from 'node:fs/promises';
import { dirname } from 'node:path';

export async function fsyncDir(dir: string): Promise<void> {
  const fh = await open(dir, 'r');
  try {
    await fh.sync();
  } finally {
    await fh.close();
  }
}

/** Returns the number of bytes written. On failure the temporary file is removed and path is untouched. */
export async function writeStreamAtomic(path: string, chunks: AsyncIterable<Uint8Array>): Promise<number> {
  const tmp = `${path}.tmp`;
  let written = 0;
  try {
    const fh = await open(tmp, 'w');
    try {
      for await (const chunk of chunks) {
        await fh.write(chunk, 0, chunk.length);
        written += chunk.length;
      }
      await fh.sync();
    } finally {
      await fh.close();
    }
    await rename(tmp, path);
  } catch (err) {
    await rm(tmp, { force: true });
    throw err;
  }
  await fsyncDir(dirname(path));
  return written;
}
