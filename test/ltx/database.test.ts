// Database helpers with real SQLite files: page reading, rolling checksum, snapshot encode, and building a database
// from local LTX files with restore's writer (atomic, gap refusal).
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { writeFileAtomic } from '../../core/fs/atomic.ts';
import { crc64 } from '../../core/ltx/crc64.ts';
import { checksumDatabaseFile, databaseChecksum, encodeDatabaseSnapshot, readDatabasePages } from '../../core/ltx/database.ts';
import { applyLtxFiles } from '../../core/restore/local-files.ts';
import { decodeLtxBuffer } from '../../core/ltx/decoder.ts';
import { encodeLtxToBuffer } from '../../core/ltx/encoder.ts';
import { newHeader } from '../../core/ltx/header.ts';
import { CHECKSUM_FLAG, type LtxPage, lockPgno } from '../../core/ltx/types.ts';
import { chunked } from './helpers.ts';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'streambed-ltx-db-'));
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

function makeDb(path: string, rows: number, pageSize = 4096): void {
  const db = new Database(path);
  db.pragma(`page_size = ${pageSize}`);
  db.pragma('journal_mode = DELETE');
  db.exec('CREATE TABLE IF NOT EXISTS t(id INTEGER PRIMARY KEY, body TEXT, blob BLOB)');
  const insert = db.prepare('INSERT INTO t(body, blob) VALUES (?, randomblob(200))');
  db.transaction(() => {
    for (let i = 0; i < rows; i++) insert.run(`row ${i} `.repeat(10));
  })();
  db.close();
}

/** Independent reference: plain file read, plain crc64 per page, BigInt XOR. */
function referenceChecksum(path: string): bigint {
  const bytes = new Uint8Array(readFileSync(path));
  const raw = (bytes[16] << 8) | bytes[17];
  const pageSize = raw === 1 ? 65536 : raw;
  let x = 0n;
  for (let pgno = 1; pgno * pageSize <= bytes.length; pgno++) {
    if (pgno === lockPgno(pageSize)) continue;
    const buf = new Uint8Array(4 + pageSize);
    new DataView(buf.buffer).setUint32(0, pgno);
    buf.set(bytes.subarray((pgno - 1) * pageSize, pgno * pageSize), 4);
    x ^= crc64(buf);
  }
  return CHECKSUM_FLAG | x;
}

async function collectPages(path: string): Promise<LtxPage[]> {
  const out: LtxPage[] = [];
  for await (const p of readDatabasePages(path)) out.push({ pgno: p.pgno, data: p.data.slice() });
  return out;
}

describe('database helpers', () => {
  it('reads every page, with the page size from the header (including 65536)', async () => {
    for (const pageSize of [1024, 65536]) {
      const path = join(dir, `p${pageSize}.db`);
      makeDb(path, 300, pageSize);
      const db = new Database(path, { readonly: true });
      const pageCount = db.pragma('page_count', { simple: true }) as number;
      db.close();
      const pages = await collectPages(path);
      expect(pages.map((p) => p.pgno)).toEqual(Array.from({ length: pageCount }, (_, i) => i + 1));
      expect(pages.every((p) => p.data.length === pageSize)).toBe(true);
      expect(Buffer.concat(pages.map((p) => p.data))).toEqual(readFileSync(path));
    }
  });

  it('computes the rolling checksum like an independent reference', async () => {
    const path = join(dir, 'c.db');
    makeDb(path, 500);
    const sum = await checksumDatabaseFile(path);
    expect(sum).toBe(referenceChecksum(path));
    makeDb(path, 1);
    expect(await checksumDatabaseFile(path)).toBe(referenceChecksum(path));
    expect(await checksumDatabaseFile(path)).not.toBe(sum);
    expect(await databaseChecksum([])).toBe(0x8000000000000000n);
  });

  it('rejects files that are not SQLite databases', async () => {
    const path = join(dir, 'junk.db');
    writeFileSync(path, new Uint8Array(100));
    await expect(checksumDatabaseFile(path)).rejects.toThrow(/junk\.db: not a SQLite database/);
  });

  it('encodes a snapshot and writes it back to an identical database', async () => {
    const path = join(dir, 's.db');
    makeDb(path, 400);
    const ltxPath = join(dir, 's.ltx');
    const { header, stream } = await encodeDatabaseSnapshot(path, 1, 123);
    await writeFileAtomic(ltxPath, stream);
    expect(existsSync(`${ltxPath}.tmp`)).toBe(false);
    const decoded = await decodeLtxBuffer(new Uint8Array(readFileSync(ltxPath)), 's.ltx');
    expect(decoded.header).toEqual(header);
    expect(decoded.header).toMatchObject({ minTXID: 1, maxTXID: 1, flags: 2, timestamp: 123 });
    const out = join(dir, 'out.db');
    await applyLtxFiles(out, [ltxPath]);
    expect(readFileSync(out)).toEqual(readFileSync(path));
  });

  it('applies a snapshot plus later files and refuses a TXID gap', async () => {
    const path = join(dir, 'a.db');
    makeDb(path, 200);
    const before = await collectPages(path);
    const snap = join(dir, '0000000000000001-0000000000000001.ltx');
    await writeFileAtomic(snap, (await encodeDatabaseSnapshot(path)).stream);
    makeDb(path, 300);
    const after = await collectPages(path);
    const changed = after.filter((p) => !before[p.pgno - 1] || Buffer.compare(before[p.pgno - 1].data, p.data) !== 0);
    expect(changed.length).toBeGreaterThan(0);
    const l0 = join(dir, '0000000000000002-0000000000000002.ltx');
    const header = newHeader({ pageSize: 4096, commit: after.length, minTXID: 2, maxTXID: 2, timestamp: 5 });
    await writeFileAtomic(l0, chunked(await encodeLtxToBuffer(header, changed)));
    const out = join(dir, 'restored.db');
    const result = await applyLtxFiles(out, [snap, l0]);
    expect(result.maxTXID).toBe(2);
    expect(readFileSync(out)).toEqual(readFileSync(path));
    const db = new Database(out, { readonly: true });
    expect(db.pragma('integrity_check', { simple: true })).toBe('ok');
    expect((db.prepare('SELECT count(*) AS n FROM t').get() as { n: number }).n).toBe(500);
    db.close();

    const gap = join(dir, '0000000000000004-0000000000000004.ltx');
    await writeFileAtomic(gap, chunked(await encodeLtxToBuffer({ ...header, minTXID: 4, maxTXID: 4 }, changed)));
    const kept = readFileSync(out);
    await expect(applyLtxFiles(out, [snap, gap])).rejects.toThrow(
      /0000000000000004-0000000000000004\.ltx: offset 16: TXIDs 0000000000000004-0000000000000004 do not follow .*0000000000000001-0000000000000001\.ltx \(0000000000000001-0000000000000001\)/,
    );
    await expect(applyLtxFiles(out, [l0])).rejects.toThrow(/first file must be a snapshot/);
    expect(readFileSync(out)).toEqual(kept);
    expect(readdirSync(dir).filter((n) => n.includes('.tmp'))).toEqual([]);
  });

  it('leaves no partial output when an input is corrupt', async () => {
    const path = join(dir, 'x.db');
    makeDb(path, 50);
    const snap = join(dir, 'x.ltx');
    await writeFileAtomic(snap, (await encodeDatabaseSnapshot(path)).stream);
    const bytes = readFileSync(snap);
    bytes[bytes.length - 1] ^= 1;
    writeFileSync(snap, bytes);
    const out = join(dir, 'x-out.db');
    await expect(applyLtxFiles(out, [snap])).rejects.toThrow(/x\.ltx: offset \d+: file checksum mismatch/);
    expect(existsSync(out)).toBe(false);
    expect(readdirSync(dir).filter((n) => n.includes('.tmp'))).toEqual([]);
  });
});
