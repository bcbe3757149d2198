// Behaviour every ReplicaClient must have, run against each backend by its own test file.
import { createHash } from 'node:crypto';
import type { Readable } from 'node:stream';
import { expect, it } from 'vitest';
import { encodeHeader, newHeader } from '../../core/ltx/header.ts';
import { NotFoundError } from '../../core/replica/client.ts';
import type { LtxFileInfo, LtxFileRef, ReplicaClient } from '../../core/replica/client.ts';
import { seededRandom } from '../harness/prng.ts';

export async function readAll(stream: Readable): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const chunk of stream) parts.push(Buffer.from(chunk as Uint8Array));
  return Buffer.concat(parts);
}

export async function collect(iter: AsyncIterable<LtxFileInfo>): Promise<LtxFileInfo[]> {
  const out: LtxFileInfo[] = [];
  for await (const info of iter) out.push(info);
  return out;
}

export function randomBytesSeeded(size: number, seed: number): Buffer {
  const random = seededRandom(seed);
  const buf = Buffer.allocUnsafe(size);
  for (let i = 0; i + 4 <= size; i += 4) buf.writeUInt32LE(Math.floor(random() * 0x1_0000_0000), i);
  for (let i = size - (size % 4); i < size; i++) buf[i] = Math.floor(random() * 256);
  return buf;
}

/**
 * An LTX header stamped `at`, followed by `payload`: a body writeLtxFile accepts (it reads only the header, for the
 * timestamp it stores with the file), for tests of storage rather than of the format.
 */
export function ltxBody(payload: Uint8Array, at: Date | number = 0): Buffer {
  const timestamp = typeof at === 'number' ? at : at.getTime();
  return Buffer.concat([encodeHeader(newHeader({ pageSize: 4096, commit: 1, minTXID: 1, maxTXID: 1, timestamp })), payload]);
}

/** The same as a stream: the header chunk, then `payload`. */
export async function* ltxStream(payload: AsyncIterable<Uint8Array>, at: Date | number = 0): AsyncGenerator<Uint8Array> {
  yield ltxBody(new Uint8Array(0), at);
  yield* payload;
}

export function sha256(data: Uint8Array): string {
  return createHash('sha256').update(data).digest('hex');
}

const ref = (level: number, min: number, max: number): LtxFileRef => ({ level, minTXID: min, maxTXID: max });

/** Registers the shared tests; `fresh()` returns a client on an empty location. */
export function replicaContract(fresh: () => Promise<ReplicaClient>): void {
  it('writes, lists in TXID order, reads back and stats', async () => {
    const client = await fresh();
    const when = new Date('2026-11-26T02:01:16.123Z');
    const bodies = new Map<number, Buffer>();
    for (const txid of [3, 1, 0x10, 2]) {
      const body = ltxBody(randomBytesSeeded(900 + txid, txid), when);
      bodies.set(txid, body);
      const info = await client.writeLtxFile(ref(0, txid, txid), body);
      expect(info).toMatchObject({ level: 0, minTXID: txid, maxTXID: txid, size: body.length });
    }
    const listed = await collect(client.listLtxFiles(0));
    expect(listed.map((f) => f.minTXID)).toEqual([1, 2, 3, 0x10]);
    expect(listed.map((f) => f.size)).toEqual([1001, 1002, 1003, 1016]);
    for (const f of listed) expect(f.createdAt).toBeInstanceOf(Date);
    expect(await collect(client.listLtxFiles(1))).toEqual([]);
    expect((await collect(client.listLtxFiles(0, { minTXID: 3 }))).map((f) => f.minTXID)).toEqual([3, 0x10]);
    for (const [txid, body] of bodies) {
      expect(sha256(await readAll(await client.openLtxFile(ref(0, txid, txid))))).toBe(sha256(body));
    }
    const st = await client.statLtxFile(ref(0, 2, 2));
    expect(st.size).toBe(1002);
    expect(st.timestamp.toISOString()).toBe(when.toISOString());
  });

  it('reads byte ranges', async () => {
    const client = await fresh();
    const body = ltxBody(randomBytesSeeded(4900, 7));
    await client.writeLtxFile(ref(9, 1, 200), body);
    const r = ref(9, 1, 200);
    expect(await readAll(await client.openLtxFile(r, { offset: 100, length: 100 }))).toEqual(body.subarray(100, 200));
    expect(await readAll(await client.openLtxFile(r, { offset: 4990 }))).toEqual(body.subarray(4990));
    expect(await readAll(await client.openLtxFile(r, { offset: 0, length: 1 }))).toEqual(body.subarray(0, 1));
  });

  it('accepts streams and async iterables as bodies, the header spread over several chunks', async () => {
    const client = await fresh();
    const when = new Date('2026-03-04T05:06:07.089Z');
    const body = ltxBody(randomBytesSeeded(2900, 9), when);
    async function* gen(): AsyncGenerator<Uint8Array> {
      for (let i = 0; i < body.length; i += 70) yield body.subarray(i, i + 70);
    }
    const info = await client.writeLtxFile(ref(1, 1, 16), gen());
    expect(info.size).toBe(3000);
    expect(await readAll(await client.openLtxFile(ref(1, 1, 16)))).toEqual(body);
    expect((await client.statLtxFile(ref(1, 1, 16))).timestamp.toISOString()).toBe(when.toISOString());
  });

  it('refuses a body that is not an LTX file, and writes nothing', async () => {
    const client = await fresh();
    await expect(client.writeLtxFile(ref(0, 1, 1), Buffer.from('not an LTX file'))).rejects.toThrow(/0000000000000001-0000000000000001\.ltx.*too short/);
    async function* gen(): AsyncGenerator<Uint8Array> {
      yield Buffer.alloc(200, 'x');
    }
    await expect(client.writeLtxFile(ref(0, 2, 2), gen())).rejects.toThrow(/not an LTX file/);
    expect(await collect(client.listLtxFiles(0))).toEqual([]);
  });

  it('reports missing files as NotFoundError and tolerates deleting them', async () => {
    const client = await fresh();
    await expect(client.openLtxFile(ref(0, 99, 99))).rejects.toBeInstanceOf(NotFoundError);
    await expect(client.statLtxFile(ref(0, 99, 99))).rejects.toBeInstanceOf(NotFoundError);
    await expect(client.openLtxFile(ref(0, 99, 99))).rejects.toThrow(/0000000000000063-0000000000000063\.ltx/);
    await client.deleteLtxFiles([ref(0, 99, 99)]);
  });

  it('deletes files', async () => {
    const client = await fresh();
    for (let t = 1; t <= 5; t++) await client.writeLtxFile(ref(0, t, t), ltxBody(Buffer.from([t])));
    await client.deleteLtxFiles([ref(0, 2, 2), ref(0, 4, 4), ref(0, 77, 77)]);
    expect((await collect(client.listLtxFiles(0))).map((f) => f.minTXID)).toEqual([1, 3, 5]);
    await expect(client.openLtxFile(ref(0, 2, 2))).rejects.toBeInstanceOf(NotFoundError);
  });

  it('overwrites a file whole', async () => {
    const client = await fresh();
    await client.writeLtxFile(ref(0, 1, 1), ltxBody(randomBytesSeeded(100, 1)));
    const second = ltxBody(randomBytesSeeded(50, 2));
    await client.writeLtxFile(ref(0, 1, 1), second);
    expect(await readAll(await client.openLtxFile(ref(0, 1, 1)))).toEqual(second);
  });
}
