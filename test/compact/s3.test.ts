// Compaction against fauxqs: spooled inputs, a streamed snapshot, and concurrent passes that still verify.
import { execFile, spawn } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compactLevel, runMaintenance } from '../../core/compact/index.ts';
import type { MaintenanceSettings } from '../../core/compact/index.ts';
import { listLevel } from '../../core/listing/listing.ts';
import { mergeFilesToReplica } from '../../core/compact/merge.ts';
import { S3ReplicaClient } from '../../core/replica/s3.ts';
import { restoreDatabase } from '../../core/restore/index.ts';
import { verifyReplica } from '../../core/verify/index.ts';
import { startLocalS3 } from '../harness/local-s3.ts';
import type { LocalS3 } from '../harness/local-s3.ts';
import { startStallProxy } from '../harness/stall-proxy.ts';
import { useTempDirs } from '../harness/tmp.ts';
import { makeHistory, readReplicaFile } from './history.ts';

const tempDir = useTempDirs();
let s3: LocalS3;

beforeAll(async () => {
  s3 = await startLocalS3();
});
afterAll(async () => {
  await s3?.stop();
});

function settings(tmpDir: string): MaintenanceSettings {
  return { levels: [30_000, 300_000], snapshotInterval: 86_400_000, snapshotRetention: 86_400_000, l0Retention: 300_000, retentionEnabled: true, tmpDir };
}

describe('compaction on S3', () => {
  it('concurrent maintenance passes write identical files and leave a replica that verifies and restores', async () => {
    const dir = await tempDir('compact-s3');
    const history = await makeHistory(dir, 50, { seed: 7, vacuumEvery: 13 });
    const client = new S3ReplicaClient(s3.s3Options(await s3.createBucket(), 'db.sqlite'));
    await history.writeL0(client, 1, 35);
    // S3 stamps files with the real clock; a `now` a day ahead puts every file before the window boundary.
    const later = new Date(Date.now() + 86_400_000);
    const passes = await Promise.all([0, 1, 2].map(() => runMaintenance(client, settings(dir), later)));
    for (const p of passes) expect(p.errors).toEqual([]);
    expect(passes.flatMap((p) => p.written.map((f) => `${f.level}:${f.minTXID}-${f.maxTXID}`)).sort()).toContain('1:1-35');

    await history.writeL0(client, 36, 50);
    const later2 = new Date(later.getTime() + 86_400_000);
    await Promise.all([runMaintenance(client, settings(dir), later2), runMaintenance(client, settings(dir), later2)]);
    const report = await verifyReplica(client, { full: true, tmpDir: dir });
    expect(report.problems).toEqual([]);
    expect(report.ok).toBe(true);
    expect(report.restore?.txid).toBe(50);
    expect((await listLevel(client, 9)).map((f) => f.maxTXID)).toContain(50);
    const out = join(dir, 'restored.db');
    await restoreDatabase(client, { outputPath: out });
    expect((await readFile(out)).equals(history.state(50).bytes)).toBe(true);
  });

  it('does not compact a level twice in one window (real clock)', async () => {
    const dir = await tempDir('compact-s3-window');
    const history = await makeHistory(dir, 10, { seed: 3 });
    const client = new S3ReplicaClient(s3.s3Options(await s3.createBucket(), ''));
    await history.writeL0(client);
    const s = { ...settings(dir), levels: [3_600_000] };
    const first = await compactLevel(client, 1, s, new Date(Date.now() + 3_600_000));
    expect(first.status).toBe('written');
    // The L1 file was just written: within the current hour window the level is not due again.
    const second = await compactLevel(client, 1, s, new Date());
    expect(second.status).toBe('not-due');
  });

  it('writes nothing when a remote input is corrupt', async () => {
    const dir = await tempDir('compact-s3-corrupt');
    const history = await makeHistory(dir, 6, { seed: 12 });
    const client = new S3ReplicaClient(s3.s3Options(await s3.createBucket(), 'c'));
    await history.writeL0(client);
    const bad = Buffer.from(history.state(5).l0);
    bad[bad.length - 20] ^= 0x10;
    await client.writeLtxFile({ level: 0, minTXID: 5, maxTXID: 5 }, bad);
    await expect(compactLevel(client, 1, settings(dir), new Date(Date.now() + 86_400_000))).rejects.toThrow(/0000000000000005-0000000000000005/);
    expect(await listLevel(client, 1)).toEqual([]);
  });

  it('spools remote inputs and merges in batches to the same bytes as a file replica merge', async () => {
    const dir = await tempDir('compact-s3-batch');
    const history = await makeHistory(dir, 20, { seed: 11 });
    const client = new S3ReplicaClient(s3.s3Options(await s3.createBucket(), 'x'));
    await history.writeL0(client);
    const l0 = await listLevel(client, 0);
    const oneShot = await mergeFilesToReplica(client, l0, 1, { tmpDir: dir });
    const batched = await mergeFilesToReplica(client, l0, 2, { tmpDir: dir, fanIn: 4 });
    const a = await readReplicaFile(client, oneShot.file);
    const b = await readReplicaFile(client, batched.file);
    expect(a.length).toBeGreaterThan(100);
    expect(a.equals(b)).toBe(true);
  });
});

describe('the compact command on S3', () => {
  it('keeps one replica client for all its passes and exits by itself on SIGTERM; ltx and restore exit by themselves', async () => {
    const dir = await tempDir('compact-cli-s3');
    const history = await makeHistory(dir, 6, { seed: 5 });
    const bucket = await s3.createBucket();
    const client = new S3ReplicaClient(s3.s3Options(bucket, 'app.db'));
    await history.writeL0(client);
    await client.close();
    // The proxy counts the TCP connections the command opens: a client per pass would open new ones every pass.
    const proxy = await startStallProxy(s3.endpoint);
    try {
      const config = join(dir, 'streambed.yml');
      await writeFile(
        config,
        `dbs:\n  - path: ${join(dir, 'app.db')}\n    replica:\n      url: s3://${bucket}/app.db\n      endpoint: ${proxy.url}\n` +
          `      access-key-id: ${s3.credentials.accessKeyId}\n      secret-access-key: ${s3.credentials.secretAccessKey}\n`,
      );
      const child = spawn(process.execPath, [BIN, 'compact', '-config', config, '-interval', '0.1'], { env: CLI_ENV, stdio: ['ignore', 'pipe', 'pipe'] });
      let out = '';
      const connectionsAfterPass: number[] = [];
      child.stdout.on('data', (c: Buffer) => {
        out += c.toString();
        // Each pass ends with its retention line.
        while (connectionsAfterPass.length < (out.match(/ retention: /g) ?? []).length) connectionsAfterPass.push(proxy.connections);
      });
      child.stderr.on('data', (c: Buffer) => (out += c.toString()));
      const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
      await waitUntil(() => connectionsAfterPass.length >= 6 || child.exitCode !== null);
      child.kill('SIGTERM');
      expect(await exited).toBe(0);
      expect(out).not.toMatch(/ERROR/);
      // Five passes after the first, on the first pass's pooled connections (a client per pass: at least five more).
      expect(connectionsAfterPass[0]).toBeGreaterThan(0);
      expect(connectionsAfterPass[5] - connectionsAfterPass[0]).toBeLessThan(5);

      const ltx = await runCli(['ltx', '-config', config, join(dir, 'app.db')]);
      expect(ltx.code).toBe(0);
      expect(ltx.stdout).toContain('0000000000000006');
      const restored = join(dir, 'restored.db');
      const restore = await runCli(['restore', '-config', config, '-o', restored, join(dir, 'app.db')]);
      expect(restore.code).toBe(0);
      expect((await readFile(restored)).equals(history.state(6).bytes)).toBe(true);
    } finally {
      await proxy.stop();
    }
  });
});

const BIN = fileURLToPath(new URL('../../bin/streambed.mjs', import.meta.url));
const CLI_ENV = { ...process.env, STREAMBED_CONFIG: '', LITESTREAM_CONFIG: '', LOG_LEVEL: '' };

/** Runs a one-shot command to its end: the promise settles only once the process has exited by itself. */
function runCli(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [BIN, ...args], { env: CLI_ENV }, (err, stdout, stderr) => {
      resolve({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stdout, stderr });
    });
  });
}

async function waitUntil(done: () => boolean): Promise<void> {
  while (!done()) await new Promise((r) => setTimeout(r, 50));
}
