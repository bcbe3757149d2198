// replicate, databases and ltx: the agent's final sync, -exec and SIGTERM as real child processes; the rest in-process.
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { openReplicaClient } from '../../core/replica/open.ts';
import { restoreDatabase } from '../../core/restore/index.ts';
import { useTempDirs } from '../harness/tmp.ts';
import { createDb, l0Txids, range, rowsOf, writeRows } from '../agent/replicator-helpers.ts';
import { runMain, spawnCli as runCli } from './run-cli.ts';

/** Rows in a fresh restore of the replica: proves what the agent shipped, final sync included. */
async function restoredRows(replica: string, dir: string): Promise<number> {
  const out = join(dir, `restored-${Date.now()}.db`);
  await restoreDatabase(openReplicaClient({ type: 'file', path: replica }), { outputPath: out });
  return rowsOf(out).length;
}

const tempDir = useTempDirs();

async function sampleSetup(): Promise<{ dir: string; db: string; replica: string; config: string }> {
  const dir = await tempDir('cli');
  const db = join(dir, 'app.db');
  createDb(db);
  await writeRows(db, 5);
  const replica = join(dir, 'replica');
  const config = join(dir, 'streambed.yml');
  await writeFile(config, `dbs:\n  - path: ${db}\n    replica:\n      url: file://${replica}\n      sync-interval: 100ms\nshutdown-sync-interval: 100ms\n`);
  return { dir, db, replica, config };
}

describe('streambed replicate, databases, ltx', () => {
  it('replicate --once with DB_PATH REPLICA_URL uploads the database, then ltx lists it', async () => {
    const { db, replica } = await sampleSetup();
    const run = await runCli(['replicate', '--once', db, `file://${replica}`]);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    const client = openReplicaClient({ type: 'file', path: replica });
    expect(await l0Txids(client)).toEqual([1]);

    const ltx = await runCli(['ltx', `file://${replica}`]);
    expect(ltx.code).toBe(0);
    expect(ltx.stdout).toMatch(/^level\s+min_txid\s+max_txid\s+size\s+created$/m);
    expect(ltx.stdout).toMatch(/^0\s+0000000000000001\s+0000000000000001\s+\d+\s+\d{4}-\d\d-\d\dT[\d:.]+Z$/m);
  });

  it('replicate --once -config (single-dash flags too), databases, ltx --json (every level by default) and --level', async () => {
    const { db, replica, config } = await sampleSetup();
    const first = await runMain('replicate', '-once', '-config', config);
    expect(first.code).toBe(0);
    await writeRows(db, 3);
    const second = await runMain('replicate', '--once', '--force-snapshot', '--config', config);
    expect(second.code).toBe(0);
    expect(await l0Txids(openReplicaClient({ type: 'file', path: replica }))).toEqual([1, 2]);

    const dbs = await runMain('databases', '--config', config);
    expect(dbs.code).toBe(0);
    expect(dbs.stdout).toMatch(/^path\s+replica$/m);
    expect(dbs.stdout).toContain(`${db}  file://${replica}`);

    const json = await runMain('ltx', '--json', '--config', config, db);
    expect(json.code).toBe(0);
    const files = JSON.parse(json.stdout) as Array<{ level: number; min_txid: string; max_txid: string; size: number; created: string }>;
    expect(files.map((f) => [f.level, f.min_txid, f.max_txid])).toEqual([
      [0, '0000000000000001', '0000000000000001'],
      [0, '0000000000000002', '0000000000000002'],
    ]);
    expect(files.every((f) => f.size > 100 && !Number.isNaN(Date.parse(f.created)))).toBe(true);
    const all = await runMain('ltx', '--level', 'all', '--json', `file://${replica}`);
    expect(JSON.parse(all.stdout)).toHaveLength(2);
    const snapshots = await runMain('ltx', '--level', '9', '--json', `file://${replica}`);
    expect(JSON.parse(snapshots.stdout)).toEqual([]);
  });

  it('exits 2 on usage and configuration errors', async () => {
    const { dir, db, config } = await sampleSetup();
    const bad = join(dir, 'bad.yml');
    await writeFile(bad, 'dbs:\n  - path: /x.db\n    replica:\n      url: file:///r\n      sync-intervall: 1s\n');
    const badRun = await runMain('replicate', '--once', '--config', bad);
    expect(badRun.code).toBe(2);
    expect(badRun.stderr).toContain('sync-intervall');
    expect((await runMain('replicate', '--force-snapshot', '--config', config)).code).toBe(2);
    expect((await runMain('ltx', '--level', '12', db, '--config', config)).code).toBe(2);
  });

  it('replicate --exec runs the child, does a final sync when it exits and exits with its code', async () => {
    const { dir, db, replica, config } = await sampleSetup();
    const writer = `'${process.execPath}' -e "const D=require('better-sqlite3');const d=new D('${db}');for(let i=0;i<4;i++)d.prepare('INSERT INTO t (v) VALUES (?)').run('exec'+i);d.close()"`;
    const run = await runCli(['replicate', '--config', config, '--exec', `${writer} && sleep 0.3 && exit 3`], {
      env: { NODE_PATH: join(process.cwd(), 'node_modules') },
    });
    expect(run.stderr).toBe('');
    expect(run.code).toBe(3);
    const client = openReplicaClient({ type: 'file', path: replica });
    const txids = await l0Txids(client);
    expect(txids).toEqual(range(1, txids.length));
    expect(txids.length).toBeGreaterThanOrEqual(2);
    expect(await restoredRows(replica, dir)).toBe(9);
  });

  it('replicate stops gracefully on SIGTERM after a final sync', async () => {
    const { dir, db, replica, config } = await sampleSetup();
    let signalled = false;
    const run = await runCli(['replicate', '--config', config], {
      onStdout: (out, child) => {
        if (!signalled && /replicating/.test(out)) {
          signalled = true;
          void writeRows(db, 3).then(() => child.kill('SIGTERM'));
        }
      },
    });
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/final sync/);
    const txids = await l0Txids(openReplicaClient({ type: 'file', path: replica }));
    expect(txids.length).toBeGreaterThanOrEqual(1);
    expect(txids).toEqual(range(1, txids.length));
    expect(await restoredRows(replica, dir)).toBe(8);
  });
});
