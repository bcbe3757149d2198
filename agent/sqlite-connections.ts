// The agent's own SQLite connections: set-up, the long-lived read lock, the write barrier and checkpoints.
import { existsSync } from 'node:fs';
import BetterSqlite3 from 'better-sqlite3';

type Connection = BetterSqlite3.Database;

export type CheckpointMode = 'PASSIVE' | 'FULL' | 'RESTART' | 'TRUNCATE';

export interface CheckpointResult {
  /** 1 when the checkpoint could not run to completion (SQLITE_BUSY). */
  busy: number;
  /** Frames in the WAL, or -1. */
  log: number;
  /** Frames copied into the database file, or -1. */
  checkpointed: number;
}

const BUMP_SQL = 'INSERT INTO _litestream_seq (id, seq) VALUES (1, 1) ON CONFLICT (id) DO UPDATE SET seq = seq + 1';

/**
 * Page cache of the agent's connections: none. The agent only touches its two tiny tables and the schema (the
 * OS page cache serves those), and with a thousand databases even SQLite's 64 KiB minimum pool per connection
 * is over 200 MiB of RSS.
 */
const AGENT_CACHE_SIZE = 0;

/**
 * The writable connections close after this long unused and reopen on demand: an idle database then costs one
 * connection (the reader's, ~120 KiB) instead of three. SQLite defers closing their file descriptors while the
 * reader holds its lock on the same file (unix VFS pending fds), so closing them never drops the read lock.
 */
const WRITER_IDLE_CLOSE_MS = 30_000;

export function isBusyError(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  return code === 'SQLITE_BUSY' || code === 'SQLITE_BUSY_SNAPSHOT' || code === 'SQLITE_LOCKED';
}

/**
 * Three connections, because SQLite ties each role to connection state:
 * - `control` (read-write) takes the write barrier and commits the `_litestream_seq` bumps;
 * - `checkpointer` (read-write) runs `PRAGMA wal_checkpoint`, which needs a connection with no open
 *   transaction while the barrier is held;
 * - `reader` (read-only) holds the long-lived read transaction. It is closed last: SQLite checkpoints and
 *   deletes the WAL when the last connection closes, but a read-only connection cannot checkpoint, so the
 *   WAL survives our shutdown (better-sqlite3 offers no SQLITE_FCNTL_PERSIST_WAL).
 */
export class SqliteConnections {
  readonly path: string;
  private readonly busyTimeout: number;
  private control: Connection | null = null;
  private checkpointer: Connection | null = null;
  private reader: Connection | null = null;
  private readLocked = false;
  private barrier = false;
  private idleTimer: NodeJS.Timeout | undefined;
  private readonly writerIdleCloseMs: number;

  constructor(path: string, busyTimeout: number, options: { writerIdleCloseMs?: number } = {}) {
    this.path = path;
    this.busyTimeout = busyTimeout;
    this.writerIdleCloseMs = options.writerIdleCloseMs ?? WRITER_IDLE_CLOSE_MS;
  }

  /** How many of the three connections are open now (the writable two close while idle). */
  get openConnections(): number {
    return [this.control, this.checkpointer, this.reader].filter((c) => c !== null).length;
  }

  open(): void {
    if (!existsSync(this.path)) throw new Error(`database ${this.path} does not exist; it is replicated once the application creates it`);
    try {
      const control = this.openWritable();
      this.control = control;
      const mode = control.pragma('journal_mode = wal', { simple: true });
      if (String(mode).toLowerCase() !== 'wal') {
        throw new Error(`database ${this.path}: could not switch to WAL mode (journal_mode is ${String(mode)}); is another process holding it in exclusive mode?`);
      }
      control.exec('CREATE TABLE IF NOT EXISTS _litestream_seq (id INTEGER PRIMARY KEY, seq INTEGER)');
      control.exec('CREATE TABLE IF NOT EXISTS _litestream_lock (id INTEGER)');
      this.touchWriters();
      this.reader = new BetterSqlite3(this.path, { readonly: true, fileMustExist: true });
      this.reader.pragma(`busy_timeout = ${this.busyTimeout}`);
      this.reader.pragma(`cache_size = ${AGENT_CACHE_SIZE}`);
    } catch (err) {
      this.close();
      throw err;
    }
  }

  private openWritable(): Connection {
    const conn = new BetterSqlite3(this.path, { fileMustExist: true });
    conn.pragma(`busy_timeout = ${this.busyTimeout}`);
    conn.pragma(`cache_size = ${AGENT_CACHE_SIZE}`);
    // Our commits must never checkpoint on their own: only the policy decides when frames may go.
    conn.pragma('wal_autocheckpoint = 0');
    return conn;
  }

  private need(conn: Connection | null): Connection {
    if (!conn) throw new Error(`database ${this.path}: the agent's connection is not open`);
    return conn;
  }

  /** The control connection, reopened if it was closed while idle. */
  private controlConn(): Connection {
    this.need(this.reader);
    this.touchWriters();
    return (this.control ??= this.openWritable());
  }

  private checkpointerConn(): Connection {
    this.need(this.reader);
    this.touchWriters();
    return (this.checkpointer ??= this.openWritable());
  }

  private touchWriters(): void {
    if (this.idleTimer) {
      this.idleTimer.refresh();
      return;
    }
    this.idleTimer = setTimeout(() => this.closeIdleWriters(), this.writerIdleCloseMs);
    this.idleTimer.unref();
  }

  /**
   * Closes the writable connections unless one is in a transaction or the reader is between read locks (then
   * they are tried again later): with the reader's lock held, closing a writer can never checkpoint the WAL away.
   */
  private closeIdleWriters(): void {
    this.idleTimer = undefined;
    if (!this.readLocked || this.barrier || this.control?.inTransaction || this.checkpointer?.inTransaction) {
      this.touchWriters();
      return;
    }
    this.control?.close();
    this.checkpointer?.close();
    this.control = this.checkpointer = null;
  }

  /**
   * Closes the writable connections now if they are idle, as the idle timer would later. The agent calls it after
   * each operation: a thousand databases checkpointing in the same second would otherwise hold two thousand
   * writers at once, and the freed SQLite memory stays resident (heap fragmentation), so the peak is what counts.
   */
  closeWritersIfIdle(): void {
    if (this.control === null && this.checkpointer === null) return;
    clearTimeout(this.idleTimer);
    this.closeIdleWriters();
  }

  pageSize(): number {
    return Number(this.need(this.reader).pragma('page_size', { simple: true }));
  }

  get isReadLocked(): boolean {
    return this.readLocked;
  }

  /** Starts the read transaction that stops other connections from checkpointing past it. */
  acquireReadLock(): void {
    if (this.readLocked) return;
    const reader = this.need(this.reader);
    reader.exec('BEGIN');
    try {
      reader.prepare('SELECT COUNT(1) FROM _litestream_seq').get();
    } catch (err) {
      reader.exec('ROLLBACK');
      throw err;
    }
    this.readLocked = true;
  }

  releaseReadLock(): void {
    if (!this.readLocked) return;
    this.readLocked = false;
    const reader = this.need(this.reader);
    if (reader.inTransaction) reader.exec('ROLLBACK');
  }

  /** Writes a row so the WAL gets a header and a frame (and restarts when fully checkpointed). */
  bumpSeq(): void {
    this.controlConn().prepare(BUMP_SQL).run();
  }

  /** Takes SQLite's write lock (BEGIN IMMEDIATE); false when another writer kept it past busy_timeout. */
  tryBeginBarrier(): boolean {
    if (this.barrier) return true;
    try {
      this.controlConn().exec('BEGIN IMMEDIATE');
    } catch (err) {
      if (isBusyError(err)) return false;
      throw err;
    }
    this.barrier = true;
    return true;
  }

  get hasBarrier(): boolean {
    return this.barrier;
  }

  /** Ends the barrier, committing a seq bump in the same transaction (so a restarted WAL gets its header). */
  commitBarrierWithBump(): void {
    if (!this.barrier) return;
    const control = this.controlConn();
    try {
      control.prepare(BUMP_SQL).run();
      control.exec('COMMIT');
    } finally {
      this.barrier = false;
      if (control.inTransaction) control.exec('ROLLBACK');
    }
  }

  rollbackBarrier(): void {
    if (!this.barrier) return;
    this.barrier = false;
    const control = this.controlConn();
    if (control.inTransaction) control.exec('ROLLBACK');
  }

  /** Bytes kept when the control connection restarts the WAL (-1: never truncate, SQLite's default). */
  setJournalSizeLimit(bytes: number): void {
    this.controlConn().pragma(`journal_size_limit = ${Math.trunc(bytes)}`);
  }

  checkpoint(mode: CheckpointMode): CheckpointResult {
    const rows = this.checkpointerConn().pragma(`wal_checkpoint(${mode})`) as CheckpointResult[];
    const row = rows[0];
    return { busy: Number(row.busy), log: Number(row.log), checkpointed: Number(row.checkpointed) };
  }

  /** Closes writers first and the read-only connection last so the WAL file is kept. */
  close(): void {
    clearTimeout(this.idleTimer);
    this.idleTimer = undefined;
    this.readLocked = false;
    this.barrier = false;
    for (const conn of [this.control, this.checkpointer, this.reader]) {
      try {
        if (conn?.inTransaction) conn.exec('ROLLBACK');
      } catch {
        // closing anyway
      }
    }
    this.control?.close();
    this.checkpointer?.close();
    this.reader?.close();
    this.control = this.checkpointer = this.reader = null;
  }
}
