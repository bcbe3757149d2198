// Test workload: a separate process that holds a read transaction for a while (pins WAL frames).
// Usage: node reader.ts <db> <hold ms>
import BetterSqlite3 from 'better-sqlite3';

const [dbPath, holdArg] = process.argv.slice(2);
const db = new BetterSqlite3(dbPath, { readonly: true });
db.exec('BEGIN');
db.prepare('SELECT COUNT(*) FROM sqlite_master').get();
process.stdout.write('locked\n');
await new Promise((r) => setTimeout(r, Number(holdArg)));
db.exec('COMMIT');
db.close();
