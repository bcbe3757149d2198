// role: a reader of the follower's copy in its own process. Usage: node sampler.ts <db> <stop-file>
// Until <stop-file> exists it samples `SELECT count(*), max(id), sum(id) FROM t` in three ways: a fresh read-only
// connection per sample, a long-lived read-only connection, and a read transaction held across a pause (its two
// reads must agree). A sample is consistent when the rows are exactly 1..n with the values writer.ts gives them
// (it inserts one row per transaction). Prints one JSON summary line: samples, problems and the distinct n seen.
import { existsSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import Database from 'better-sqlite3';

const [dbPath, stopFile] = process.argv.slice(2);
const SQL = 'SELECT count(*) AS c, coalesce(max(id), 0) AS m, coalesce(sum(id), 0) AS s, coalesce(sum(length(v)), 0) AS b FROM t';
type Row = { c: number; m: number; s: number; b: number };

/** Σ length(v) over rows 1..n, as writer.ts fills v. */
const bytesUpTo: number[] = [0];
function expectedBytes(n: number): number {
  for (let id = bytesUpTo.length; id <= n; id++) bytesUpTo.push(bytesUpTo[id - 1] + `row ${id} `.length * (1 + (id % 40)));
  return bytesUpTo[n];
}

const problems: string[] = [];
const seen = new Set<number>();
let samples = 0;

function check(row: Row, how: string): void {
  samples++;
  const n = row.m;
  if (row.c !== n || row.s !== (n * (n + 1)) / 2 || row.b !== expectedBytes(n)) {
    problems.push(`${how}: count ${row.c}, max ${row.m}, sum ${row.s}, bytes ${row.b}`);
  }
  seen.add(n);
}

function open(): Database.Database {
  const db = new Database(dbPath, { readonly: true });
  db.pragma('busy_timeout = 5000');
  return db;
}

const long = open();
const longQuery = long.prepare(SQL);
// One more round after the stop file appears: the test writes it once the copy reached its final state.
for (let i = 0, last = false; !last; i++) {
  last = existsSync(stopFile);
  try {
    const fresh = open();
    check(fresh.prepare(SQL).get() as Row, 'fresh connection');
    fresh.close();
    check(longQuery.get() as Row, 'long-lived connection');
    if (i % 5 === 0) {
      long.exec('BEGIN');
      const first = longQuery.get() as Row;
      await sleep(30);
      const second = longQuery.get() as Row;
      long.exec('COMMIT');
      check(first, 'held transaction');
      if (first.m !== second.m || first.s !== second.s) problems.push(`held transaction changed from ${first.m} to ${second.m}`);
    }
    if (i % 20 === 0) {
      const ic = long.pragma('quick_check', { simple: true });
      if (ic !== 'ok') problems.push(`quick_check: ${String(ic)}`);
    }
  } catch (err) {
    problems.push(`error: ${(err as Error).message}`);
  }
  await sleep(5);
}
long.close();
process.stdout.write(JSON.stringify({ samples, problems: problems.slice(0, 20), problemCount: problems.length, distinct: seen.size, max: Math.max(0, ...seen) }) + '\n');
