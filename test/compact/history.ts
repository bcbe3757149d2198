// Test helper: a real SQLite database whose every write transaction becomes one L0 LTX file, with known states.
import Database from 'better-sqlite3';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { encodeLtxToBuffer } from '../../core/ltx/encoder.ts';
import { newHeader } from '../../core/ltx/header.ts';
import type { LtxPage, TXID } from '../../core/ltx/types.ts';
import type { LtxFileInfo, ReplicaClient } from '../../core/replica/client.ts';
import { seededRandom } from '../harness/prng.ts';

export const T0 = Date.UTC(2026, 0, 1, 0, 0, 0);

export interface DbState {
  txid: TXID;
  timestamp: Date;
  /** The whole database file right after the transaction. */
  bytes: Buffer;
  /** The L0 file of this transaction (the changed pages; all of them for TXID 1). */
  l0: Uint8Array;
}

export interface HistoryOptions {
  seed?: number;
  /** Timestamp of TXID t is start + t * stepMs. */
  start?: number;
  stepMs?: number;
  /** Run VACUUM every n transactions so the database also shrinks (0: never). */
  vacuumEvery?: number;
}

function pagesOf(file: Buffer, pageSize: number): Buffer[] {
  const out: Buffer[] = [];
  for (let off = 0; off + pageSize <= file.length; off += pageSize) out.push(file.subarray(off, off + pageSize));
  return out;
}

function mutate(db: Database.Database, step: number, rnd: () => number, vacuumEvery: number): void {
  if (vacuumEvery > 0 && step % vacuumEvery === 0) {
    db.exec('DELETE FROM t WHERE id % 2 = 0');
    db.exec('VACUUM');
    return;
  }
  const kind = rnd();
  if (kind < 0.6) {
    const insert = db.prepare('INSERT INTO t (v, b) VALUES (?, ?)');
    db.transaction(() => {
      const n = 1 + Math.floor(rnd() * 12);
      for (let r = 0; r < n; r++) insert.run(`row-${step}-${r}`, Buffer.alloc(Math.floor(rnd() * 600), step & 0xff));
    })();
  } else if (kind < 0.85) {
    db.prepare('UPDATE t SET v = ? WHERE id % ? = 0').run(`upd-${step}`, 2 + Math.floor(rnd() * 5));
  } else {
    db.prepare('DELETE FROM t WHERE id % ? = 1').run(3 + Math.floor(rnd() * 5));
  }
}

/** Runs `steps` transactions on a 1 KiB-page rollback-journal database (the file holds each committed state). */
export async function makeHistory(dir: string, steps: number, options: HistoryOptions = {}): Promise<History> {
  const rnd = seededRandom(options.seed ?? 1);
  const path = join(dir, `source-${process.hrtime.bigint()}.db`);
  const db = new Database(path);
  const history = new History(options.start ?? T0, options.stepMs ?? 1000);
  try {
    db.pragma('page_size = 1024');
    db.pragma('journal_mode = DELETE');
    db.exec('CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT, b BLOB)');
    await history.record(await readFile(path));
    for (let step = 2; step <= steps; step++) {
      mutate(db, step, rnd, options.vacuumEvery ?? 0);
      await history.record(await readFile(path));
    }
  } finally {
    db.close();
  }
  return history;
}

export class History {
  readonly states: DbState[] = [];
  readonly start: number;
  readonly stepMs: number;
  #previous: Buffer[] = [];

  constructor(start: number, stepMs: number) {
    this.start = start;
    this.stepMs = stepMs;
  }

  get last(): TXID {
    return this.states.length;
  }

  timestampOf(txid: TXID): Date {
    return new Date(this.start + txid * this.stepMs);
  }

  state(txid: TXID): DbState {
    const s = this.states[txid - 1];
    if (!s) throw new Error(`no state for TXID ${txid}`);
    return s;
  }

  async record(file: Buffer): Promise<void> {
    const pageSize = file.readUInt16BE(16);
    const pages = pagesOf(file, pageSize);
    const changed: LtxPage[] = [];
    pages.forEach((data, i) => {
      const prev = this.#previous[i];
      if (!prev || !prev.equals(data)) changed.push({ pgno: i + 1, data });
    });
    const txid = this.states.length + 1;
    const timestamp = this.timestampOf(txid);
    const header = newHeader({ pageSize, commit: pages.length, minTXID: txid, maxTXID: txid, timestamp: timestamp.getTime() });
    const l0 = await encodeLtxToBuffer(header, changed);
    this.#previous = pages;
    this.states.push({ txid, timestamp, bytes: Buffer.from(file), l0 });
  }

  /** Uploads the L0 files of TXIDs from..to. */
  async writeL0(client: ReplicaClient, from: TXID = 1, to: TXID = this.last): Promise<LtxFileInfo[]> {
    const out: LtxFileInfo[] = [];
    for (let txid = from; txid <= to; txid++) {
      const s = this.state(txid);
      out.push(await client.writeLtxFile({ level: 0, minTXID: txid, maxTXID: txid }, s.l0));
    }
    return out;
  }
}

/** Reads a whole replica file into memory (test files are small). */
export async function readReplicaFile(client: ReplicaClient, ref: { level: number; minTXID: TXID; maxTXID: TXID }): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of await client.openLtxFile(ref)) chunks.push(Buffer.from(chunk as Uint8Array));
  return Buffer.concat(chunks);
}
