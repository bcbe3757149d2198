// The verify, compact and retention commands: exit codes, JSON output, config handling (in-process, and as the binary).
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { listReplica } from '../../core/compact/listing.ts';
import { FileReplicaClient } from '../../core/replica/file.ts';
import { useTempDirs } from '../harness/tmp.ts';
import { makeHistory } from '../compact/history.ts';
import { runMain, spawnCli, type CliRun } from './run-cli.ts';

const tempDir = useTempDirs();

/** In-process; `spawn` runs the real binary instead. */
function run(args: string[], how: 'main' | 'spawn' = 'main'): Promise<CliRun> {
  return how === 'spawn' ? spawnCli(args) : runMain(...args);
}

async function replica(steps = 12) {
  const dir = await tempDir('cli');
  const history = await makeHistory(dir, steps, { seed: 4 });
  const root = join(dir, 'replica');
  const client = new FileReplicaClient(root);
  await history.writeL0(client);
  return { dir, client, url: pathToFileURL(root).href, root };
}

describe('streambed verify / compact / retention', () => {
  it('verify exits 0 on a clean replica and 1 naming the corrupt file', async () => {
    const { url, root } = await replica();
    const clean = await run(['verify', '-json', url], 'spawn');
    expect(clean.code, clean.stderr).toBe(0);
    const report = JSON.parse(clean.stdout);
    expect(report).toMatchObject({ ok: true, files: 12, restorableTXID: '000000000000000c', problems: [] });
    expect(report.levels).toEqual([{ level: 0, files: 12, bytes: expect.any(Number), minTXID: '0000000000000001', maxTXID: '000000000000000c' }]);
    expect((await run(['verify', url])).stdout).toMatch(/^OK .*: 12 file\(s\), \d+ bytes, restorable to TXID 000000000000000c\n  L0: 12 file\(s\), TXIDs 0000000000000001-000000000000000c/);

    const victim = join(root, 'ltx', '0', '0000000000000004-0000000000000004.ltx');
    const bytes = await readFile(victim);
    bytes[150] ^= 1;
    await writeFile(victim, bytes);
    const bad = await run(['verify', url]);
    expect(bad.code).toBe(1);
    expect(bad.stdout).toMatch(/ERROR checksum .*0000000000000004-0000000000000004\.ltx/);
    // The truth: a restore stops before the corrupt file, and the printed TXID is the one -txid takes.
    expect(bad.stdout).toMatch(/^FAILED .*restorable to TXID 0000000000000003$/m);
    expect(bad.stdout).toContain('ERROR missing TXIDs 0000000000000004-000000000000000c: a restore stops at TXID 0000000000000003');
    expect(bad.stdout).toContain('restore -txid 0000000000000003 restores up to there');
    const json = JSON.parse((await run(['verify', '-json', '-full', url])).stdout);
    expect(json).toMatchObject({ ok: false, restorableTXID: '0000000000000003', restore: { txid: '0000000000000003', integrity: 'ok' } });
    expect(json.problems).toContainEqual(expect.objectContaining({ kind: 'missing', minTXID: '0000000000000004', maxTXID: '000000000000000c' }));
    expect((await run(['verify'])).code).toBe(2);
  });

  it('compact --once, then retention --dry-run lists without deleting and retention deletes', async () => {
    const { url, client } = await replica();
    const compacted = await run(['compact', '--once', '--json', '--no-retention', url]);
    expect(compacted.code, compacted.stderr).toBe(0);
    const report = JSON.parse(compacted.stdout);
    expect(report.errors).toEqual([]);
    expect(report.levels[0]).toMatchObject({ level: 1, status: 'written', written: { minTXID: '0000000000000001', maxTXID: '000000000000000c' } });
    expect(report.snapshot).toMatchObject({ status: 'written', written: { level: 9, minTXID: '0000000000000001', maxTXID: '000000000000000c' } });
    const before = (await listReplica(client)).flat().length;

    const dry = await run(['retention', '-dry-run', '-json', url]);
    expect(dry.code, dry.stderr).toBe(0);
    const planned = JSON.parse(dry.stdout);
    expect(planned.dryRun).toBe(true);
    expect(planned.deleted.length).toBe(11); // the old L0 files; the newest L0 anchors the position
    expect(planned.deleted[0]).toEqual({ level: 0, minTXID: '0000000000000001', maxTXID: '0000000000000001' });
    expect(planned.windowStartTXID).toBe('000000000000000c');
    expect((await listReplica(client)).flat().length).toBe(before);

    const real = await run(['retention', url]);
    expect(real.code, real.stderr).toBe(0);
    expect(real.stdout).toMatch(/deleted 11 file\(s\); restore points kept from TXID 000000000000000c/);
    expect((await listReplica(client)).flat().length).toBe(before - 11);
  });

  it('compact --once without a target runs every database of the config and honours retention.enabled: false', async () => {
    const a = await replica(6);
    const b = await replica(8);
    const config = join(a.dir, 'streambed.yml');
    await writeFile(
      config,
      [
        'retention:',
        '  enabled: false',
        'dbs:',
        `  - path: ${join(a.dir, 'a.db')}`,
        '    replica:',
        '      type: file',
        `      path: ${a.root}`,
        `  - path: ${join(b.dir, 'b.db')}`,
        '    replica:',
        '      type: file',
        `      path: ${b.root}`,
        '',
      ].join('\n'),
    );
    const r = await run(['compact', '-once', '-config', config], 'spawn');
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('a.db');
    expect(r.stdout).toContain('b.db');
    expect(r.stdout).toContain('retention: disabled');
    for (const { client } of [a, b]) {
      const listing = await listReplica(client);
      expect(listing[1].length).toBe(1);
      expect(listing[0].length).toBeGreaterThan(1); // nothing deleted
    }
    const ret = await run(['retention', '-config', config, join(b.dir, 'b.db')]);
    expect(ret.code, ret.stderr).toBe(0);
    expect(ret.stdout).toMatch(/deleted 0 file/);
  });
});
