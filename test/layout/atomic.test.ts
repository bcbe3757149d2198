// writeFileAtomic: whole file or nothing, temporary file cleaned up on failure, parent created on request.
import { readdir, readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { fsyncDir, writeFileAtomic } from '../../core/fs/atomic.ts';
import { useTempDirs } from '../harness/tmp.ts';

const tempDir = useTempDirs();

async function* chunks(parts: Uint8Array[], failAfter?: number): AsyncGenerator<Uint8Array> {
  let i = 0;
  for (const part of parts) {
    if (failAfter !== undefined && i === failAfter) throw new Error('source failed');
    yield part;
    i += 1;
  }
}

describe('writeFileAtomic', () => {
  it('writes a buffer, a stream and an async iterable', async () => {
    const dir = await tempDir('atomic');
    const data = new Uint8Array(100_000).map((_, i) => i % 251);
    expect(await writeFileAtomic(join(dir, 'a'), data)).toBe(100_000);
    expect(await writeFileAtomic(join(dir, 'b'), Readable.from([Buffer.from('he'), Buffer.from('llo')]))).toBe(5);
    expect(await writeFileAtomic(join(dir, 'c'), chunks([data.subarray(0, 10), data.subarray(10)]))).toBe(100_000);
    expect(Buffer.compare(await readFile(join(dir, 'a')), data)).toBe(0);
    expect(await readFile(join(dir, 'b'), 'utf8')).toBe('hello');
    expect(Buffer.compare(await readFile(join(dir, 'c')), data)).toBe(0);
    expect((await readdir(dir)).sort()).toEqual(['a', 'b', 'c']);
  });

  it('keeps the old file and leaves no temporary file when the source fails', async () => {
    const dir = await tempDir('atomic');
    const path = join(dir, 'f');
    await writeFile(path, 'old');
    await expect(writeFileAtomic(path, chunks([new Uint8Array(10), new Uint8Array(10)], 1))).rejects.toThrow('source failed');
    expect(await readFile(path, 'utf8')).toBe('old');
    expect(await readdir(dir)).toEqual(['f']);
  });

  it('sets the modification time before the file appears', async () => {
    const dir = await tempDir('atomic');
    const when = new Date('2026-01-02T03:04:05.678Z');
    await writeFileAtomic(join(dir, 't'), new Uint8Array(3), { mtime: when });
    expect((await stat(join(dir, 't'))).mtime.getTime()).toBe(when.getTime());
  });

  it('fails clearly when the directory does not exist', async () => {
    const dir = await tempDir('atomic');
    await expect(writeFileAtomic(join(dir, 'missing', 'x'), new Uint8Array(1))).rejects.toThrow(/ENOENT/);
    await expect(fsyncDir(join(dir, 'missing'))).rejects.toThrow(/ENOENT/);
    await fsyncDir(dir);
  });

  it('creates a missing parent directory when asked, and leaves the directory fsync to the caller with syncDir: false', async () => {
    const dir = await tempDir('atomic');
    const nested = join(dir, 'ltx', '0', 'f.ltx');
    expect(await writeFileAtomic(nested, new Uint8Array([1, 2, 3]), { createDir: true, syncDir: false })).toBe(3);
    expect([...(await readFile(nested))]).toEqual([1, 2, 3]);
    expect(await readdir(join(dir, 'ltx', '0'))).toEqual(['f.ltx']);
    await expect(writeFileAtomic(join(dir, 'other', 'x'), new Uint8Array(1), { syncDir: false })).rejects.toThrow(/ENOENT/);
  });
});
