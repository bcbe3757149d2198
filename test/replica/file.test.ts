// File replica client: shared contract plus layout, atomicity and mtime behaviour on a real directory.
import { mkdir, readdir, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FileReplicaClient } from '../../core/replica/file.ts';
import { openReplicaClient } from '../../core/replica/open.ts';
import { useTempDirs } from '../harness/tmp.ts';
import { collect, ltxBody, randomBytesSeeded, replicaContract } from './contract.ts';

const tempDir = useTempDirs();

describe('FileReplicaClient contract', () => {
  replicaContract(async () => new FileReplicaClient({ type: 'file', path: await tempDir('file-replica') }));
});

describe('FileReplicaClient layout', () => {
  it('is what openReplicaClient returns for file options', async () => {
    const root = await tempDir('file-replica');
    const c = openReplicaClient({ type: 'file', path: root });
    expect(c).toBeInstanceOf(FileReplicaClient);
    expect(c.type).toBe('file');
  });

  it('stores files at <root>/ltx/<decimal level>/<name> with the timestamp as mtime', async () => {
    const root = await tempDir('file-replica');
    const client = new FileReplicaClient({ type: 'file', path: root });
    expect(client.location).toBe(`file://${root}`);
    const when = new Date('2025-05-06T07:08:09.010Z');
    await client.writeLtxFile({ level: 9, minTXID: 1, maxTXID: 200 }, ltxBody(Buffer.from('x'), when));
    const path = join(root, 'ltx', '9', '0000000000000001-00000000000000c8.ltx');
    expect((await stat(path)).mtime.toISOString()).toBe(when.toISOString());
    const [info] = await collect(client.listLtxFiles(9));
    expect(info.createdAt.toISOString()).toBe(when.toISOString());
  });

  it('skips names that do not parse and directories', async () => {
    const root = await tempDir('file-replica');
    const dir = join(root, 'ltx', '0');
    await mkdir(join(dir, '0000000000000009-0000000000000009.ltx'), { recursive: true });
    await writeFile(join(dir, '0000000000000001-0000000000000001.ltx'), 'a');
    await writeFile(join(dir, '0000000000000002-0000000000000002.ltx.tmp'), 'b');
    await writeFile(join(dir, 'README'), 'c');
    const client = new FileReplicaClient(root);
    expect((await collect(client.listLtxFiles(0))).map((f) => f.minTXID)).toEqual([1]);
  });

  it('leaves no partial file when the body stream fails', async () => {
    const root = await tempDir('file-replica');
    const client = new FileReplicaClient(root);
    async function* failing(): AsyncGenerator<Uint8Array> {
      yield ltxBody(randomBytesSeeded(64 * 1024, 1));
      throw new Error('network dropped');
    }
    await expect(client.writeLtxFile({ level: 0, minTXID: 1, maxTXID: 1 }, failing())).rejects.toThrow('network dropped');
    expect(await readdir(join(root, 'ltx', '0'))).toEqual([]);
    expect(await collect(client.listLtxFiles(0))).toEqual([]);
  });
});
