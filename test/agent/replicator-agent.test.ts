// The agent over several databases: local compaction compacts, `compaction: remote` never deletes, metrics are served.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { Agent } from '../../agent/agent.ts';
import type { LtxFileRef, ReplicaClient } from '../../core/replica/client.ts';
import type { ReplicaOptions } from '../../core/replica/options.ts';
import { openReplicaClient } from '../../core/replica/open.ts';
import { startLocalS3, type LocalS3 } from '../harness/local-s3.ts';
import { useTempDirs } from '../harness/tmp.ts';
import { agentConfig, createDb, dbIn, l0Txids, listLevel, range, rowsOf, waitFor, writeRows } from './replicator-helpers.ts';

const tempDir = useTempDirs();
let s3: LocalS3;
beforeAll(async () => {
  s3 = await startLocalS3();
});
afterAll(async () => {
  await s3?.stop();
});

/** Records every delete the agent asks for, then passes it on. */
function recordingClient(options: ReplicaOptions, deletes: LtxFileRef[]): ReplicaClient {
  const inner = openReplicaClient(options);
  return new Proxy(inner, {
    get(target, prop, receiver) {
      if (prop === 'deleteLtxFiles') {
        return async (refs: readonly LtxFileRef[]) => {
          deletes.push(...refs);
          await target.deleteLtxFiles(refs);
        };
      }
      const v = Reflect.get(target, prop, receiver) as unknown;
      return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(target) : v;
    },
  });
}

describe('Agent', () => {
  it('with compaction: remote only writes L0 and never deletes a remote object', async () => {
    const dir = await tempDir('agent-remote');
    const paths = [dbIn(dir, 'a.db'), dbIn(dir, 'b.db')];
    paths.forEach(createDb);
    const bucket = await s3.createBucket();
    const deletes: LtxFileRef[] = [];
    const config = agentConfig(paths.map((p, i) => ({ path: p, replica: s3.s3Options(bucket, `db${i}`) })), {
      compaction: 'remote', levels: [1000], l0Retention: 0, l0RetentionCheckInterval: 100,
    });
    const agent = new Agent(config, { openClient: (o) => recordingClient(o, deletes), maintenanceInterval: 200 });
    await agent.start();
    // Each database's first file (its snapshot) is uploaded before the writes, so they land in later L0 files
    // however slowly the agent ticks on a loaded machine.
    const clients = paths.map((_, i) => openReplicaClient(s3.s3Options(bucket, `db${i}`)));
    for (const c of clients) await waitFor(async () => (await l0Txids(c)).length >= 1, 30_000, 'the first upload');
    await Promise.all(paths.map((p) => writeRows(p, 15, 20)));
    for (const c of clients) await waitFor(async () => (await l0Txids(c)).length >= 2, 30_000, 'an upload after the writes');
    await Promise.all(clients.map((c) => c.close()));
    await agent.runMaintenanceOnce();
    expect(await agent.stop()).toBe(true);
    expect(deletes).toEqual([]);
    for (let i = 0; i < paths.length; i++) {
      const client = openReplicaClient(s3.s3Options(bucket, `db${i}`));
      const txids = await l0Txids(client);
      expect(txids.length).toBeGreaterThan(1);
      expect(txids).toEqual(range(1, txids.length));
      for (let level = 1; level <= 9; level++) expect(await listLevel(client, level)).toEqual([]);
    }
  });

  it('with compaction: local runs maintenance (compaction output appears) and serves metrics on addr', async () => {
    const dir = await tempDir('agent-local');
    const path = dbIn(dir);
    createDb(path);
    const replica = { type: 'file', path: join(dir, 'replica') } as const;
    // Same retention settings as the remote test: here the agent must delete L0 covered by L1, there never.
    const config = agentConfig([{ path, replica }], { addr: '127.0.0.1:0', levels: [1000], l0Retention: 0, l0RetentionCheckInterval: 100 });
    // Maintenance runs in the agent's worker thread here (no client override), as in production for passes that read
    // much; this database is small, so the inline limit is lowered to send every pass there.
    const agent = new Agent(config, { maintenanceInterval: 250, maintenanceInlineMaxBytes: 0 });
    await agent.start();
    try {
      await writeRows(path, 10, 10);
      const client = openReplicaClient(replica);
      // A stall guard, not a timing target: the worker thread's start-up alone takes seconds on a loaded machine.
      const deadline = Date.now() + 60_000;
      while ((await listLevel(client, 1)).length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
      expect((await listLevel(client, 1)).length).toBeGreaterThan(0);
      // L0 files covered by L1 are deleted (keeping the newest), which the remote mode must never do.
      const l0Count = async (): Promise<number> => (await listLevel(client, 0)).length;
      while ((await l0Count()) > 1 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
      expect(await l0Count()).toBe(1);
      expect(agent.metricsUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/metrics$/);
      const body = await (await fetch(agent.metricsUrl as string)).text();
      const label = `db="${path}"`;
      for (const name of ['litestream_db_size', 'litestream_wal_size', 'litestream_txid', 'litestream_sync_count', 'streambed_replica_txid']) {
        expect(body).toMatch(new RegExp(`^${name}\\{${label.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}\\} \\d+`, 'm'));
      }
      expect(body).toContain(`streambed_replication_lag_seconds_count{${label}}`);
      expect(body).toContain(`litestream_replica_operation_total{${label},operation="PUT"}`);
    } finally {
      expect(await agent.stop()).toBe(true);
    }
  });

  it('restores a missing database from its replica first (restore-if-db-not-exists), then continues its TXIDs', async () => {
    const dir = await tempDir('agent-restore-missing');
    const path = dbIn(dir);
    createDb(path);
    const replica = { type: 'file', path: join(dir, 'replica') } as const;
    const first = new Agent(agentConfig([{ path, replica }]));
    await first.start();
    await writeRows(path, 12, 5);
    expect(await first.stop()).toBe(true);
    const before = rowsOf(path);
    const remoteMax = Math.max(...(await l0Txids(openReplicaClient(replica))));

    // The machine is replaced: database, WAL and staging directory are gone.
    for (const f of [path, `${path}-wal`, `${path}-shm`, join(dir, '.app.db-streambed')]) await rm(f, { recursive: true, force: true });
    const config = agentConfig([{ path, replica }]);
    config.dbs[0].restoreIfDbNotExists = true;
    const second = new Agent(config);
    await second.start();
    expect(rowsOf(path)).toEqual(before);
    await writeRows(path, 3, 5);
    expect(await second.stop()).toBe(true);
    const txids = await l0Txids(openReplicaClient(replica));
    expect(Math.max(...txids)).toBeGreaterThan(remoteMax);
    expect(txids).toEqual(range(1, txids.length));
    expect(rowsOf(path)).toHaveLength(15);
  });
});
