// What the agent costs in S3 requests, counted by a metering proxy: nothing when idle, about one PUT per L0 file when active.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Agent } from '../../agent/agent.ts';
import { listLevel } from '../../core/listing/listing.ts';
import { openReplicaClient } from '../../core/replica/open.ts';
import { diffCounts, startMeteringProxy, totalRequests, type MeterCounts, type MeteringProxy } from '../harness/counting-proxy.ts';
import { startLocalS3, type LocalS3 } from '../harness/local-s3.ts';
import { useTempDirs } from '../harness/tmp.ts';
import { agentConfig, createDb, dbIn, writeRows } from './replicator-helpers.ts';

const tempDir = useTempDirs();
let s3: LocalS3;
let proxy: MeteringProxy;
beforeAll(async () => {
  s3 = await startLocalS3();
  proxy = await startMeteringProxy(s3.endpoint);
});
afterAll(async () => {
  await proxy?.stop();
  await s3?.stop();
});

const YEAR = 365 * 24 * 3_600_000;
const MAINTENANCE_INTERVAL = 100;

/** Waits until `quietMs` pass without a request (the agent settled), within `timeoutMs`. */
async function settle(quietMs: number, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last = totalRequests(proxy.snapshot());
  let quietSince = Date.now();
  while (Date.now() - quietSince < quietMs) {
    if (Date.now() > deadline) throw new Error(`the agent kept making requests for ${timeoutMs} ms`);
    await sleep(50);
    const now = totalRequests(proxy.snapshot());
    if (now !== last) {
      last = now;
      quietSince = Date.now();
    }
  }
}

/**
 * Small passes run on the agent's thread, big ones in its worker thread (agent/maintenance-placement.ts): both ways.
 * With windows this short, the requests beyond L0 follow the number of windows, not of L0 files: passes on the
 * agent's thread start on time and give nearly every 0.4 s window its own L1 file (about 1.9 requests per L0 file
 * here), while the worker's start-up delay merges the first windows (about 1.7).
 */
const PLACEMENTS = [
  { where: "on the agent's thread", maintenanceInlineMaxBytes: undefined, perL0File: 2.5 },
  { where: 'in its worker thread', maintenanceInlineMaxBytes: 0, perL0File: 2 },
];

describe('agent request cost (compaction: local)', () => {
  it.each(PLACEMENTS)('with maintenance $where: makes no request while idle, lists the replica once, and compacts L0 from its local copies', async ({ maintenanceInlineMaxBytes, perL0File }) => {
    const dir = await tempDir('idle-cost');
    const path = dbIn(dir);
    createDb(path);
    const bucket = await s3.createBucket();
    const replica = s3.s3Options(bucket, 'db', { endpoint: proxy.url });
    // Short windows so several close during the test; a snapshot window of a year so none closes in it.
    const config = agentConfig([{ path, replica }], {
      levels: [400, 1200], snapshot: { interval: YEAR, retention: YEAR }, l0Retention: 0, l0RetentionCheckInterval: 100,
    });
    const start = proxy.snapshot();
    const agent = new Agent(config, { maintenanceInterval: MAINTENANCE_INTERVAL, maintenanceInlineMaxBytes });
    await agent.start();
    let active: MeterCounts;
    try {
      await writeRows(path, 30, 50);
      const client = openReplicaClient(s3.s3Options(bucket, 'db'));
      // A stall guard, not a timing target: under a loaded CI the worker thread's start-up alone took seconds.
      const deadline = Date.now() + 60_000;
      // Settled: everything compacted into L2, L0 down to its newest file.
      let state = '';
      const settled = async (): Promise<boolean> => {
        const [l0, l2] = await Promise.all([listLevel(client, 0), listLevel(client, 2)]);
        state = `L0 ${l0.map((f) => f.maxTXID).join(',')}; L2 up to ${l2.at(-1)?.maxTXID ?? 'none'}`;
        return l0.length === 1 && l2.at(-1)?.maxTXID === l0[0].maxTXID;
      };
      while (!(await settled())) {
        if (Date.now() > deadline) throw new Error(`the agent did not compact and prune within 60 s (${state})`);
        await sleep(100);
      }
      await settle(1500, 30_000);
      active = diffCounts(proxy.snapshot(), start);

      // Idle: many maintenance ticks and several L1/L2 windows, not one request.
      const idleStart = proxy.snapshot();
      await sleep(3000);
      const idle = diffCounts(proxy.snapshot(), idleStart);
      expect(idle.requests).toEqual({ LIST: 0, GET: 0, HEAD: 0, PUT: 0, COPY: 0, POST: 0, DELETE: 0, OTHER: 0 });

      const [l9, l1, l2] = await Promise.all([9, 1, 2].map((level) => listLevel(client, level)));
      // The first image went to L9 by one server-side copy; no level starts at TXID 1.
      expect(l9.map((f) => [f.minTXID, f.maxTXID])).toEqual([[1, 1]]);
      expect(active.requests.COPY).toBe(1);
      expect([...l1, ...l2].every((f) => f.minTXID > 1)).toBe(true);
      // One listing of the whole replica at start (one LIST for fewer than 1,000 files), and never again.
      expect(active.requests.LIST).toBe(1);
      // Only L2 reads from S3 (the L1 files it merges); L1 read the agent's local L0 files. The files of L1 that
      // retention already deleted were read too, so count the L2 inputs from the pass reports' bound: each L1
      // file is read at most once.
      const l1Written = active.requests.PUT - active.l0Files - l2.length;
      expect(active.requests.GET).toBeLessThanOrEqual(Math.max(l1Written, l1.length));
      expect(active.requests.HEAD).toBe(0);
      // Requests per L0 file with these short windows (production windows are 30 s, 5 min, 1 h: see bench/cost.ts).
      // L0 bytes are never downloaded: what is read back is the (small) L1 files.
      expect(active.bytesDown).toBeLessThan(active.bytesUpByClass.l0 / 2);
      // Beyond the start listing, requests per L0 file with these short windows (L1 every 0.4 s, L2 every 1.2 s);
      // bench/cost.ts measures the production windows (30 s, 5 min, 1 h).
      expect((totalRequests(active) - active.requests.LIST) / active.l0Files).toBeLessThan(perL0File);
    } finally {
      expect(await agent.stop()).toBe(true);
    }
    // The restore sees the whole history.
    const out = join(dir, 'restored.db');
    const { restoreDatabase } = await import('../../core/restore/index.ts');
    const restored = await restoreDatabase(openReplicaClient(s3.s3Options(bucket, 'db')), { outputPath: out });
    expect(restored.txid).toBeGreaterThan(1);
  });
});
