// The local L0 store: listing, writes (durable and in the background), records and bodies for upload, pruning.
import { readFileSync, utimesSync, writeFileSync } from 'node:fs';
import { Readable } from 'node:stream';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { L0Store } from '../../agent/l0/store.ts';
import { decodeLtxBuffer } from '../../core/ltx/decoder.ts';
import { newHeader } from '../../core/ltx/header.ts';
import type { LtxPage } from '../../core/ltx/types.ts';
import { useTempDirs } from '../harness/tmp.ts';

const tempDir = useTempDirs();
const PAGE_SIZE = 4096;

function header(txid: number, timestamp: number) {
  return newHeader({ pageSize: PAGE_SIZE, commit: 2, minTXID: txid, maxTXID: txid, timestamp });
}

function pages(fill: number): LtxPage[] {
  return [1, 2].map((pgno) => ({ pgno, data: new Uint8Array(PAGE_SIZE).fill(fill + pgno) }));
}

async function bodyBytes(body: Uint8Array | Readable): Promise<Buffer> {
  if (body instanceof Uint8Array) return Buffer.from(body);
  const chunks: Buffer[] = [];
  for await (const chunk of body) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

describe('L0Store', () => {
  it('writes durably and returns the record the uploader needs; lists only single-TXID LTX names', async () => {
    const store = new L0Store(join(await tempDir('l0'), 'meta'));
    const file = await store.write(header(1, 1_700_000_000_123), pages(1), () => undefined);
    expect(file).toMatchObject({ txid: 1, path: store.path(1), timestamp: 1_700_000_000_123 });
    expect(file.bytes).toBeUndefined();
    const onDisk = readFileSync(file.path);
    expect(file.size).toBe(onDisk.length);
    expect((await decodeLtxBuffer(new Uint8Array(onDisk), 'L0 1')).header.timestamp).toBe(1_700_000_000_123);
    writeFileSync(join(store.dir, '0000000000000001-0000000000000002.ltx'), 'not L0');
    writeFileSync(join(store.dir, 'notes.txt'), '');
    writeFileSync(join(store.dir, '0000000000000003-0000000000000003.ltx.tmp-1a2b'), '');
    expect((await store.list()).map((f) => f.txid)).toEqual([1]);
    expect(await store.removeTempFiles()).toBe(1);
  });

  it('a file whose check fails after the last page is not written', async () => {
    const store = new L0Store(join(await tempDir('l0'), 'meta'));
    await expect(store.write(header(1, 1), pages(1), () => {
      throw new Error('WAL restarted');
    })).rejects.toThrow('WAL restarted');
    expect(await store.list()).toEqual([]);
  });

  it('serves a background write from memory until it is on disk, then from the disk', async () => {
    const store = new L0Store(join(await tempDir('l0'), 'meta'));
    const file = await store.writeInBackground(header(1, 5), pages(1), () => undefined);
    const bytes = file.bytes;
    expect(bytes).toBeInstanceOf(Uint8Array);
    expect(store.backgroundWrites).toBe(1);
    expect((await store.openForUpload(file)).body).toBe(bytes);
    await store.settled();
    expect(store.takeWriteFailure()).toBeNull();
    expect(file.bytes).toBeUndefined();
    const upload = await store.openForUpload(file);
    expect(upload.size).toBe(bytes!.length);
    expect((await bodyBytes(upload.body)).equals(Buffer.from(bytes!))).toBe(true);
  });

  it('records files of an earlier process from their LTX header; streams large ones', async () => {
    const meta = join(await tempDir('l0'), 'meta');
    const written = await new L0Store(meta).write(header(7, 1_234_567), pages(3), () => undefined);
    const store = new L0Store(meta);
    const file = await store.file(7);
    expect(file).toEqual({ txid: 7, path: written.path, timestamp: 1_234_567, size: written.size });
    const streamed = await store.openForUpload(file, 100);
    expect(streamed.body).toBeInstanceOf(Readable);
    expect((await bodyBytes(streamed.body)).equals(readFileSync(written.path))).toBe(true);
    await expect(store.file(8)).rejects.toMatchObject({ code: 'ENOENT' });
    writeFileSync(store.path(9), 'garbage that is long enough to hold a header, but it has no LTX magic at all. '.repeat(2));
    await expect(store.file(9)).rejects.toThrow(/0000000000000009-0000000000000009\.ltx.*not an LTX file/);
  });

  it('prunes uploaded files older than the retention, never the newest; removes through a TXID', async () => {
    const store = new L0Store(join(await tempDir('l0'), 'meta'));
    for (let txid = 1; txid <= 4; txid++) await store.write(header(txid, txid), pages(txid), () => undefined);
    const now = Date.now();
    const old = new Date(now - 60_000);
    for (const f of await store.list()) utimesSync(f.path, old, old);
    expect(await store.prune(2, 30_000, now)).toBe(2);
    expect(await store.prune(4, 90_000, now)).toBe(0);
    expect(await store.prune(4, 30_000, now)).toBe(1);
    expect((await store.list()).map((f) => f.txid)).toEqual([4]);
    await store.removeThrough(4);
    expect(await store.list()).toEqual([]);
  });

  it('prunes in TXID order up to the first file too young to go; a file dated in the future does not stop it', async () => {
    const store = new L0Store(join(await tempDir('l0'), 'meta'));
    for (let txid = 1; txid <= 6; txid++) await store.write(header(txid, txid), pages(txid), () => undefined);
    const now = Date.now();
    const at = (txid: number, ms: number): void => {
      const f = store.path(txid);
      utimesSync(f, new Date(ms), new Date(ms));
    };
    at(1, now - 60_000);
    at(2, now + 3_600_000); // written before the clock was set back an hour: kept, and the scan goes on
    at(3, now - 50_000);
    at(4, now - 1_000); // too young: the scan ends here, so 5 waits for the next pass although it is older
    at(5, now - 40_000);
    expect(await store.prune(5, 30_000, now)).toBe(2);
    expect((await store.list()).map((f) => f.txid)).toEqual([2, 4, 5, 6]);
    at(4, now - 45_000);
    expect(await store.prune(5, 30_000, now)).toBe(2);
    expect((await store.list()).map((f) => f.txid)).toEqual([2, 6]);
  });
});
