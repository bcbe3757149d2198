// The CLI on a v0.3 replica: restore picks it, ltx/verify explain it, generations/snapshots list it, wal says to use ltx.
import Database from 'better-sqlite3';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { main } from '../../cli/main.ts';
import { useTempDirs } from '../harness/tmp.ts';
import { V03Writer, WalSource } from './synthetic-replica.ts';

const tempDir = useTempDirs({ scope: 'file' });
const GENERATION = 'fedcba9876543210';
let url: string;
let emptyUrl: string;
let dir: string;

/** Runs the CLI in this process, capturing what it writes. */
async function cli(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const out = vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => ((stdout += String(chunk)), true));
  const err = vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => ((stderr += String(chunk)), true));
  try {
    const code = await main(args);
    return { code, stdout, stderr };
  } finally {
    out.mockRestore();
    err.mockRestore();
    process.exitCode = undefined;
  }
}

afterEach(() => {
  process.exitCode = undefined;
});

beforeAll(async () => {
  dir = await tempDir('v03-cli');
  const src = new WalSource(join(dir, 'src.db'), 'CREATE TABLE t(id INTEGER PRIMARY KEY);');
  const w = new V03Writer(join(dir, 'replica'), GENERATION);
  await w.snapshot(0, await src.dbFile(), new Date(Date.UTC(2026, 0, 1, 0, 0, 0)));
  for (let i = 1; i <= 3; i++) src.db.prepare('INSERT INTO t VALUES (?)').run(i);
  await w.segment(0, 0, await src.wal(), new Date(Date.UTC(2026, 0, 1, 0, 0, 5)));
  src.close();
  url = pathToFileURL(join(dir, 'replica')).href;
  emptyUrl = pathToFileURL(join(dir, 'empty')).href;
});

describe('streambed CLI on a Litestream v0.3 replica', () => {
  it('restore reads the v0.3 backup, says so, and takes -generation', async () => {
    const out = join(dir, 'restored.db');
    const r = await cli('restore', '-o', out, '-generation', GENERATION, url);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`from Litestream v0.3 generation ${GENERATION} (-generation ${GENERATION})`);
    const db = new Database(out, { readonly: true });
    expect(db.prepare('SELECT count(*) AS n FROM t').get()).toEqual({ n: 3 });
    db.close();
    const plan = await cli('restore', '-o', join(dir, 'plan.db'), '-dry-run', '-json', '-timestamp', '2026-01-01T00:00:01Z', url);
    expect(plan.code).toBe(0);
    expect(JSON.parse(plan.stdout)).toMatchObject({ dry_run: true, format: 'litestream-v0.3', generation: GENERATION, segments: [] });
  });

  it('restore rejects a bad -generation and -generation with -txid as usage errors', async () => {
    const bad = await cli('restore', '-o', join(dir, 'x.db'), '-generation', 'zz', url);
    expect([bad.code, bad.stderr]).toEqual([2, expect.stringContaining('-generation must be a v0.3 generation id of 16 lowercase hex digits')]);
    const both = await cli('restore', '-o', join(dir, 'x.db'), '-generation', GENERATION, '-txid', '0000000000000001', url);
    expect([both.code, both.stderr]).toEqual([2, expect.stringContaining('which has no TXIDs')]);
  });

  it('ltx lists no LTX files and explains the v0.3 backup; verify fails with the same explanation', async () => {
    const ltx = await cli('ltx', url);
    expect(ltx.code).toBe(0);
    expect(ltx.stderr).toContain('holds a Litestream v0.3 backup (generations/ with LZ4 snapshots and WAL segments), not LTX files');
    expect(ltx.stderr).toContain(`${GENERATION}: 1 snapshot(s), 1 WAL segment(s)`);
    const verify = await cli('verify', url);
    expect(verify.code).toBe(1);
    expect(verify.stderr).toContain('`streambed verify` checks LTX files only; to check a v0.3 backup, restore it');
  });

  it('generations and snapshots list the v0.3 backup, and say what to use for an LTX replica', async () => {
    const gens = await cli('generations', '-json', url);
    expect(gens.code).toBe(0);
    expect(JSON.parse(gens.stdout)).toEqual([expect.objectContaining({ generation: GENERATION, snapshots: 1, segments: 1 })]);
    const snaps = await cli('snapshots', url);
    expect(snaps.stdout).toMatch(new RegExp(`${GENERATION}\\s+0\\s+\\d+\\s+2026-01-01T00:00:00.000Z`));
    for (const command of ['generations', 'snapshots']) {
      const none = await cli(command, emptyUrl);
      expect(none.code).toBe(2);
      expect(none.stderr).toContain(`\`${command}\` is a Litestream v0.3 command`);
      expect(none.stderr).toContain('`streambed ltx <target>`');
    }
  });

  it('wal is the deprecated name of ltx and says so', async () => {
    const r = await cli('wal', '-level', '0', emptyUrl);
    expect(r.code).toBe(0);
    expect(r.stderr).toContain('warning: `wal` is deprecated, use `streambed ltx`');
    expect(r.stdout).toContain('level  min_txid');
  });
});
