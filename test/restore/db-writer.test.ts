// DatabaseWriter: positional batched writes with several in flight; later files win, the size is cut to commit.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DatabaseWriter } from '../../core/restore/db-writer.ts';
import { useTempDirs } from '../harness/tmp.ts';

const tempDir = useTempDirs();
const PAGE = 512;

function page(pgno: number, version: number): Uint8Array {
  const data = new Uint8Array(PAGE);
  new DataView(data.buffer).setUint32(0, pgno);
  data.fill(version, 4);
  return data;
}

describe('DatabaseWriter', () => {
  it('keeps the newest copy of each page across overlapping files and leaves unwritten pages zero', async () => {
    const path = join(await tempDir('writer'), 'db');
    const writer = await DatabaseWriter.create(path, PAGE);
    const lock = 7; // stands in for the lock page: never written
    for (let p = 1; p <= 12_000; p++) if (p !== lock) await writer.writePage(p, page(p, 1)); // several 1 MiB batches
    await writer.barrier();
    for (let p = 2; p <= 11_000; p += 3) if (p !== lock) await writer.writePage(p, page(p, 2)); // many small batches
    await writer.barrier();
    for (let p = 5000; p <= 9500; p++) await writer.writePage(p, page(p, 3));
    await writer.finish(10_000);

    const file = await readFile(path);
    expect(file.length).toBe(10_000 * PAGE);
    for (let p = 1; p <= 10_000; p++) {
      const at = file.subarray((p - 1) * PAGE, p * PAGE);
      const expected = p === lock ? new Uint8Array(PAGE) : page(p, p >= 5000 && p <= 9500 ? 3 : (p - 2) % 3 === 0 ? 2 : 1);
      if (!Buffer.from(expected).equals(at)) throw new Error(`page ${p} differs`);
    }
  });
});
