// kill -9 of the syncer process mid-sync, repeatedly, while a writer process runs; the L0 chain must stay exact.
import { once } from 'node:events';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { Database } from '../../agent/database.ts';
import type { DatabaseSettings } from '../../agent/database-api.ts';
import { L0Store } from '../../agent/l0/store.ts';
import { seededRandom } from '../harness/prng.ts';
import { useTempDirs } from '../harness/tmp.ts';
import { checkChain, syncUntilIdle } from './workload/chain.ts';
import { startScript, SYNCER, WRITER, waitForExit } from './workload/spawn.ts';

const tempDir = useTempDirs();

describe('syncer crashes', () => {
  it('survives repeated kill -9 mid-sync: contiguous TXIDs and an exact chain', async () => {
    const dir = await tempDir('crash');
    const path = join(dir, 'app.db');
    const init = new BetterSqlite3(path);
    init.pragma('journal_mode = wal');
    init.close();
    const settings: DatabaseSettings = {
      path,
      metaPath: join(dir, '.app.db-streambed'),
      busyTimeout: 1000,
      minCheckpointPageCount: 40,
      truncatePageN: 400,
      checkpointInterval: 100,
      maxSyncWalBytes: 128 * 1024,
    };
    const writer = waitForExit(startScript(WRITER, [path, '1234', '1000000', '0', '6', '60000']));
    let writerDone = false;
    void writer.finally(() => (writerDone = true)).catch(() => undefined);

    const rand = seededRandom(99);
    const outputs: string[] = [];
    let kills = 0;
    let activeKills = 0; // kills of a syncer that had already written L0 files, i.e. was busy syncing
    while (!writerDone && activeKills < 3 && kills < 12) {
      const syncer = startScript(SYNCER, [JSON.stringify(settings), '2']);
      let out = '';
      syncer.stdout?.on('data', (d: Buffer) => (out += d.toString()));
      let err = '';
      syncer.stderr?.on('data', (d: Buffer) => (err += d.toString()));
      // Kill only once it has opened (Node start-up takes a while); then at a random point in its sync loop.
      for (let waited = 0; !out.includes('open ') && waited < 15_000 && syncer.exitCode === null; waited += 20) {
        await new Promise((r) => setTimeout(r, 20));
      }
      await new Promise((r) => setTimeout(r, 150 + rand() * 900));
      const exited = once(syncer, 'exit');
      syncer.kill('SIGKILL');
      const [code, signal] = (await exited) as [number | null, string | null];
      expect(signal, `syncer died on its own (code ${code}): ${err.slice(-1500)}`).toBe('SIGKILL');
      outputs.push(out);
      kills++;
      if (out.includes('sync ')) activeKills++;
    }
    writeFileSync(`${path}.stop`, '');
    await writer;

    const db = new Database(settings);
    await db.open();
    try {
      await syncUntilIdle(db);
    } finally {
      await db.close();
    }
    const txids = (await new L0Store(settings.metaPath).list()).map((f) => f.txid);
    expect(txids[0]).toBe(1);
    expect(txids).toEqual(txids.map((_, i) => i + 1)); // no gaps, no duplicates
    const result = await checkChain(settings.metaPath, path, dir);
    expect(result.integrity).toBe('ok');
    expect(result.restoredChecksum).toBe(result.sourceChecksum);
    expect(result.equal).toBe(true);
    const all = outputs.join('');
    const synced = all.match(/^sync /gm)?.length ?? 0;
    const snapshots = all.match(/snapshot$/gm)?.length ?? 0;
    expect(activeKills).toBeGreaterThanOrEqual(2);
    expect(synced).toBeGreaterThanOrEqual(activeKills);
    // Restarts resume in the WAL; at most one snapshot per start (the first start always takes one).
    expect(snapshots).toBeLessThanOrEqual(kills);
  });
});
