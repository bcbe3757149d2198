// Deferred L0 writes: the loop's syncs hand out the encoded file before it is on disk, in TXID order, and a
// failed background write makes the next file a snapshot.
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { Database } from '../../agent/database.ts';
import type { L0File } from '../../agent/l0/store.ts';
import { useTempDirs } from '../harness/tmp.ts';
import { appDatabase } from './app-database.ts';
import { checkChain } from './workload/chain.ts';

const tempDir = useTempDirs();
/** A sync result's `files` when the sync wrote at least one L0 file. */
const WROTE = expect.arrayContaining([expect.anything()]);

async function setup() {
  const { dir, path, app, settings } = await appDatabase(tempDir, 'deferred');
  const db = new Database(settings);
  const insert = app.prepare('INSERT INTO t (v) VALUES (randomblob(200))');
  return { dir, path, app, metaPath: settings.metaPath, db, insert };
}

describe('Database deferred writes', () => {
  it('serves each file from memory until it is durable, and the files on disk form an exact chain', async () => {
    const s = await setup();
    await s.db.open();
    expect((await s.db.sync()).snapshot).toBe(true);
    const served: Array<{ file: L0File; bytes: Uint8Array }> = [];
    for (let i = 0; i < 12; i++) {
      s.insert.run();
      const r = await s.db.sync({ deferWrite: true });
      expect(r.files.length).toBeGreaterThan(0);
      expect(r.files.map((f) => f.txid)).toEqual([r.txid]);
      const [file] = r.files;
      expect(file.path).toBe(s.db.l0.path(r.txid));
      // Either still in memory or already renamed into place; one of the two must hold the file.
      if (file.bytes) served.push({ file, bytes: file.bytes.slice() });
      else expect(existsSync(file.path)).toBe(true);
    }
    await s.db.close();
    for (const { file, bytes } of served) {
      expect(file.bytes).toBeUndefined();
      expect(file.size).toBe(bytes.length);
      expect(Buffer.from(readFileSync(file.path)).equals(Buffer.from(bytes))).toBe(true);
    }
    const chain = await checkChain(s.metaPath, s.path, s.dir);
    expect(chain.equal).toBe(true);
    s.app.close();
  });

  it('a background write that fails leaves its TXID used and makes the next file a snapshot', async () => {
    const s = await setup();
    await s.db.open();
    await s.db.sync();
    const dir = s.db.l0.dir;
    rmSync(dir, { recursive: true });
    writeFileSync(dir, 'not a directory'); // every write into it fails with ENOTDIR
    s.insert.run();
    const lost = await s.db.sync({ deferWrite: true });
    expect(lost.files.length).toBeGreaterThan(0);
    s.insert.run();
    // The next sync waits for the failed write, so it must write a snapshot, which cannot land here either.
    await expect(s.db.sync()).rejects.toThrow(/EEXIST|ENOTDIR/);
    rmSync(dir);
    const next = await s.db.sync();
    expect(next).toMatchObject({ files: WROTE, snapshot: true, txid: lost.txid + 1 });
    expect(existsSync(s.db.l0.path(lost.txid))).toBe(false);
    await s.db.close();
    s.app.close();
  });
});
