// Child process for v0.3 tests: commits transactions `from`..`from+count-1` and prints one JSON line per commit.
import Database from 'better-sqlite3';
import { setTimeout as sleep } from 'node:timers/promises';
import { applyTxn } from './workload.ts';

const [dbPath, fromArg, countArg, intervalArg, pauseEveryArg, pauseArg] = process.argv.slice(2);
const from = Number(fromArg);
const count = Number(countArg);
const interval = Number(intervalArg);
const pauseEvery = Number(pauseEveryArg);
const pause = Number(pauseArg);

const db = new Database(dbPath);
db.pragma('busy_timeout = 5000');
for (let seq = from; seq < from + count; seq++) {
  const begin = Date.now();
  applyTxn(db, seq);
  const end = Date.now();
  process.stdout.write(JSON.stringify({ seq, begin, end }) + '\n');
  await sleep((seq - from + 1) % pauseEvery === 0 ? pause : interval);
}
db.close();
