// Measures the user's case: a sqlite3 process per transaction while the agent runs; /proc/locks samples and rows lost.
// Usage: node bench/one-shot-writer-locks.ts [seconds=20] [code root, default this checkout]
// The code root lets the same measurement run against another checkout (e.g. the code before a fix).
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import BetterSqlite3 from 'better-sqlite3';
import { holdsSqliteSharedLock } from '../test/agent/workload/proc-locks.ts';
import { createCliDatabase } from '../test/agent/workload/sqlite-cli.ts';
import { agentConfig } from '../test/agent/replicator-helpers.ts';

const seconds = Number(process.argv[2] ?? 20);
const root = resolve(process.argv[3] ?? new URL('..', import.meta.url).pathname);
const load = <T>(rel: string): Promise<T> => import(pathToFileURL(join(root, rel)).href) as Promise<T>;

type AgentModule = typeof import('../agent/agent.ts');
type OpenModule = typeof import('../core/replica/open.ts');
type RestoreModule = typeof import('../core/restore/index.ts');

/** A shell loop, as a user would write it: one sqlite3 process per INSERT; prints one line per commit. */
function shellWriter(dbPath: string, secs: number): Promise<number> {
  const script = `end=$((SECONDS+${secs})); i=0; while [ $SECONDS -lt $end ]; do i=$((i+1)); sqlite3 -cmd '.timeout 5000' "$1" "INSERT INTO t (n, v) VALUES ($i, randomblob(100));" && echo ok; done`;
  const child = spawn('bash', ['-c', script, 'writer', dbPath], { stdio: ['ignore', 'pipe', 'inherit'] });
  let commits = 0;
  child.stdout.on('data', (d: Buffer) => (commits += d.toString().split('\n').filter((l) => l === 'ok').length));
  return new Promise((res) => child.on('exit', () => res(commits)));
}

async function main(): Promise<void> {
  const { Agent } = await load<AgentModule>('agent/agent.ts');
  const { withReplicaClient } = await load<OpenModule>('core/replica/open.ts');
  const { restoreDatabase } = await load<RestoreModule>('core/restore/index.ts');
  const dir = await mkdtemp(join(tmpdir(), 'one-shot-locks-'));
  try {
    const path = join(dir, 'app.db');
    await createCliDatabase(path);
    const replica = { type: 'file' as const, path: join(dir, 'replica') };
    const errors: string[] = [];
    const agent = new Agent(agentConfig([{ path, replica }]), { maintenanceInWorker: false });
    await agent.start();
    let samples = 0;
    let locked = 0;
    const sampler = setInterval(() => {
      samples++;
      try {
        if (holdsSqliteSharedLock(path)) locked++;
      } catch (err) {
        errors.push((err as Error).message);
      }
    }, 100);
    const committed = await shellWriter(path, seconds);
    clearInterval(sampler);
    const caughtUp = await agent.stop().catch((err: Error) => {
      errors.push(err.message);
      return false;
    });
    const out = join(dir, 'restored.db');
    let restoredRows = -1;
    try {
      await withReplicaClient(replica, (client) => restoreDatabase(client, { outputPath: out }));
      const db = new BetterSqlite3(out, { readonly: true });
      restoredRows = (db.prepare('SELECT COUNT(*) AS n FROM t').get() as { n: number }).n;
      db.close();
    } catch (err) {
      errors.push(`restore: ${(err as Error).message}`);
    }
    const src = new BetterSqlite3(path, { readonly: true });
    const sourceRows = (src.prepare('SELECT COUNT(*) AS n FROM t').get() as { n: number }).n;
    src.close();
    console.log(JSON.stringify({ root, seconds, committed, sourceRows, restoredRows, lost: committed - restoredRows, lockSamples: `${locked}/${samples}`, caughtUp, errors: errors.slice(0, 3) }));
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

await main();
