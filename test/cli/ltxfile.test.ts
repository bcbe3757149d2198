// `streambed ltxfile`: dump, verify, checksum, encode-db, apply and their exit codes (in-process; checksum also as the binary).
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { crc64 } from '../../core/ltx/crc64.ts';
import { encodeLtxToBuffer } from '../../core/ltx/encoder.ts';
import { newHeader } from '../../core/ltx/header.ts';
import { CHECKSUM_FLAG } from '../../core/ltx/types.ts';
import { makePage } from '../ltx/helpers.ts';
import { runMain, spawnCli, type CliRun } from './run-cli.ts';

/** Through ../shared beside the checkout, as every fixture. */
const LEGACY_V2 = fileURLToPath(
  new URL('../../../shared/fixtures/litestream/testdata/store/open-and-write-snapshot/dbs/sqlite.db/ltx/000000000000000d-000000000000000d.ltx', import.meta.url),
);

function run(...args: string[]): Promise<CliRun> {
  return runMain('ltxfile', ...args);
}

let dir: string;
let dbPath: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'streambed-ltxfile-'));
  dbPath = join(dir, 'app.db');
  const db = new Database(dbPath);
  db.pragma('journal_mode = DELETE');
  db.exec("CREATE TABLE t(x); WITH RECURSIVE c(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM c WHERE i < 2000) INSERT INTO t SELECT printf('row %d', i) FROM c");
  db.close();
});
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

describe('streambed ltxfile', () => {
  it('checksum prints the rolling checksum as 16 hex digits (checked independently), run as the real binary', async () => {
    const r = await spawnCli(['ltxfile', 'checksum', dbPath]);
    expect(r.code).toBe(0);
    const bytes = new Uint8Array(readFileSync(dbPath));
    let x = 0n;
    for (let pgno = 1; pgno * 4096 <= bytes.length; pgno++) {
      const buf = new Uint8Array(4100);
      new DataView(buf.buffer).setUint32(0, pgno);
      buf.set(bytes.subarray((pgno - 1) * 4096, pgno * 4096), 4);
      x ^= crc64(buf);
    }
    expect(r.stdout.trim()).toBe((CHECKSUM_FLAG | x).toString(16).padStart(16, '0'));
  });

  it('encode-db writes a snapshot that verify accepts and dump describes', async () => {
    const ltx = join(dir, 'snap.ltx');
    const enc = await run('encode-db', dbPath, ltx);
    expect(enc.code).toBe(0);
    expect(existsSync(`${ltx}.tmp`)).toBe(false);
    const [ok, dump] = await Promise.all([run('verify', ltx), run('dump', ltx)]);
    expect(ok.code).toBe(0);
    expect(ok.stdout).toMatch(/^ok .*snap\.ltx: \d+ pages, TXID 0000000000000001-0000000000000001, checksum [0-9a-f]{16}\n$/);
    expect(dump.code).toBe(0);
    const json = JSON.parse(dump.stdout) as {
      header: { minTXID: string; maxTXID: string; pageSize: number; commit: number; preApplyChecksum: string; timestamp: string };
      pages: Array<{ pgno: number; size: number; offset: number }>;
      index: Array<{ pgno: number; size: number; offset: number }>;
      trailer: { postApplyChecksum: string; fileChecksum: string };
    };
    expect(json.header).toMatchObject({ minTXID: '0000000000000001', maxTXID: '0000000000000001', pageSize: 4096, preApplyChecksum: '0000000000000000' });
    expect(json.header.timestamp).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    expect(json.pages.length).toBe(json.header.commit);
    expect(json.index).toEqual(json.pages);
    expect(json.pages[0]).toEqual({ pgno: 1, size: json.pages[0].size, offset: 100 });
    expect(json.trailer.postApplyChecksum).toBe('0000000000000000');
    expect(json.trailer.fileChecksum).toMatch(/^[89a-f][0-9a-f]{15}$/);
  });

  it('verify reports each bad file on its own line and exits 1', async () => {
    const good = join(dir, 'good.ltx');
    writeFileSync(good, await encodeLtxToBuffer(newHeader({ pageSize: 512, commit: 1, minTXID: 1, maxTXID: 1 }), [makePage(1, 512, 'text')]));
    const bad = join(dir, 'bad.ltx');
    const bytes = readFileSync(good);
    bytes[bytes.length - 1] ^= 1;
    writeFileSync(bad, bytes);
    const r = await run('verify', good, bad, LEGACY_V2, join(dir, 'missing.ltx'));
    expect(r.code).toBe(1);
    const lines = r.stdout.trim().split('\n');
    expect(lines).toHaveLength(4);
    expect(lines[0]).toMatch(/^ok .*good\.ltx/);
    expect(lines[1]).toMatch(/^error .*bad\.ltx: offset \d+: file checksum mismatch/);
    expect(lines[2]).toMatch(/^error .*000000000000000d\.ltx: offset 100: .*pre-v0\.5 \(format v2\)/);
    expect(lines[3]).toMatch(/^error .*missing\.ltx/);
  });

  it('apply rebuilds the database and refuses a TXID gap', async () => {
    const snap = join(dir, 'a1.ltx');
    expect((await run('encode-db', dbPath, snap)).code).toBe(0);
    const l0 = join(dir, 'a3.ltx');
    const header = newHeader({ pageSize: 4096, commit: 1, minTXID: 3, maxTXID: 3 });
    const first = readFileSync(dbPath).subarray(0, 4096);
    writeFileSync(l0, await encodeLtxToBuffer(header, [{ pgno: 1, data: new Uint8Array(first) }]));
    const out = join(dir, 'restored.db');
    const [ok, gap] = await Promise.all([run('apply', out, snap), run('apply', join(dir, 'gap.db'), snap, l0)]);
    expect(ok.code).toBe(0);
    expect(readFileSync(out)).toEqual(readFileSync(dbPath));
    expect(gap.code).toBe(1);
    expect(gap.stderr).toMatch(/a3\.ltx: offset 16: TXIDs 0000000000000003-0000000000000003 do not follow .*a1\.ltx \(0000000000000001-0000000000000001\)/);
    expect(existsSync(join(dir, 'gap.db'))).toBe(false);
  });

  it('exits 2 on usage errors', async () => {
    const results = await Promise.all([run('dump'), run('apply', 'only-out.db'), run('nonsense')]);
    expect(results.map((r) => r.code)).toEqual([2, 2, 2]);
  });
});
