// `streambed restore -f` against a running agent: readers of the copy in other processes always see a committed state.
import Database from 'better-sqlite3';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { useTempDirs } from '../harness/tmp.ts';
import { startAgent } from '../writers/harness/agent-process.ts';
import { pathToFileURL } from 'node:url';
import { FileReplicaClient } from '../../core/replica/file.ts';
import { digest as sourceDigest, source } from './follow/source.ts';
import { SAMPLER, rowsIn, runWriter, startFollower, startProc, waitFor } from './follow/processes.ts';

const tempDir = useTempDirs();

function digest(path: string): { n: number; sum: number; v: string } {
  const db = new Database(path, { readonly: true });
  try {
    return db.prepare("SELECT count(*) AS n, sum(id) AS sum, group_concat(length(v), ',') AS v FROM t").get() as { n: number; sum: number; v: string };
  } finally {
    db.close();
  }
}

describe('restore -f with a writer behind a running agent', () => {
  it('keeps the copy live and consistent for readers in other processes, and stops on SIGTERM with exit 0', async () => {
    const dir = await tempDir('follow');
    const src = join(dir, 'src.db');
    const copy = join(dir, 'copy.db');
    const stop = join(dir, 'stop-sampler');
    const FINAL = 400;
    await runWriter(src, 1, 20, 0);
    const agent = await startAgent({ dir, db: src, syncIntervalMs: 50, checkpointIntervalMs: 1000 });
    try {
      await waitFor(() => agent.replicaTxid() > 0, 20_000, 'the first L0 file');
      const follower = startFollower(agent.replicaUrl, copy, ['-follow-interval', '50ms']);
      await waitFor(() => /following/.test(follower.stderr()), 20_000, `the follower to restore (stderr: ${follower.stderr()})`);
      const sampler = startProc([SAMPLER, copy, stop]);

      await runWriter(src, 21, FINAL, 15);
      await waitFor(() => rowsIn(copy) === FINAL, 30_000, `the copy to reach ${FINAL} rows`);
      await writeFile(stop, '');
      expect(await sampler.exited, sampler.stderr()).toBe(0);
      const summary = JSON.parse(sampler.stdout()) as { samples: number; problems: string[]; distinct: number; max: number };
      expect(summary.problems).toEqual([]);
      // The sampler saw the copy move through many committed states, not just the first and the last.
      expect(summary.distinct).toBeGreaterThan(10);
      expect(summary.max).toBe(FINAL);

      follower.child.kill('SIGTERM');
      expect(await follower.exited, follower.stderr()).toBe(0);
      expect(follower.stderr()).toMatch(/stopped following: .* is at TXID [0-9a-f]{16}/);

      const db = new Database(copy, { readonly: true });
      expect(db.pragma('integrity_check', { simple: true })).toBe('ok');
      expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
      db.close();
      expect(digest(copy)).toEqual(digest(src));
    } finally {
      await agent.stop();
    }
  });
});

describe('restore -f -exec', () => {
  it('runs the command once the copy is live, stops following when it exits, and exits with its code', async () => {
    const dir = await tempDir('follow-exec');
    const src = join(dir, 'src.db');
    const copy = join(dir, 'copy.db');
    await runWriter(src, 1, 5, 0);
    const agent = await startAgent({ dir, db: src, syncIntervalMs: 50, checkpointIntervalMs: 1000 });
    try {
      await waitFor(() => agent.replicaTxid() > 0, 20_000, 'the first L0 file');
      // The command reads the copy (it must exist and hold the rows), then exits 7.
      const check = `node -e "const D=require('better-sqlite3');const n=new D(process.argv[1],{readonly:true}).prepare('select count(*) n from t').get().n;process.exit(n===5?7:3)" ${copy}`;
      const follower = startFollower(agent.replicaUrl, copy, ['-exec', check]);
      expect(await follower.exited, follower.stderr()).toBe(7);
      expect(follower.stderr()).toMatch(/stopped following/);
    } finally {
      await agent.stop();
    }
  });

  it('on SIGTERM forwards the signal to the command, stops following and exits with the command\'s status (128 + 15)', async () => {
    const dir = await tempDir('follow-exec-term');
    const s = source(dir, new FileReplicaClient(join(dir, 'replica')));
    try {
      for (let id = 1; id <= 2; id++) await s.step(id);
      const follower = startFollower(pathToFileURL(join(dir, 'replica')).href, s.copy, ['-exec', 'exec sleep 30']);
      await waitFor(() => /following/.test(follower.stderr()), 20_000, `the follower to restore (stderr: ${follower.stderr()})`);
      await new Promise((r) => setTimeout(r, 300)); // the shell has started sleep
      follower.child.kill('SIGTERM');
      expect(await follower.exited, follower.stderr()).toBe(143);
      expect(follower.stderr()).toMatch(/stopped following/);
      expect(sourceDigest(s.copy)).toEqual(sourceDigest(s.src));
    } finally {
      s.close();
    }
  });

  it('rejects -f with -txid, -exec without -f and a bad -follow-interval as usage errors (exit 2) without writing the output', async () => {
    const dir = await tempDir('follow-usage');
    const out = join(dir, 'x.db');
    const url = `file://${dir}/none`;
    const a = startFollower(url, out, ['-txid', '0000000000000001']);
    expect(await a.exited, a.stderr()).toBe(2);
    expect(a.stderr()).toMatch(/-f .* cannot be combined with -txid/);
    const b = startProc([join(import.meta.dirname, '../../bin/streambed.mjs'), 'restore', '-exec', 'true', '-o', out, url]);
    expect(await b.exited, b.stderr()).toBe(2);
    expect(b.stderr()).toMatch(/need -f/);
    const c = startFollower(url, out, ['-follow-interval', '5']);
    expect(await c.exited, c.stderr()).toBe(2);
    expect(c.stderr()).toMatch(/-follow-interval "5": expected a number followed by a unit/);
    expect(existsSync(out)).toBe(false);
  });
});

describe('restore -f after a restart', () => {
  it('resumes an existing copy from its .txid file without restoring it again, and refuses a copy ahead of the replica', async () => {
    const dir = await tempDir('follow-resume');
    const s = source(dir, new FileReplicaClient(join(dir, 'replica')));
    const url = pathToFileURL(join(dir, 'replica')).href;
    try {
      for (let id = 1; id <= 3; id++) await s.step(id);
      const first = startFollower(url, s.copy, ['-follow-interval', '50ms']);
      await waitFor(() => /following/.test(first.stderr()), 20_000, `the follower to restore (stderr: ${first.stderr()})`);
      for (let id = 4; id <= 5; id++) await s.step(id);
      await waitFor(() => rowsIn(s.copy) === 5, 20_000, 'the copy to reach 5 rows');
      first.child.kill('SIGTERM');
      expect(await first.exited, first.stderr()).toBe(0);
      expect(readFileSync(`${s.copy}.txid`, 'utf8')).toBe('0000000000000005\n');

      for (let id = 6; id <= 8; id++) await s.step(id);
      const inode = statSync(s.copy).ino;
      const second = startFollower(url, s.copy, ['-follow-interval', '50ms']);
      await waitFor(() => /following/.test(second.stderr()), 20_000, `the follower to resume (stderr: ${second.stderr()})`);
      expect(second.stderr()).toMatch(/resuming .* from TXID 0000000000000005/);
      await waitFor(() => rowsIn(s.copy) === 8, 20_000, 'the copy to reach 8 rows');
      second.child.kill('SIGINT');
      expect(await second.exited, second.stderr()).toBe(0);
      expect(statSync(s.copy).ino).toBe(inode); // followed in place: readers' open files stay valid
      expect(sourceDigest(s.copy)).toEqual(sourceDigest(s.src));

      await writeFile(`${s.copy}.txid`, '0000000000000100\n');
      const foreign = startFollower(url, s.copy);
      expect(await foreign.exited, foreign.stderr()).toBe(1);
      expect(foreign.stderr()).toMatch(/cannot resume following .* reaches TXID 0000000000000008 at most/);
    } finally {
      s.close();
    }
  });
});
