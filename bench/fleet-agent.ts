// The fleet bench's agent child. Run from the sources or bundled by scripts/build.mjs (`bench/fleet.ts --bundle`), so
// the bundle's memory is what gets measured.
import { runAgentChild } from './agent-child.ts';

await runAgentChild(process.argv[2], {
  logLevel: 'warn',
  flushMs: 500,
  // A thousand databases: only what the lag and the idle-upload counts need.
  event: (e) => ({ db: e.db, txid: e.txid, ackAt: e.ackAt, syncStartedAt: e.syncStartedAt }),
  runtimeFlags: true,
});
