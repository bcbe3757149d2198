// Test helper: a small real SQLite workload whose every step becomes one L0 file in a replica.
import Database from 'better-sqlite3';
import { join } from 'node:path';
import type { ReplicaClient } from '../../core/replica/client.ts';
import { ReplicaBuilder } from './replica-builder.ts';

/**
 * Runs `steps` write transactions (inserts, an update, a delete, a blob) on a 1 KiB-page database in rollback-journal
 * mode (or WAL mode, checkpointed after each step), so the file holds each committed state, and commits each one
 * to the replica as TXID 1..steps.
 */
export async function buildSampleReplica(client: ReplicaClient, dir: string, steps = 8, options: { wal?: boolean } = {}): Promise<ReplicaBuilder> {
  const builder = new ReplicaBuilder(client, dir);
  const dbPath = join(dir, 'source.db');
  const db = new Database(dbPath);
  try {
    db.pragma('page_size = 1024');
    db.pragma(options.wal ? 'journal_mode = WAL' : 'journal_mode = DELETE');
    // In WAL mode a full checkpoint after each step puts the committed state into the main file.
    const settle = (): void => void (options.wal && db.pragma('wal_checkpoint(TRUNCATE)'));
    db.exec('CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT, b BLOB)');
    settle();
    await builder.commit(dbPath);
    for (let i = 2; i <= steps; i++) {
      if (i % 4 === 0) db.prepare('UPDATE t SET v = ? WHERE id % 3 = 0').run(`updated-${i}`);
      else if (i % 5 === 0) db.prepare('DELETE FROM t WHERE id % 4 = 1').run();
      else {
        const insert = db.prepare('INSERT INTO t (v, b) VALUES (?, ?)');
        db.transaction(() => {
          for (let r = 0; r < 20; r++) insert.run(`row-${i}-${r}-${'x'.repeat(40)}`, Buffer.alloc(r * 30, i));
        })();
      }
      settle();
      await builder.commit(dbPath);
    }
  } finally {
    db.close();
  }
  return builder;
}
