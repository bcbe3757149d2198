// `streambed restore` as a child process: flags, exit codes, JSON and dry-run output, overwrite and skip rules.
import { execFile, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { chmod, cp, mkdir, readdir, readFile, stat, symlink, utimes, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseTimestampFlag, parseTxidFlag } from '../../cli/commands/restore.ts';
import { UsageError } from '../../core/errors.ts';
import { checksumDatabaseFile } from '../../core/ltx/database.ts';
import { fileReplicaLtxPath } from '../../core/layout/names.ts';
import { FileReplicaClient } from '../../core/replica/file.ts';
import { makeTempDir, removeTempDir, useTempDirs } from '../harness/tmp.ts';
import type { ReplicaBuilder } from './replica-builder.ts';
import { buildSampleReplica } from './workload.ts';

const BIN = new URL('../../bin/streambed.mjs', import.meta.url).pathname;
const tempDir = useTempDirs();

/** Runs `streambed restore`; `prefix` runs it through another program (e.g. setpriv to drop root's file access override). */
function run(args: string[], prefix: string[] = []): Promise<{ code: number; stdout: string; stderr: string }> {
  const [file, ...rest] = [...prefix, process.execPath, BIN, 'restore', ...args];
  return new Promise((resolve) => {
    execFile(file, rest, { env: { ...process.env, STREAMBED_CONFIG: '', LITESTREAM_CONFIG: '' } }, (err, stdout, stderr) => {
      resolve({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stdout, stderr });
    });
  });
}

let sourceDir: string;
let replicaUrl: string;
let builder: ReplicaBuilder;

beforeAll(async () => {
  sourceDir = await makeTempDir('restore-cli');
  const root = join(sourceDir, 'replica');
  builder = await buildSampleReplica(new FileReplicaClient(root), sourceDir, 6);
  replicaUrl = pathToFileURL(root).href;
});
afterAll(async () => removeTempDir(sourceDir));

describe('streambed restore', () => {
  it('restores from a replica URL with Litestream-style flags', async () => {
    const out = join(await tempDir('cli'), 'db.sqlite');
    const r = await run(['-o', out, '-txid', '0000000000000004', '-integrity-check', 'full', replicaUrl]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('TXID 0000000000000004');
    expect(await checksumDatabaseFile(out)).toBe(builder.shadows[3].checksum);
  });

  it('restores a database named in a config file to its own path, and prints JSON', async () => {
    const dir = await tempDir('cli');
    const dbPath = join(dir, 'app.db');
    const config = join(dir, 'streambed.yml');
    await writeFile(config, `dbs:\n  - path: ${dbPath}\n    replica:\n      url: ${replicaUrl}\n`);
    const r = await run(['-config', config, '-json', dbPath]);
    expect(r.code).toBe(0);
    const json = JSON.parse(r.stdout) as { txid: string; output: string; files: unknown[]; page_size: number };
    expect(json).toMatchObject({ txid: '0000000000000006', output: dbPath, page_size: 1024 });
    expect(json.files).toHaveLength(6);
    expect(await checksumDatabaseFile(dbPath)).toBe(builder.shadows[5].checksum);

    const again = await run(['-config', config, dbPath]);
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(/already exists.*--force/);
    const skipped = await run(['-config', config, '-if-db-not-exists', dbPath]);
    expect(skipped.code).toBe(0);
    const forced = await run(['-config', config, '-force', '-json', '-txid', '0000000000000002', dbPath]);
    expect(forced.code).toBe(0);
    expect(JSON.parse(forced.stdout).txid).toBe('0000000000000002');
    expect(await checksumDatabaseFile(dbPath)).toBe(builder.shadows[1].checksum);
  });

  it('prints the plan on -dry-run without writing anything', async () => {
    const out = join(await tempDir('cli'), 'db.sqlite');
    const text = await run(['-dry-run', '-o', out, replicaUrl]);
    expect(text.code).toBe(0);
    expect(text.stdout).toMatch(/TXID 0000000000000006, 6 file\(s\), \d+ bytes to fetch/);
    const sizes = [...text.stdout.matchAll(/ (\d+) bytes \d{4}-/g)].reduce((sum, m) => sum + Number(m[1]), 0);
    expect(text.stdout).toContain(`, ${sizes} bytes to fetch`);
    expect(text.stdout).toContain('L0 0000000000000003-0000000000000003');
    const json = await run(['-dry-run', '-json', '-o', out, '-timestamp', builder.shadows[2].timestamp.toISOString(), replicaUrl]);
    expect(json.code).toBe(0);
    const plan = JSON.parse(json.stdout) as { dry_run: boolean; txid: string; bytes: number; files: Array<{ level: number; size: number }> };
    expect(plan.dry_run).toBe(true);
    expect(plan.bytes).toBe(plan.files.reduce((sum, f) => sum + f.size, 0));
    expect(plan.txid).toBe('0000000000000002'); // strictly before TXID 3's timestamp
    expect(existsSync(out)).toBe(false);
  });

  it('exits 0 with -if-replica-exists on an empty replica, 1 without it', async () => {
    const dir = await tempDir('cli');
    const empty = pathToFileURL(join(dir, 'nothing')).href;
    const out = join(dir, 'db.sqlite');
    const withFlag = await run(['-if-replica-exists', '-o', out, empty]);
    expect(withFlag.code).toBe(0);
    expect(withFlag.stderr).toMatch(/no backups/);
    const without = await run(['-o', out, empty]);
    expect(without.code).toBe(1);
    expect(without.stderr).toMatch(/no backups found/);
    expect(existsSync(out)).toBe(false);
  });

  it('rejects bad usage with exit code 2', async () => {
    const out = join(await tempDir('cli'), 'db.sqlite');
    const both = await run(['-o', out, '-txid', '1', '-timestamp', '2026-01-01T00:00:00Z', replicaUrl]);
    expect(both.code).toBe(2);
    expect(both.stderr).toMatch(/-txid and -timestamp/);
    const noOutput = await run([replicaUrl]);
    expect(noOutput.code).toBe(2);
    expect(noOutput.stderr).toMatch(/-o PATH/);
    expect(existsSync(out)).toBe(false);
  });

  it('parses -txid as 16 hex digits, as Litestream does and as ltx and verify print it, and -timestamp strictly', () => {
    expect(parseTxidFlag('000000000000002a')).toBe(42);
    expect(parseTxidFlag('000000000000002A')).toBe(42);
    for (const bad of ['xyz', '0000000000000000', '00000000000000001', '-1', '2a', '0x2a', '']) expect(() => parseTxidFlag(bad)).toThrow(UsageError);
    // A short number is refused rather than guessed: `62` copied from an old decimal output is not 0x62.
    expect(() => parseTxidFlag('62')).toThrow('-txid: TXID "62" is not 16 hex digits such as 000000000000002a (for hex 62 write 0000000000000062; for decimal 62 write 000000000000003e)');
    expect(() => parseTxidFlag('002000000000000f')).toThrow(/exceeds 2\^53-1/);
    expect(parseTimestampFlag('2026-01-01T00:00:01.5+01:00').toISOString()).toBe('2025-12-31T23:00:01.500Z');
    for (const bad of ['yesterday', '2026-01-01', '2026-01-01 00:00:00Z', '2026-13-01T00:00:00Z']) expect(() => parseTimestampFlag(bad)).toThrow(UsageError);
  });

  it('accepts Go-style -flag=value as Litestream users type it', async () => {
    const dir = await tempDir('cli');
    const out = join(dir, 'db.sqlite');
    const r = await run([`-o=${out}`, '-txid=0000000000000004', '-integrity-check=full', '-force=false', replicaUrl]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(await readdir(dir)).toEqual(['db.sqlite']); // not a directory named "="
    expect(await checksumDatabaseFile(out)).toBe(builder.shadows[3].checksum);
  });

  it('exits 1 without writing anything when the newest file is corrupt, naming it and the -txid that restores', async () => {
    const root = await tempDir('replica');
    await cp(join(sourceDir, 'replica'), root, { recursive: true, preserveTimestamps: true });
    const newest = fileReplicaLtxPath(root, { level: 0, minTXID: 6, maxTXID: 6 });
    const bytes = await readFile(newest);
    const { mtime } = await stat(newest);
    bytes[Math.floor(bytes.length / 2)] ^= 0x5a;
    await writeFile(newest, bytes);
    await utimes(newest, mtime, mtime);
    const dir = await tempDir('cli');
    const out = join(dir, 'db.sqlite');
    const r = await run(['-o', out, pathToFileURL(root).href]);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain(`streambed: cannot restore ${pathToFileURL(root).href} to TXID 0000000000000006 (the newest it holds): 1 file it needs is unusable:\n  ${pathToFileURL(root).href}/ltx/0/0000000000000006-0000000000000006.ltx: `);
    expect(r.stderr).toContain('the newest TXID that can be restored is 0000000000000005 (TXID 0000000000000006 would be lost); to accept that, run restore again with -txid 0000000000000005');
    expect(await readdir(dir)).toEqual([]);
    const accepted = await run(['-o', out, '-txid', '0000000000000005', pathToFileURL(root).href]);
    expect(accepted.code, accepted.stderr).toBe(0);
    expect(await checksumDatabaseFile(out)).toBe(builder.shadows[4].checksum);
  });

  // Root ignores directory permissions; setpriv drops that override (CAP_DAC_OVERRIDE) for the child only.
  const asRoot = process.getuid?.() === 0;
  const dropOverride = asRoot ? ['setpriv', '--bounding-set=-dac_override,-dac_read_search'] : [];
  const canDrop = !asRoot || spawnSync('setpriv', ['--version']).status === 0;
  it.skipIf(!canDrop)('reports EACCES and a file in the output path as write errors naming the output, not as replica read errors', async () => {
    const dir = await tempDir('cli');
    const readOnly = join(dir, 'read-only');
    await mkdir(readOnly);
    await chmod(readOnly, 0o555);
    const inReadOnly = await run(['-o', join(readOnly, 'db.sqlite'), replicaUrl], dropOverride);
    expect(inReadOnly.code).toBe(1);
    expect(inReadOnly.stderr).toBe(
      `streambed: cannot write the restored database ${readOnly}/db.sqlite (creating ${readOnly}/db.sqlite.tmp): ` +
        `EACCES: permission denied, open '${readOnly}/db.sqlite.tmp'; permission denied: restore into a directory you can write, with -o\n`,
    );
    const below = await run(['-o', join(readOnly, 'sub', 'db.sqlite'), replicaUrl], dropOverride);
    expect(below.stderr).toMatch(new RegExp(`^streambed: cannot write the restored database ${readOnly}/sub/db.sqlite \\(creating the directory ${readOnly}/sub\\): EACCES`));
    await writeFile(join(dir, 'a-file'), '');
    const underFile = await run(['-o', join(dir, 'a-file', 'db.sqlite'), replicaUrl]);
    expect(underFile.code).toBe(1);
    expect(underFile.stderr).toMatch(/^streambed: cannot write the restored database .*a-file\/db\.sqlite \(creating the directory .*a-file\): (ENOTDIR|EEXIST): .*a part of the output path is a file/);
    expect(await readdir(readOnly)).toEqual([]);
  });

  // A 4 KiB tmpfs fills up for real; where mounting is not allowed, <out>.tmp is a link to /dev/full, whose writes fail with ENOSPC.
  it('reports a full disk as a write error naming the output, and leaves nothing behind', async () => {
    const dir = await tempDir('cli');
    const mounted = spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=4k', 'tmpfs', dir]).status === 0;
    try {
      if (!mounted) await symlink('/dev/full', join(dir, 'db.sqlite.tmp'));
      const r = await run(['-o', join(dir, 'db.sqlite'), replicaUrl]);
      expect(r.code).toBe(1);
      expect(r.stderr).toBe(
        `streambed: cannot write the restored database ${dir}/db.sqlite (writing ${dir}/db.sqlite.tmp): ` +
          'ENOSPC: no space left on device, write; the file system is full: free space there or restore elsewhere with -o\n',
      );
      expect(await readdir(dir)).toEqual([]);
    } finally {
      if (mounted) spawnSync('umount', [dir]);
    }
  });
});
