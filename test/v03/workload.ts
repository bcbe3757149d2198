// Deterministic transactions for v0.3 tests: the writer process commits them, tests rebuild any state from its number.
import Database from 'better-sqlite3';
import { createHash } from 'node:crypto';
import { seededRandom } from '../harness/prng.ts';

export const SCHEMA = 'CREATE TABLE IF NOT EXISTS t(id INTEGER PRIMARY KEY, n INTEGER NOT NULL, v BLOB NOT NULL); ' +
  'CREATE TABLE IF NOT EXISTS meta(k INTEGER NOT NULL); INSERT INTO meta SELECT 0 WHERE NOT EXISTS (SELECT 1 FROM meta);';

function bytes(random: () => number, length: number): Buffer {
  const out = Buffer.alloc(length);
  for (let i = 0; i < length; i += 4) out.writeUInt32LE(Math.floor(random() * 2 ** 32), Math.min(i, length - 4));
  return out;
}

/** Transaction `seq`: inserts, updates and deletes, sometimes a burst of overflow rows; `meta.k` records `seq`. */
export function applyTxn(db: Database.Database, seq: number): void {
  const random = seededRandom(seq * 7919);
  db.transaction(() => {
    db.prepare('INSERT INTO t(id, n, v) VALUES (?, ?, ?)').run(seq, seq, bytes(random, 100 + Math.floor(random() * 900)));
    if (seq % 3 === 0) db.prepare('UPDATE t SET n = n + ?, v = ? WHERE id = ?').run(seq, bytes(random, 200 + Math.floor(random() * 2000)), Math.floor(seq / 2));
    if (seq % 7 === 0) db.prepare('DELETE FROM t WHERE id = ?').run(seq - 5);
    if (seq % 40 === 0) {
      const insert = db.prepare('INSERT INTO t(id, n, v) VALUES (?, ?, ?)');
      for (let i = 0; i < 12; i++) insert.run(1_000_000 + seq * 100 + i, i, bytes(random, 3000));
    }
    db.prepare('UPDATE meta SET k = ?').run(seq);
  })();
}

/** A content digest independent of page layout: every row of `t` in id order, then `meta.k`. */
export function digestOf(db: Database.Database): string {
  const hash = createHash('sha256');
  for (const row of db.prepare('SELECT id, n, v FROM t ORDER BY id').iterate() as Iterable<{ id: number; n: number; v: Buffer }>) {
    hash.update(`${row.id}:${row.n}:`).update(row.v);
  }
  hash.update(`meta:${seqOf(db)}`);
  return hash.digest('hex');
}

export function seqOf(db: Database.Database): number {
  return (db.prepare('SELECT k FROM meta').get() as { k: number }).k;
}

/** Opens a restored file read-only and reports which transaction it holds and its digest. */
export function inspect(path: string): { seq: number; digest: string } {
  const db = new Database(path, { readonly: true, fileMustExist: true });
  try {
    return { seq: seqOf(db), digest: digestOf(db) };
  } finally {
    db.close();
  }
}

/** Digests of the states after given transactions, rebuilt in memory (cached, replayed forward). */
export class ExpectedStates {
  private db = this.fresh();
  private at = 0;
  private readonly cache = new Map<number, string>();

  digestAt(seq: number): string {
    const hit = this.cache.get(seq);
    if (hit) return hit;
    if (seq < this.at) {
      this.db.close();
      this.db = this.fresh();
      this.at = 0;
    }
    while (this.at < seq) applyTxn(this.db, ++this.at);
    const digest = digestOf(this.db);
    this.cache.set(seq, digest);
    return digest;
  }

  close(): void {
    this.db.close();
  }

  private fresh(): Database.Database {
    const db = new Database(':memory:');
    db.exec(SCHEMA);
    return db;
  }
}
