// Test helper for follow mode: a WAL-mode source database whose every transaction becomes one L0 file of a replica.
import Database from 'better-sqlite3';
import { join } from 'node:path';
import type { ReplicaClient } from '../../../core/replica/client.ts';
import { ReplicaBuilder } from '../replica-builder.ts';

export interface Source {
  client: ReplicaClient;
  builder: ReplicaBuilder;
  src: string;
  copy: string;
  /** Inserts row `id` as one transaction and writes it to the replica as the next L0 file (TXID = id). */
  step(id: number): Promise<void>;
  close(): void;
}

export function source(dir: string, client: ReplicaClient): Source {
  const builder = new ReplicaBuilder(client, dir);
  const src = join(dir, 'src.db');
  const db = new Database(src);
  db.pragma('journal_mode = WAL');
  db.exec('CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT)');
  const insert = db.prepare('INSERT INTO t (id, v) VALUES (?, ?)');
  return {
    client, builder, src, copy: join(dir, 'copy.db'),
    async step(id) {
      insert.run(id, 'x'.repeat(300 * id));
      db.pragma('wal_checkpoint(TRUNCATE)'); // the builder reads the database file
      await builder.commit(src);
    },
    close: () => db.close(),
  };
}

export function digest(path: string): { n: number; sum: number; bytes: number } {
  const db = new Database(path, { readonly: true });
  try {
    return db.prepare('SELECT count(*) AS n, sum(id) AS sum, sum(length(v)) AS bytes FROM t').get() as { n: number; sum: number; bytes: number };
  } finally {
    db.close();
  }
}

