// role: the better-sqlite3 matrix writer, a separate Node process with one long connection and optional app habits.
// Usage: node node-writer.ts '<NodeWriterOptions JSON>'
// Appends `seq<TAB>unix-ms` to the log right after each COMMIT returns; prints JSON events (one per line) for
// what the application did besides committing (checkpoints, VACUUM, journal and page-size changes) and a last
// `done` event with the counts.
import { closeSync, openSync, statSync, writeSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import BetterSqlite3 from 'better-sqlite3';
import { seededRandom } from '../../harness/prng.ts';
import { NOW_MS_SQL, SCHEMA_SQL } from './commit-sql.ts';
import type { NodeWriterOptions } from './writer-options.ts';

const opts = JSON.parse(process.argv[2] ?? '{}') as NodeWriterOptions;
const rand = seededRandom(opts.seed ?? 1);
const log = openSync(opts.log, 'a');
const stats = { commits: 0, busyRetries: 0, walMax: 0, checkpoints: 0, vacuums: 0 };

function event(name: string, fields: Record<string, unknown> = {}): void {
  process.stdout.write(JSON.stringify({ event: name, at: Date.now(), ...fields }) + '\n');
}

function errorCode(err: unknown): string {
  return String((err as { code?: unknown }).code ?? (err as Error).message);
}

function isBusy(err: unknown): boolean {
  return /^SQLITE_(BUSY|LOCKED)/.test(errorCode(err));
}

const db = new BetterSqlite3(opts.db);
db.pragma(`busy_timeout = ${opts.busyTimeoutMs ?? 5000}`);
if (db.pragma('journal_mode', { simple: true }) !== 'wal') db.pragma('journal_mode = wal');
if (opts.autocheckpoint !== undefined) db.pragma(`wal_autocheckpoint = ${opts.autocheckpoint}`);
db.exec(SCHEMA_SQL);

const insert = db.prepare(`INSERT INTO commits (writer, seq, t_ms, body) VALUES (?, ?, ${NOW_MS_SQL}, randomblob(?))`);
const counter = db.prepare('INSERT INTO counters (writer, n) VALUES (?, ?) ON CONFLICT (writer) DO UPDATE SET n = excluded.n');
const touch = db.prepare('UPDATE commits SET body = randomblob(?) WHERE writer = ? AND seq = ?');
const junk = db.prepare('INSERT INTO scratch (junk) VALUES (randomblob(?))');

function bodyBytes(): number {
  const min = opts.bodyMin ?? 50;
  const max = opts.bodyMax ?? 3000;
  return min + Math.floor(rand() * (max - min + 1));
}

/** One transaction; retried as a whole when the write lock stayed busy past busy_timeout. */
function commit(seq: number, bytes: number, bulkMb = 0): void {
  for (;;) {
    try {
      db.exec('BEGIN IMMEDIATE');
      try {
        insert.run(opts.writer, seq, bytes);
        counter.run(opts.writer, seq);
        if (seq > 10 && seq % 5 === 0) touch.run(bodyBytes(), opts.writer, seq - 1 - Math.floor(rand() * 10));
        // A bulk import: many 256 KiB rows in one transaction (the WAL grows by at least that much).
        for (let i = 0; i < bulkMb * 4; i++) junk.run(256 * 1024);
        if (opts.bigTx && seq === opts.bigTx.count + 1) db.exec('DELETE FROM scratch');
        if (opts.scratch) {
          junk.run(bodyBytes() * 2);
          if (seq % 20 === 0) db.exec('DELETE FROM scratch WHERE id % 3 != 0');
        }
        db.exec('COMMIT');
      } catch (err) {
        if (db.inTransaction) db.exec('ROLLBACK');
        throw err;
      }
      return;
    } catch (err) {
      if (!isBusy(err)) throw err;
      stats.busyRetries++;
    }
  }
}

function noteWal(): void {
  try {
    stats.walMax = Math.max(stats.walMax, statSync(`${opts.db}-wal`).size);
  } catch {
    // no WAL file right now
  }
}

/** Runs a statement the application issues besides its commits; records its outcome instead of throwing. */
function attempt(name: string, fn: () => unknown, fields: Record<string, unknown> = {}): unknown {
  try {
    const result = fn();
    event(name, { ...fields, ok: true, result });
    return result;
  } catch (err) {
    event(name, { ...fields, ok: false, error: errorCode(err) });
    return undefined;
  }
}

const CHECKPOINT_MODES = ['PASSIVE', 'FULL', 'RESTART', 'TRUNCATE'] as const;

function habits(seq: number, now: number, state: { nextSwitch: number }): void {
  if (opts.checkpointEvery && seq % opts.checkpointEvery === 0) {
    const mode = CHECKPOINT_MODES[(seq / opts.checkpointEvery) % CHECKPOINT_MODES.length];
    // FULL, RESTART and TRUNCATE wait (busy handler) for readers, such as the agent's read transaction.
    db.pragma(`busy_timeout = ${opts.checkpointBusyMs ?? 200}`);
    attempt('checkpoint', () => (db.pragma(`wal_checkpoint(${mode})`) as object[])[0], { mode });
    db.pragma(`busy_timeout = ${opts.busyTimeoutMs ?? 5000}`);
    stats.checkpoints++;
  }
  if (opts.vacuumEvery && seq % opts.vacuumEvery === 0) {
    attempt('vacuum', () => void db.exec('VACUUM'));
    stats.vacuums++;
  }
  if (opts.pageSizeAt && seq === opts.pageSizeAt) changePageSize(opts.pageSize ?? 8192);
  if (opts.journalSwitchEveryMs && now >= state.nextSwitch) {
    state.nextSwitch = now + opts.journalSwitchEveryMs;
    switchJournal();
  }
}

/**
 * In WAL mode SQLite keeps the page size through VACUUM; the documented way is DELETE mode, page_size, VACUUM,
 * then WAL again, which needs the database to itself.
 */
function changePageSize(size: number): void {
  attempt('page_size_in_wal', () => {
    db.pragma(`page_size = ${size}`);
    db.exec('VACUUM');
    return db.pragma('page_size', { simple: true });
  });
  const mode = attempt('journal_mode_delete', () => db.pragma('journal_mode = DELETE', { simple: true }));
  if (mode === 'delete') {
    attempt('page_size_in_delete', () => {
      db.pragma(`page_size = ${size}`);
      db.exec('VACUUM');
      return db.pragma('page_size', { simple: true });
    });
  }
  attempt('journal_mode_wal', () => db.pragma('journal_mode = WAL', { simple: true }));
}

function switchJournal(): void {
  const mode = attempt('journal_mode_delete', () => db.pragma('journal_mode = DELETE', { simple: true }));
  if (mode === 'delete') attempt('journal_mode_wal', () => db.pragma('journal_mode = WAL', { simple: true }));
}

async function main(): Promise<void> {
  const start = Date.now();
  const end = start + (opts.durationMs ?? 5000);
  const state = { nextSwitch: start + (opts.journalSwitchEveryMs ?? 0) };
  let seq = 0;
  const big = opts.bigTx;
  while (Date.now() < end && (opts.maxCommits === undefined || seq < opts.maxCommits)) {
    seq++;
    commit(seq, bodyBytes(), big && seq <= big.count ? big.mb : 0);
    writeSync(log, `${seq}\t${Date.now()}\n`);
    stats.commits = seq;
    noteWal();
    habits(seq, Date.now(), state);
    if (opts.sleepMs) await sleep(opts.sleepMs * (0.5 + rand()));
  }
  db.close();
  closeSync(log);
  event('done', { ...stats, pageSize: pageSizeOf(opts.db) });
}

function pageSizeOf(path: string): number {
  const check = new BetterSqlite3(path, { readonly: true });
  try {
    return Number(check.pragma('page_size', { simple: true }));
  } finally {
    check.close();
  }
}

await main();
