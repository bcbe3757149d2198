// Test workload: a separate writer process doing random inserts, updates, deletes, schema changes and VACUUMs.
// Usage: node writer.ts <db> <seed> <ops> [autocheckpoint pages, 0 = off] [max sleep ms between ops] [max run ms]
// Creating the file <db>.stop makes it finish cleanly after the current operation.
import { existsSync } from 'node:fs';
import BetterSqlite3 from 'better-sqlite3';
import { seededRandom } from '../../harness/prng.ts';

const [dbPath, seedArg, opsArg, autoArg = '0', sleepArg = '0', maxMsArg = '0'] = process.argv.slice(2);
if (!dbPath) throw new Error('usage: writer.ts <db> <seed> <ops> [autocheckpoint] [sleepMs]');
const rand = seededRandom(Number(seedArg));
const ops = Number(opsArg);
const sleepMs = Number(sleepArg);
const deadline = Number(maxMsArg) > 0 ? Date.now() + Number(maxMsArg) : Number.POSITIVE_INFINITY;

const db = new BetterSqlite3(dbPath);
db.pragma('busy_timeout = 10000');
db.pragma('journal_mode = wal');
db.pragma(`wal_autocheckpoint = ${Number(autoArg)}`);
db.exec('CREATE TABLE IF NOT EXISTS items (id INTEGER PRIMARY KEY, name TEXT, body BLOB)');

const pick = (n: number): number => Math.floor(rand() * n);
let extraTables = 0;

function blob(): Buffer {
  // Mostly small rows; some span several overflow pages.
  const size = rand() < 0.15 ? 5000 + pick(20000) : 10 + pick(600);
  const b = Buffer.alloc(size);
  for (let i = 0; i < size; i += 97) b[i] = pick(256);
  return b;
}

function step(i: number): void {
  const r = rand();
  if (r < 0.4) {
    const ins = db.prepare('INSERT INTO items (name, body) VALUES (?, ?)');
    db.transaction(() => {
      for (let k = 0, n = 1 + pick(8); k < n; k++) ins.run(`n${i}-${k}`, blob());
    })();
  } else if (r < 0.6) {
    db.prepare('UPDATE items SET body = ?, name = name || ? WHERE id IN (SELECT id FROM items ORDER BY random() LIMIT 3)').run(blob(), 'u');
  } else if (r < 0.75) {
    db.prepare('DELETE FROM items WHERE id IN (SELECT id FROM items ORDER BY random() LIMIT ?)').run(1 + pick(5));
  } else if (r < 0.82) {
    const t = `extra${extraTables++}`;
    db.exec(`CREATE TABLE ${t} (a INTEGER, b TEXT); CREATE INDEX ${t}_a ON ${t}(a)`);
    db.prepare(`INSERT INTO ${t} (a, b) SELECT id, name FROM items LIMIT 50`).run();
    if (rand() < 0.5) db.exec(`ALTER TABLE ${t} ADD COLUMN c BLOB DEFAULT x'00ff'`);
  } else if (r < 0.86 && extraTables > 0) {
    db.exec(`DROP TABLE IF EXISTS extra${pick(extraTables)}`);
  } else if (r < 0.9) {
    // Growth then shrink.
    db.prepare('INSERT INTO items (name, body) SELECT name, body FROM items LIMIT 40').run();
    if (rand() < 0.5) db.exec('DELETE FROM items WHERE id % 3 = 0');
  } else if (r < 0.93) {
    db.exec('VACUUM');
  } else {
    db.prepare('UPDATE items SET name = upper(name) WHERE id % 5 = ?').run(pick(5));
  }
}

const stopFile = `${dbPath}.stop`;
for (let i = 0; i < ops && Date.now() < deadline && !existsSync(stopFile); i++) {
  step(i);
  if (sleepMs > 0) await new Promise((r) => setTimeout(r, sleepMs * rand()));
}
db.close();
process.stdout.write('done\n');
