// Follow-mode lag: commit in the source → row visible in a `streambed restore -f` copy, read by another connection.
// A writer process inserts one row per transaction at a fixed rate behind a running agent (file replica); the
// follower is the real CLI; this process reads the copy every 5 ms. Lag per row = first read that shows it - commit.
// The baseline is the configured delay the pipeline adds by design: agent sync-interval + follow-interval.
// Options: --seconds N (per scenario, default 30), --smoke (5 s, one scenario).
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { startAgent } from '../test/writers/harness/agent-process.ts';

const STREAMBED = fileURLToPath(new URL('../bin/streambed.mjs', import.meta.url));
const WRITER = fileURLToPath(new URL('../test/restore/follow/writer.ts', import.meta.url));

interface Scenario {
  rate: number;
  syncMs: number;
  pollMs: number;
}

interface Result extends Scenario {
  rows: number;
  p50: number;
  p95: number;
  max: number;
}

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

function runNode(args: string[]): ReturnType<typeof spawn> {
  return spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, STREAMBED_CONFIG: '', LITESTREAM_CONFIG: '', LOG_LEVEL: '' } });
}

async function waitUntil(cond: () => boolean, ms: number, what: string): Promise<void> {
  const deadline = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(20);
  }
}

function maxId(db: Database.Database | undefined): number {
  try {
    return (db?.prepare('SELECT coalesce(max(id), 0) AS m FROM t').get() as { m: number } | undefined)?.m ?? 0;
  } catch {
    return 0;
  }
}

async function runScenario(s: Scenario, seconds: number): Promise<Result> {
  const dir = await mkdtemp(join(tmpdir(), 'follow-lag-'));
  const src = join(dir, 'src.db');
  const copy = join(dir, 'copy.db');
  const first = runNode([WRITER, src, '1', '1', '0']);
  await new Promise((r) => first.on('close', r));
  const agent = await startAgent({ dir, db: src, syncIntervalMs: s.syncMs, checkpointIntervalMs: 60_000 });
  const follower = runNode([STREAMBED, 'restore', '-f', '-follow-interval', `${s.pollMs}ms`, '-o', copy, agent.replicaUrl]);
  let followerErr = '';
  follower.stderr?.on('data', (d: Buffer) => (followerErr += d.toString()));
  let reader: Database.Database | undefined;
  try {
    await waitUntil(() => agent.replicaTxid() > 0, 20_000, 'the first L0 file');
    await waitUntil(() => /following/.test(followerErr), 20_000, 'the follower');
    reader = new Database(copy, { readonly: true });
    const last = 1 + Math.round(s.rate * seconds);
    const commits = new Map<number, number>();
    const writer = runNode([WRITER, src, '2', String(last), String(Math.round(1000 / s.rate))]);
    createInterface({ input: writer.stdout! }).on('line', (line) => {
      const [id, at] = line.split(' ').map(Number);
      if (Number.isFinite(at)) commits.set(id, at);
    });
    const visible = new Map<number, number>();
    let seen = maxId(reader);
    const deadline = Date.now() + seconds * 1000 + 60_000;
    while (seen < last && Date.now() < deadline) {
      await sleep(5);
      const now = maxId(reader);
      const at = Date.now();
      for (let id = seen + 1; id <= now; id++) visible.set(id, at);
      seen = Math.max(seen, now);
    }
    const lags = [...commits].filter(([id]) => visible.has(id)).map(([id, at]) => (visible.get(id) as number) - at).sort((a, b) => a - b);
    if (lags.length === 0) throw new Error(`no row became visible; follower said:\n${followerErr}`);
    return { ...s, rows: lags.length, p50: percentile(lags, 50), p95: percentile(lags, 95), max: lags[lags.length - 1] };
  } finally {
    reader?.close();
    follower.kill('SIGTERM');
    await new Promise((r) => follower.on('close', r));
    await agent.stop();
    await rm(dir, { recursive: true, force: true });
  }
}

const smoke = process.argv.includes('--smoke');
const seconds = Number(arg('--seconds') ?? (smoke ? 5 : 30));
const scenarios: Scenario[] = smoke
  ? [{ rate: 10, syncMs: 100, pollMs: 100 }]
  : [
      { rate: 1, syncMs: 1000, pollMs: 1000 },
      { rate: 10, syncMs: 1000, pollMs: 1000 },
      { rate: 1, syncMs: 100, pollMs: 100 },
      { rate: 10, syncMs: 100, pollMs: 100 },
    ];
console.log(`follow lag, ${seconds} s per scenario (commit in the source → visible to a reader of the follower's copy)`);
console.log('rate tx/s | sync-interval | follow-interval | rows | p50 ms | p95 ms | max ms | p50 / (sync + follow)');
for (const s of scenarios) {
  const r = await runScenario(s, seconds);
  const ratio = (r.p50 / (r.syncMs + r.pollMs)).toFixed(2);
  console.log(`${r.rate} | ${r.syncMs} ms | ${r.pollMs} ms | ${r.rows} | ${r.p50} | ${r.p95} | ${r.max} | ${ratio}`);
}
