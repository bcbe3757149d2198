// role: the application writing the source database in its own process. Usage: node writer.ts <db> <from> <to> <interval-ms>
// Inserts rows from..to into t, one row per transaction, every interval-ms; prints `done <to>` at the end.
import { setTimeout as sleep } from 'node:timers/promises';
import Database from 'better-sqlite3';

const [dbPath, from, to, interval] = process.argv.slice(2);
const db = new Database(dbPath);
db.pragma('busy_timeout = 5000');
db.pragma('journal_mode = WAL');
db.exec('CREATE TABLE IF NOT EXISTS t (id INTEGER PRIMARY KEY, v TEXT)');
const insert = db.prepare('INSERT INTO t (id, v) VALUES (?, ?)');
for (let id = Number(from); id <= Number(to); id++) {
  insert.run(id, `row ${id} `.repeat(1 + (id % 40)));
  process.stdout.write(`${id} ${Date.now()}\n`);
  if (Number(interval) > 0) await sleep(Number(interval));
}
db.close();
process.stdout.write(`done ${to}\n`);
