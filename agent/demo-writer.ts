// The demo's application: a separate process that inserts rows at a steady rate and prints its commit times as JSON.
import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import BetterSqlite3 from 'better-sqlite3';

/** Inserts rows at about `rate` transactions per second for `seconds`; returns each commit's time (ms). */
export async function writeRows(path: string, seconds: number, rate: number): Promise<number[]> {
  const db = new BetterSqlite3(path);
  db.pragma('busy_timeout = 5000');
  const insert = db.prepare('INSERT INTO events (at, kind, payload) VALUES (?, ?, ?)');
  const kinds = ['signup', 'login', 'purchase', 'logout'];
  const commits: number[] = [];
  const start = Date.now();
  const end = start + seconds * 1000;
  try {
    while (Date.now() < end) {
      insert.run(Date.now(), kinds[commits.length % kinds.length], randomBytes(48).toString('base64'));
      commits.push(Date.now());
      const due = start + (commits.length * 1000) / rate;
      await sleep(Math.max(0, due - Date.now()));
    }
  } finally {
    db.close();
  }
  return commits;
}

if (import.meta.filename === process.argv[1]) {
  const [path, seconds, rate] = process.argv.slice(2);
  const commits = await writeRows(path, Number(seconds), Number(rate));
  process.stdout.write(JSON.stringify(commits));
}
