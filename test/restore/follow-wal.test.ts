// WalApplier: transactions appended to a live database's WAL, across checkpoints that empty the WAL, with readers open.
import Database from 'better-sqlite3';
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { WalApplier } from '../../core/restore/wal-apply.ts';
import { useTempDirs } from '../harness/tmp.ts';
import { HAVE_SQLITE3_CLI } from '../agent/workload/sqlite-cli.ts';

const tempDir = useTempDirs();

/** A source database in WAL mode; after each insert, the pages that changed since the previous call. */
function changingSource(path: string): { next(id: number): { pages: Array<{ pgno: number; data: Buffer }>; commit: number }; close(): void } {
  const db = new Database(path);
  db.pragma('journal_mode = WAL');
  db.exec('CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT)');
  db.pragma('wal_checkpoint(TRUNCATE)');
  let previous: Buffer[] = [];
  const insert = db.prepare('INSERT INTO t (id, v) VALUES (?, ?)');
  const snapshot = (): Buffer[] => {
    const file = readFileSync(path);
    const pages: Buffer[] = [];
    for (let off = 0; off < file.length; off += 4096) pages.push(file.subarray(off, off + 4096));
    return pages;
  };
  previous = snapshot();
  return {
    next(id) {
      insert.run(id, `${id} `.repeat(50 + (id % 7) * 300));
      db.pragma('wal_checkpoint(TRUNCATE)');
      const pages = snapshot();
      const changed = pages.flatMap((data, i) => (previous[i]?.equals(data) ? [] : [{ pgno: i + 1, data }]));
      previous = pages;
      return { pages: changed, commit: pages.length };
    },
    close: () => db.close(),
  };
}

function countOf(db: Database.Database): { n: number; m: number } {
  return db.prepare('SELECT count(*) AS n, coalesce(max(id), 0) AS m FROM t').get() as { n: number; m: number };
}

describe('WalApplier', () => {
  it('publishes each batch whole, survives TRUNCATE checkpoints, and keeps held read transactions stable', async () => {
    const dir = await tempDir('wal-apply');
    const src = join(dir, 'src.db');
    const copy = join(dir, 'copy.db');
    const source = changingSource(src);
    execFileSync('cp', [src, copy]);
    const applier = WalApplier.open(copy, { checkpointFrames: 8 });
    const reader = new Database(copy, { readonly: true });
    const walSizes: number[] = [];
    try {
      for (let id = 1; id <= 60; id++) {
        // A reader holds a transaction across three batches now and then: its view must not move, and it blocks
        // the TRUNCATE so the WAL grows until it lets go.
        if (id % 10 === 0) {
          reader.exec('BEGIN');
          expect(countOf(reader)).toEqual({ n: id - 1, m: id - 1 });
        }
        const { pages, commit } = source.next(id);
        const batch = applier.begin();
        try {
          for (const p of pages) batch.page(p.pgno, p.data);
          batch.commit(commit);
        } finally {
          batch.end();
        }
        walSizes.push(existsSync(`${copy}-wal`) ? statSync(`${copy}-wal`).size : 0);
        if (reader.inTransaction) {
          expect(countOf(reader)).toEqual({ n: id - (id % 10) - 1, m: id - (id % 10) - 1 });
          if (id % 10 === 2) reader.exec('COMMIT');
        } else {
          expect(countOf(reader)).toEqual({ n: id, m: id });
        }
        if (HAVE_SQLITE3_CLI && id % 7 === 0) {
          expect(execFileSync('sqlite3', ['-readonly', copy, 'SELECT count(*), max(id) FROM t;']).toString().trim()).toBe(`${id}|${id}`);
        }
      }
      // The WAL was emptied by checkpoints (size 0) and restarted with a fresh header many times over.
      expect(walSizes.filter((s) => s === 0).length).toBeGreaterThan(3);
      expect(Math.max(...walSizes)).toBeGreaterThan(8 * 4120);
    } finally {
      reader.close();
      applier.close();
      source.close();
    }
    const check = new Database(copy, { readonly: true });
    expect(check.pragma('integrity_check', { simple: true })).toBe('ok');
    expect(countOf(check)).toEqual({ n: 60, m: 60 });
    check.close();
    const a = new Database(src, { readonly: true });
    const b = new Database(copy, { readonly: true });
    const all = (db: Database.Database): unknown => db.prepare('SELECT id, v FROM t ORDER BY id').all();
    expect(all(b)).toEqual(all(a));
    a.close();
    b.close();
  });

  it('drops a batch left without its commit: readers never see its pages, and the next batch overwrites them', async () => {
    const dir = await tempDir('wal-apply-torn');
    const src = join(dir, 'src.db');
    const copy = join(dir, 'copy.db');
    const source = changingSource(src);
    execFileSync('cp', [src, copy]);
    const applier = WalApplier.open(copy);
    try {
      const first = source.next(1);
      let batch = applier.begin();
      for (const p of first.pages) batch.page(p.pgno, p.data);
      batch.commit(first.commit);
      const second = source.next(2);
      // Interrupted before commit(): more frames than one write holds, so garbage pages reach the -wal file.
      for (let i = 0; i < 150; i++) batch.page(2, Buffer.alloc(4096, 0xab));
      batch.end();
      expect(statSync(`${copy}-wal`).size).toBeGreaterThan(100 * 4120);
      const reader = new Database(copy, { readonly: true });
      expect(countOf(reader)).toEqual({ n: 1, m: 1 });
      const third = source.next(3);
      batch = applier.begin();
      const merged = new Map([...second.pages, ...third.pages].map((p) => [p.pgno, p.data]));
      for (const [pgno, data] of [...merged].sort((x, y) => x[0] - y[0])) batch.page(pgno, data);
      batch.commit(third.commit);
      batch.end();
      expect(countOf(reader)).toEqual({ n: 3, m: 3 });
      expect(reader.pragma('integrity_check', { simple: true })).toBe('ok');
      reader.close();
    } finally {
      applier.close();
      source.close();
    }
  });
});
