// Model-based test: random SQLite workloads become L0 files, compactions and snapshots; every restore must equal the shadow copy.
import Database from 'better-sqlite3';
import fc from 'fast-check';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { checksumDatabaseFile } from '../../core/ltx/database.ts';
import { SNAPSHOT_LEVEL } from '../../core/ltx/types.ts';
import { FileReplicaClient } from '../../core/replica/file.ts';
import { listReplicaFiles } from '../../core/restore/list.ts';
import { refKey } from '../../core/restore/refs.ts';
import { restoreDatabase } from '../../core/restore/restore.ts';
import { makeTempDir, removeTempDir } from '../harness/tmp.ts';
import { ReplicaBuilder } from '../restore/replica-builder.ts';

/** What the model knows: the current TXID and how far each compaction level reaches. */
interface Model {
  txid: number;
  levelMax: [number, number, number];
  snapshots: number;
}

interface Real {
  dir: string;
  dbPath: string;
  db: Database.Database;
  builder: ReplicaBuilder;
  client: FileReplicaClient;
  restores: number;
  schemaCounter: number;
}

type Op =
  | { kind: 'insert'; rows: number; size: number }
  | { kind: 'blob'; size: number }
  | { kind: 'update'; mod: number }
  | { kind: 'delete'; mod: number }
  | { kind: 'schema'; which: 'create' | 'index' | 'drop' | 'alter' }
  | { kind: 'vacuum' };

const opArb: fc.Arbitrary<Op> = fc.oneof(
  { weight: 4, arbitrary: fc.record({ kind: fc.constant('insert' as const), rows: fc.integer({ min: 1, max: 40 }), size: fc.integer({ min: 0, max: 300 }) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('blob' as const), size: fc.integer({ min: 0, max: 20_000 }) }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('update' as const), mod: fc.integer({ min: 1, max: 5 }) }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('delete' as const), mod: fc.integer({ min: 1, max: 5 }) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('schema' as const), which: fc.constantFrom('create' as const, 'index' as const, 'drop' as const, 'alter' as const) }) },
  { weight: 1, arbitrary: fc.constant({ kind: 'vacuum' as const }) },
);

function applyOp(real: Real, op: Op): void {
  const { db } = real;
  switch (op.kind) {
    case 'insert': {
      const stmt = db.prepare('INSERT INTO t (v, b) VALUES (?, ?)');
      db.transaction(() => {
        for (let i = 0; i < op.rows; i++) stmt.run(`v${i}-${'y'.repeat(op.size)}`, null);
      })();
      break;
    }
    case 'blob':
      db.prepare('INSERT INTO t (v, b) VALUES (?, ?)').run('blob', Buffer.alloc(op.size, op.size & 0xff));
      break;
    case 'update':
      db.prepare('UPDATE t SET v = v || ? WHERE id % ? = 0').run('u', op.mod);
      break;
    case 'delete':
      db.prepare('DELETE FROM t WHERE id % ? = 0').run(op.mod + 1);
      break;
    case 'schema': {
      const n = ++real.schemaCounter;
      if (op.which === 'create') db.exec(`CREATE TABLE extra_${n} (a INTEGER PRIMARY KEY, b TEXT); INSERT INTO extra_${n} (b) VALUES ('x')`);
      else if (op.which === 'index') db.exec(`CREATE INDEX IF NOT EXISTS t_v_${n} ON t (v)`);
      else if (op.which === 'alter') db.exec(`ALTER TABLE t ADD COLUMN c${n} TEXT DEFAULT 'd'`);
      else {
        const victim = db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name LIKE 'extra_%' LIMIT 1").get() as { name: string } | undefined;
        if (victim) db.exec(`DROP TABLE ${victim.name}`);
      }
      break;
    }
    case 'vacuum':
      db.exec('VACUUM');
      break;
  }
  // Every step must change the file, so each one is exactly one TXID.
  db.prepare('UPDATE counter SET n = n + 1').run();
}

class WriteCommand implements fc.AsyncCommand<Model, Real> {
  readonly op: Op;
  constructor(op: Op) {
    this.op = op;
  }
  check = (): boolean => true;
  async run(model: Model, real: Real): Promise<void> {
    applyOp(real, this.op);
    const shadow = await real.builder.commit(real.dbPath);
    model.txid++;
    expect(shadow.txid).toBe(model.txid);
  }
  toString = (): string => `write(${JSON.stringify(this.op)})`;
}

/** Litestream's rule: merge every source-level file after the destination's max into one file. */
class CompactCommand implements fc.AsyncCommand<Model, Real> {
  readonly level: 1 | 2;
  constructor(level: 1 | 2) {
    this.level = level;
  }
  check = (m: Readonly<Model>): boolean => (this.level === 1 ? m.txid : m.levelMax[1]) > m.levelMax[this.level];
  async run(model: Model, real: Real): Promise<void> {
    const to = this.level === 1 ? model.txid : model.levelMax[1];
    await real.builder.compact(this.level, model.levelMax[this.level] + 1, to, this.level - 1);
    model.levelMax[this.level] = to;
  }
  toString = (): string => `compact(L${this.level})`;
}

class SnapshotCommand implements fc.AsyncCommand<Model, Real> {
  check = (m: Readonly<Model>): boolean => m.txid > 0;
  async run(model: Model, real: Real): Promise<void> {
    await real.builder.snapshot(model.txid);
    model.snapshots++;
  }
  toString = (): string => 'snapshot';
}

type Variant = 'l0' | 'levels' | 'all';

/** Restores at a TXID (or just after a TXID's timestamp) through one kind of path and compares with the shadow. */
class RestoreCommand implements fc.AsyncCommand<Model, Real> {
  readonly pick: number;
  readonly byTime: boolean;
  readonly variant: Variant;
  constructor(pick: number, byTime: boolean, variant: Variant) {
    this.pick = pick;
    this.byTime = byTime;
    this.variant = variant;
  }
  check = (m: Readonly<Model>): boolean => m.txid > 0;
  async run(model: Model, real: Real): Promise<void> {
    const txid = 1 + Math.floor(this.pick * model.txid);
    await expectRestore(real, txid, this.variant, this.byTime);
  }
  toString = (): string => `restore(${this.pick.toFixed(2)}, ${this.byTime ? 'time' : 'txid'}, ${this.variant})`;
}

async function expectRestore(real: Real, txid: number, variant: Variant, byTime: boolean): Promise<void> {
  const files = await listReplicaFiles(real.client);
  const exclude = new Set(
    files.filter((f) => (variant === 'l0' ? f.level !== 0 : variant === 'levels' ? f.level === SNAPSHOT_LEVEL : false)).map(refKey),
  );
  const shadow = real.builder.shadows[txid - 1];
  const outputPath = join(real.dir, `restore-${++real.restores}.db`);
  const target = byTime ? { timestamp: new Date(shadow.timestamp.getTime() + 1 + (txid % 900)) } : { txid };
  const result = await restoreDatabase(real.client, { outputPath, ...target, exclude, integrityCheck: 'quick', parallelism: 3 });
  expect(result.txid).toBe(txid);
  if (variant === 'l0') expect(result.files.every((f) => f.level === 0)).toBe(true);
  expect(await checksumDatabaseFile(outputPath)).toBe(shadow.checksum);
}

const commandsArb = fc.commands(
  [
    opArb.map((op) => new WriteCommand(op)),
    opArb.map((op) => new WriteCommand(op)),
    opArb.map((op) => new WriteCommand(op)),
    fc.constantFrom(1 as const, 2 as const).map((level) => new CompactCommand(level)),
    fc.constant(new SnapshotCommand()),
    fc
      .tuple(fc.integer({ min: 0, max: 999 }), fc.boolean(), fc.constantFrom<Variant>('l0', 'levels', 'all'))
      .map(([pick, byTime, variant]) => new RestoreCommand(pick / 1000, byTime, variant)),
  ],
  { maxCommands: 30, size: 'large' },
);

describe('restore model', () => {
  it('restores equal the shadow at every TXID and timestamp, through L0, levels and snapshots alike', async () => {
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(512, 1024, 4096), commandsArb, async (pageSize, commands) => {
        const dir = await makeTempDir('restore-model');
        const dbPath = join(dir, 'live.db');
        const db = new Database(dbPath);
        try {
          db.pragma(`page_size = ${pageSize}`);
          db.pragma('journal_mode = DELETE');
          db.exec("CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT, b BLOB); CREATE TABLE counter (n INTEGER); INSERT INTO counter VALUES (0)");
          const client = new FileReplicaClient(join(dir, 'replica'));
          const real: Real = { dir, dbPath, db, client, builder: new ReplicaBuilder(client, dir), restores: 0, schemaCounter: 0 };
          await real.builder.commit(dbPath);
          const model: Model = { txid: 1, levelMax: [0, 0, 0], snapshots: 0 };
          await fc.asyncModelRun(() => ({ model, real }), commands);
          // The latest state must come out the same through every kind of path.
          for (const variant of ['l0', 'levels', 'all'] as const) {
            if (variant === 'levels' && model.levelMax[1] === 0) continue;
            await expectRestore(real, model.txid, variant, false);
          }
        } finally {
          db.close();
          await removeTempDir(dir);
        }
      }),
      { numRuns: 15, endOnFailure: true },
    );
  });
});
