// Prefetcher: byte-exact ranged downloads in plan order, GETs in flight capped by parallelism, read-ahead capped in bytes.
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { Readable } from 'node:stream';
import { describe, expect, it, vi } from 'vitest';
import { fileReplicaLtxPath } from '../../core/layout/names.ts';
import { NotFoundError, type ByteRange, type LtxFileInfo, type LtxFileRef } from '../../core/replica/client.ts';
import { FileReplicaClient } from '../../core/replica/file.ts';
import { FileFetchError, Prefetcher } from '../../core/restore/fetch.ts';
import { useTempDirs } from '../harness/tmp.ts';

const tempDir = useTempDirs();

/** A real file replica that records how many GETs are open and how many bytes they have delivered. */
class CountingClient extends FileReplicaClient {
  open = 0;
  maxOpen = 0;
  delivered = 0;
  override async openLtxFile(ref: LtxFileRef, range?: ByteRange): Promise<Readable> {
    const stream = await super.openLtxFile(ref, range);
    this.open++;
    this.maxOpen = Math.max(this.maxOpen, this.open);
    stream.on('data', (chunk: Buffer) => (this.delivered += chunk.length));
    stream.once('close', () => this.open--);
    return stream;
  }
}

async function makeFiles(client: FileReplicaClient, sizes: number[]): Promise<LtxFileInfo[]> {
  // Written beside the client: these are bytes to fetch, not LTX files (writeLtxFile takes LTX files only).
  for (const [i, size] of sizes.entries()) {
    const path = fileReplicaLtxPath(client.root, { level: 0, minTXID: i + 1, maxTXID: i + 1 });
    await mkdir(dirname(path), { recursive: true });
    await writeFile(path, new Uint8Array(size).map((_, j) => (j * 7 + i) & 0xff));
  }
  const files: LtxFileInfo[] = [];
  for await (const f of client.listLtxFiles(0)) files.push(f);
  return files;
}

describe('Prefetcher', () => {
  it('delivers every file byte-exact while bounding GETs in flight and bytes read ahead', async () => {
    const client = new CountingClient(join(await tempDir('fetch'), 'replica'));
    const files = await makeFiles(client, [50_000, 300, 12_345, 1, 40_000]);
    const prefetcher = new Prefetcher(client, files, { parallelism: 3, chunkSize: 4096, maxBufferedBytes: 16_384 });
    let consumed = 0;
    let maxAhead = 0;
    const rangedBuffers = new Set<ArrayBufferLike>();
    for (const [i, file] of files.entries()) {
      const parts: Uint8Array[] = [];
      for await (const part of prefetcher.source(i)) {
        await new Promise((r) => setTimeout(r, 1)); // a slow consumer lets read-ahead build up
        if (file.size > 4096) rangedBuffers.add(part.buffer);
        parts.push(new Uint8Array(part)); // a copy: a ranged chunk's buffer is reused once the next part is asked for
        consumed += part.length;
        maxAhead = Math.max(maxAhead, client.delivered - consumed);
      }
      expect(Buffer.concat(parts)).toEqual(await readFile(fileReplicaLtxPath(client.root, file)));
    }
    prefetcher.close();
    expect(client.maxOpen).toBeLessThanOrEqual(3);
    expect(client.maxOpen).toBeGreaterThan(1);
    expect(maxAhead).toBeGreaterThan(4096); // it did read ahead
    expect(maxAhead).toBeLessThanOrEqual(16_384 + 4096);
    // 13 + 4 + 10 ranged chunks went through a pool the window bounds: 16 KiB / 4 KiB + the one allowed over it
    expect(rangedBuffers.size).toBeLessThanOrEqual(5);
  });

  it('reports a file shorter than listed as a problem with that file', async () => {
    const client = new FileReplicaClient(join(await tempDir('fetch'), 'replica'));
    const [file] = await makeFiles(client, [10_000]);
    const prefetcher = new Prefetcher(client, [{ ...file, size: 12_000 }], { parallelism: 2, chunkSize: 4096 });
    const error = await (async () => {
      for await (const _ of prefetcher.source(0));
    })().catch((err: unknown) => err);
    prefetcher.close();
    expect(error).toBeInstanceOf(FileFetchError);
    expect((error as FileFetchError).fileProblem).toBe(true);
    expect((error as Error).message).toMatch(/shorter than listed/);
  });

  it('reads a plain file replica with positional reads into the bounded pool, without opening a stream', async () => {
    const client = new FileReplicaClient(join(await tempDir('fetch'), 'replica'));
    const files = await makeFiles(client, [50_000, 300, 12_345]);
    const streams = vi.spyOn(FileReplicaClient.prototype, 'openLtxFile');
    try {
      const prefetcher = new Prefetcher(client, files, { parallelism: 3, chunkSize: 4096, maxBufferedBytes: 16_384 });
      const rangedBuffers = new Set<ArrayBufferLike>();
      for (const [i, file] of files.entries()) {
        const parts: Uint8Array[] = [];
        for await (const part of prefetcher.source(i)) {
          await new Promise((r) => setTimeout(r, 1));
          if (file.size > 4096) rangedBuffers.add(part.buffer);
          parts.push(new Uint8Array(part));
        }
        expect(Buffer.concat(parts)).toEqual(await readFile(fileReplicaLtxPath(client.root, file)));
      }
      prefetcher.close();
      expect(streams).not.toHaveBeenCalled();
      expect(rangedBuffers.size).toBeLessThanOrEqual(5);
    } finally {
      streams.mockRestore();
    }
  });

  it('reports a whole file larger than listed, and a missing file as not found, as problems with that file', async () => {
    const client = new FileReplicaClient(join(await tempDir('fetch'), 'replica'));
    const [small, gone] = await makeFiles(client, [1000, 2000]);
    await rm(fileReplicaLtxPath(client.root, gone));
    const errorOf = async (file: LtxFileInfo): Promise<unknown> => {
      const prefetcher = new Prefetcher(client, [file], { parallelism: 1, chunkSize: 4096 });
      try {
        for await (const _ of prefetcher.source(0));
      } catch (err) {
        return err;
      } finally {
        prefetcher.close();
      }
      return undefined;
    };
    const larger = await errorOf({ ...small, size: 900 });
    expect(larger).toBeInstanceOf(FileFetchError);
    expect((larger as FileFetchError).fileProblem).toBe(true);
    expect((larger as Error).message).toMatch(/larger than the 900 bytes listed/);
    const missing = await errorOf(gone);
    expect(missing).toBeInstanceOf(FileFetchError);
    expect((missing as FileFetchError).fileProblem).toBe(true);
    expect((missing as FileFetchError).cause).toBeInstanceOf(NotFoundError);
  });
});
