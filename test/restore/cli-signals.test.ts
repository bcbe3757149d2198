// `streambed restore` as a child process stopped by SIGINT / SIGTERM mid-way: the partial output goes, the exit code says why.
import Database from 'better-sqlite3';
import { spawn } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { S3ReplicaClient } from '../../core/replica/s3.ts';
import { type FaultProxy, startFaultProxy } from '../harness/fault-proxy.ts';
import { type LocalS3, startLocalS3 } from '../harness/local-s3.ts';
import { makeTempDir, removeTempDir, useTempDirs } from '../harness/tmp.ts';
import { ReplicaBuilder } from './replica-builder.ts';

const BIN = new URL('../../bin/streambed.mjs', import.meta.url).pathname;
const tempDir = useTempDirs();
const PATH = 'big.db';

let s3: LocalS3;
let proxy: FaultProxy;
let sourceDir: string;
let bucket: string;

/** A 24 MiB database of incompressible rows as one L0 file: six 4 MiB ranged GETs, each delayed 250 ms by the proxy. */
beforeAll(async () => {
  s3 = await startLocalS3();
  bucket = await s3.createBucket();
  sourceDir = await makeTempDir('restore-signals');
  const dbPath = join(sourceDir, 'big.db');
  const db = new Database(dbPath);
  db.exec('CREATE TABLE t (id INTEGER PRIMARY KEY, b BLOB)');
  const insert = db.prepare('INSERT INTO t (b) VALUES (randomblob(8000))');
  db.transaction(() => {
    for (let i = 0; i < 3000; i++) insert.run();
  })();
  db.close();
  await new ReplicaBuilder(new S3ReplicaClient(s3.s3Options(bucket, PATH)), sourceDir).commit(dbPath);
  proxy = await startFaultProxy(s3.endpoint, { latencyMs: 250 });
});
afterAll(async () => {
  await proxy?.stop();
  await s3?.stop();
  if (sourceDir) await removeTempDir(sourceDir);
});

interface Stopped {
  code: number | null;
  stderr: string;
  tmpSizeAtSignal: number;
}

/** Starts a restore, sends `signal` once `<out>.tmp` has data, and waits for the process to end. */
function restoreAndStop(out: string, signal: NodeJS.Signals): Promise<Stopped> {
  const url = `s3://${bucket}/${PATH}?endpoint=${proxy.url}&region=us-east-1`;
  const child = spawn(process.execPath, [BIN, 'restore', '-parallelism', '1', '-o', out, url], {
    env: { ...process.env, STREAMBED_CONFIG: '', LITESTREAM_CONFIG: '', AWS_ACCESS_KEY_ID: s3.credentials.accessKeyId, AWS_SECRET_ACCESS_KEY: s3.credentials.secretAccessKey },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
  return (async () => {
    let size = 0;
    const deadline = Date.now() + 30_000;
    while (size === 0 && Date.now() < deadline && child.exitCode === null) {
      await sleep(5);
      size = existsSync(`${out}.tmp`) ? statSync(`${out}.tmp`).size : 0;
    }
    child.kill(signal);
    const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
    const code = await exited;
    clearTimeout(timer);
    return { code, stderr, tmpSizeAtSignal: size };
  })();
}

describe('streambed restore interrupted', () => {
  it.each([
    ['SIGINT', 130],
    ['SIGTERM', 143],
  ] as const)('%s mid-way removes <out>.tmp, exits %i and says so', async (signal, exitCode) => {
    const dir = await tempDir('out');
    const out = join(dir, 'restored.db');
    const r = await restoreAndStop(out, signal);
    expect(r.tmpSizeAtSignal, r.stderr).toBeGreaterThan(0); // it really was mid-way
    expect(r.code, r.stderr).toBe(exitCode);
    expect(r.stderr).toContain(`streambed: restore interrupted (${signal}); removed the partial output ${out}.tmp`);
    expect(await readdir(dir)).toEqual([]);
  });
});
