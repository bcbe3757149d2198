// Test workload: runs the WAL syncer in its own process (sync loop) so a test can kill -9 it mid-sync.
// Usage: node syncer.ts '<DatabaseSettings JSON>' [interval ms]
import { Database } from '../../../agent/database.ts';
import type { DatabaseSettings } from '../../../agent/database-api.ts';

const settings = JSON.parse(process.argv[2]) as DatabaseSettings;
const interval = Number(process.argv[3] ?? '5');
const db = new Database(settings);
await db.open();
process.stdout.write(`open ${db.txid()}\n`);
for (;;) {
  const r = await db.sync();
  if (r.files.length > 0) process.stdout.write(`sync ${r.txid} ${r.snapshot ? 'snapshot' : 'incremental'}\n`);
  await new Promise((res) => setTimeout(res, interval));
}
