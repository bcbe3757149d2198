// Only agent/db-file.ts opens the replicated database file (once per connection lifetime), and nothing opens its -shm.
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import { syncBuiltinESMExports } from 'node:module';
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { Agent } from '../../agent/agent.ts';
import { Database } from '../../agent/database.ts';
import type { DatabaseSettings } from '../../agent/database-api.ts';
import { openReplicaClient } from '../../core/replica/open.ts';
import { useTempDirs } from '../harness/tmp.ts';
import { syncUntilIdle } from './workload/chain.ts';
import { captureLogger } from './workload/capture-log.ts';
import { HAVE_SQLITE3_CLI, createCliDatabase, insertRows, sqliteCli } from './workload/sqlite-cli.ts';
import { agentConfig, l0Txids, waitFor } from './replicator-helpers.ts';

const tempDir = useTempDirs();
const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const OWNER = '/agent/db-file.ts';

interface OpenCall {
  fn: string;
  path: string;
  stack: string;
}

/** Every call that opens a file by name, recorded with its stack (node:fs and node:fs/promises). */
const calls: OpenCall[] = [];
const originals: Array<() => void> = [];
const FS_OPENERS = [
  'open', 'openSync', 'readFile', 'readFileSync', 'writeFile', 'writeFileSync', 'appendFile', 'appendFileSync',
  'createReadStream', 'createWriteStream', 'truncate', 'truncateSync', 'copyFile', 'copyFileSync',
] as const;
const PROMISE_OPENERS = ['open', 'readFile', 'writeFile', 'appendFile', 'truncate', 'copyFile'] as const;

function pathOf(arg: unknown): string | null {
  if (typeof arg === 'string') return resolve(arg);
  if (arg instanceof URL) return fileURLToPath(arg);
  if (Buffer.isBuffer(arg)) return resolve(arg.toString());
  return null;
}

function wrap(target: Record<string, unknown>, name: string, label: string): void {
  const original = target[name] as (...args: unknown[]) => unknown;
  if (typeof original !== 'function') return;
  target[name] = function (this: unknown, ...args: unknown[]) {
    const path = pathOf(args[0]);
    const stack = new Error().stack ?? '';
    // A read stream opens through fs.open internally; the createReadStream call itself was recorded already.
    if (path && !stack.includes('node:internal/fs/streams')) calls.push({ fn: label, path, stack });
    return original.apply(this, args);
  };
  originals.push(() => {
    target[name] = original;
  });
}

beforeAll(() => {
  for (const name of FS_OPENERS) wrap(fs as unknown as Record<string, unknown>, name, `fs.${name}`);
  for (const name of PROMISE_OPENERS) wrap(fsp as unknown as Record<string, unknown>, name, `fs/promises.${name}`);
  syncBuiltinESMExports();
});
afterAll(() => {
  for (const restore of originals.splice(0)) restore();
  syncBuiltinESMExports();
});
beforeEach(() => {
  calls.length = 0;
});

/** Opens of the database file and its -shm, and of the WAL, with the offending stacks for the message. */
function opensOf(dbPath: string): { db: OpenCall[]; shm: OpenCall[]; wal: OpenCall[] } {
  return {
    db: calls.filter((c) => c.path === dbPath),
    shm: calls.filter((c) => c.path === `${dbPath}-shm`),
    wal: calls.filter((c) => c.path === `${dbPath}-wal`),
  };
}

function expectOnlyOwner(list: OpenCall[], what: string): void {
  const strangers = list.filter((c) => !c.stack.includes(OWNER));
  expect(strangers.map((c) => `${c.fn} ${c.path}\n${c.stack}`), `${what} opened outside ${OWNER}`).toEqual([]);
}

describe.skipIf(!HAVE_SQLITE3_CLI)('raw access to the database file', () => {
  it('a Database through syncs, a snapshot, PASSIVE and TRUNCATE checkpoints and a restart opens the file once per lifetime, only in db-file.ts', async () => {
    const dir = await tempDir('guard');
    const path = join(dir, 'app.db');
    await createCliDatabase(path);
    const settings: DatabaseSettings = {
      path, metaPath: join(dir, 'meta'), busyTimeout: 5000, minCheckpointPageCount: 40, truncatePageN: 300,
      checkpointInterval: 0, maxSyncWalBytes: 64 * 1024 * 1024,
    };
    const log = captureLogger();
    const db = new Database(settings, log.logger);
    await db.open();
    try {
      await db.sync();
      for (let i = 0; i < 5; i++) {
        await insertRows(path, i);
        await db.sync();
      }
      expect((await db.sync({ forceSnapshot: true })).snapshot).toBe(true);
      for (let i = 0; i < 6 && !log.find('checkpoint').some((l) => l.mode === 'PASSIVE'); i++) {
        await insertRows(path, 10 + i, 20, 3000);
        await syncUntilIdle(db);
      }
      await insertRows(path, 30, 350, 3000);
      await syncUntilIdle(db);
    } finally {
      await db.close();
    }
    const modes = new Set(log.find('checkpoint').map((l) => l.mode));
    expect(modes).toContain('PASSIVE');
    expect(modes).toContain('TRUNCATE');

    // The application checkpoints and deletes the WAL while the agent is down; the restart reads the file
    // through its descriptor to compare checksums.
    await sqliteCli(path, 'SELECT COUNT(*) FROM t;');
    const again = new Database(settings, log.logger);
    await again.open();
    try {
      await insertRows(path, 20);
      expect((await again.sync()).snapshot).toBe(false);
    } finally {
      await again.close();
    }
    expect(log.find('continuing from the current WAL without a snapshot')).toHaveLength(1);

    const opens = opensOf(path);
    expect(opens.db, 'one open of the database file per connection lifetime').toHaveLength(2);
    expectOnlyOwner(opens.db, 'the database file');
    expect(opens.shm).toEqual([]);
    expect(opens.wal.length).toBeGreaterThan(0);
    expectOnlyOwner(opens.wal, 'the WAL');
  });

  it('the Agent replicating to a file replica opens the database file once, only in db-file.ts', async () => {
    const dir = await tempDir('guard-agent');
    const path = join(dir, 'app.db');
    await createCliDatabase(path);
    const replica = { type: 'file' as const, path: join(dir, 'replica') };
    const agent = new Agent(agentConfig([{ path, replica }]), { maintenanceInWorker: false, maintenanceInterval: 200 });
    await agent.start();
    try {
      // Each insert waits for its own upload, so the agent runs several syncs however fast the writer is.
      const client = openReplicaClient(replica);
      for (let i = 0; i < 3; i++) {
        const before = (await l0Txids(client)).length;
        await insertRows(path, i);
        await waitFor(async () => (await l0Txids(client)).length > before, 15_000, 'uploads');
      }
      await agent.runMaintenanceOnce();
    } finally {
      expect(await agent.stop()).toBe(true);
    }
    const opens = opensOf(path);
    expect(opens.db).toHaveLength(1);
    expectOnlyOwner(opens.db, 'the database file');
    expect(opens.shm).toEqual([]);
    expectOnlyOwner(opens.wal, 'the WAL');
  });
});

/**
 * Cheap static guard: which agent modules may import node:fs functions that open files by name, and why. A new
 * entry needs a reason that rules out the replicated database file.
 */
const MAY_OPEN_FILES: Record<string, string> = {
  'agent/db-file.ts': 'the owner of the database file and WAL',
  'agent/l0/store.ts': 'local L0 files and their temporary files (list, write, open for upload, prune)',
  'agent/checksum-sidecar.ts': 'the page-checksum file in the meta directory',
  'cli/commands/ltxfile.ts': 'LTX files and databases named on the command line (no agent running)',
  'cli/commands/version.ts': 'package.json',
  'cli/remote-restore.ts': 'the restored output file downloaded from the restore Lambda (no agent running)',
};
const OPENING_NAMES = new Set([...FS_OPENERS, ...PROMISE_OPENERS]);

function sourcesUnder(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile() && e.name.endsWith('.ts'))
    .map((e) => join(e.parentPath, e.name));
}

describe('static guard', () => {
  it('only listed agent modules import file-opening functions from node:fs', () => {
    const found: Record<string, string[]> = {};
    for (const file of sourcesUnder(join(ROOT, 'agent'))) {
      const text = readFileSync(file, 'utf8');
      const rel = relative(ROOT, file);
      for (const m of text.matchAll(/^import\s+(?!type\b)([^;]+?)\s+from\s+'(node:)?fs(\/promises)?';/gm)) {
        const clause = m[1];
        const names = /^\{([^}]*)\}$/.test(clause.trim())
          ? clause.replace(/[{}]/g, '').split(',').map((n) => n.trim().split(/\s+as\s+/)[0]).filter((n) => n && !n.startsWith('type '))
          : ['* (whole module)'];
        const opening = names.filter((n) => OPENING_NAMES.has(n as never) || n.startsWith('*'));
        if (opening.length > 0) found[rel] = opening;
      }
    }
    const unlisted = Object.keys(found).filter((f) => !(f in MAY_OPEN_FILES));
    expect(unlisted.map((f) => `${f}: ${found[f].join(', ')}`), 'agent modules opening files by name; add them to MAY_OPEN_FILES with a reason, or go through agent/db-file.ts').toEqual([]);
    const dbOpeners = Object.keys(found).filter((f) => /openSync/.test(found[f].join()) && f !== 'agent/db-file.ts');
    expect(dbOpeners).toEqual([]);
  });
});
