// The one owner of raw file access to a replicated database: a long-lived descriptor of the main file, WAL reads.
import { closeSync, fstatSync, openSync, statSync } from 'node:fs';
import { open } from 'node:fs/promises';
import type { Stats } from 'node:fs';
import type { SqliteConnections } from './sqlite-connections.ts';
import { fileSource, readWalHeader } from './wal/reader.ts';
import type { WalHeader } from '../core/sqlite/wal-format.ts';
import type { ByteSource } from './wal/reader.ts';

/** A file's identity: the same path may name another file after a delete and re-create. */
export interface FileIdentity {
  dev: number;
  ino: number;
}

/** The WAL file opened for one sync. */
export interface WalFile {
  source: ByteSource;
  identity: FileIdentity;
  close(): void;
}

/** Why the files under the agent's SQLite connections are no longer the ones at the path. */
export interface FileChange {
  kind: 'db-replaced' | 'db-missing' | 'wal-replaced' | 'wal-missing';
  reason: string;
}

function identityOf(st: Stats): FileIdentity {
  return { dev: st.dev, ino: st.ino };
}

function sameFile(a: FileIdentity, b: FileIdentity): boolean {
  return a.dev === b.dev && a.ino === b.ino;
}

function statOrNull(path: string): Stats | null {
  try {
    return statSync(path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw err;
  }
}

/** Size of a file by path (stat opens no descriptor); 0 when it does not exist. */
export function fileSize(path: string): number {
  return statOrNull(path)?.size ?? 0;
}

/**
 * On Linux and macOS, closing ANY descriptor of a file drops EVERY POSIX lock the process holds on it, the
 * SQLite connections' locks included (SQLite "How To Corrupt An SQLite Database File", §2.2). Without its
 * SHARED lock, the application's last closing connection thinks it is alone, checkpoints and deletes the WAL
 * under the agent. So this module opens the database file exactly once, before the agent's SQLite connections,
 * and closes that descriptor only after them; nothing else in the agent opens the database file or its -shm
 * (test/agent/file-access-guard.test.ts fails if something does). The WAL carries no SQLite locks: it is opened
 * per read, by path, so a deleted or replaced WAL is never read on.
 */
export class DbFile {
  readonly path: string;
  readonly walPath: string;
  readonly conns: SqliteConnections;
  private fd: number | null = null;
  private dbIdentity: FileIdentity | null = null;
  /** The WAL our connections have open, learned once it exists after they opened. */
  private walIdentity: FileIdentity | null = null;
  private dbSource: ByteSource | null = null;

  constructor(path: string, conns: SqliteConnections) {
    this.path = path;
    this.walPath = `${path}-wal`;
    this.conns = conns;
  }

  get isOpen(): boolean {
    return this.fd !== null;
  }

  /** Opens our descriptor, then the SQLite connections (which must never outlive it). */
  open(): void {
    if (this.fd !== null) return;
    let fd: number;
    try {
      fd = openSync(this.path, 'r');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') {
        throw new Error(`database ${this.path} does not exist; it is replicated once the application creates it`);
      }
      throw err;
    }
    this.fd = fd;
    this.dbIdentity = identityOf(fstatSync(fd));
    this.dbSource = fileSource(fd);
    try {
      this.conns.open();
      const now = statOrNull(this.path);
      if (!now || !sameFile(identityOf(now), this.dbIdentity)) {
        throw new Error(`database ${this.path} was replaced while the agent opened it; the next sync opens it again`);
      }
      this.noteWal();
    } catch (err) {
      this.close();
      throw err;
    }
  }

  /** Closes the SQLite connections, then our descriptor (closing it first would drop their locks). */
  close(): void {
    try {
      this.conns.close();
    } finally {
      if (this.fd !== null) closeSync(this.fd);
      this.fd = null;
      this.dbSource = null;
      this.dbIdentity = null;
      this.walIdentity = null;
    }
  }

  /** The main database file, read through the long-lived descriptor. */
  db(): ByteSource {
    if (!this.dbSource) throw new Error(`database ${this.path}: file access used while closed`);
    return this.dbSource;
  }

  private noteWal(): void {
    const st = statOrNull(this.walPath);
    this.walIdentity = st ? identityOf(st) : null;
  }

  /**
   * Whether the database file or the WAL at the path are still the ones our connections use. Only stat, which
   * opens nothing. A WAL that appears after the connections opened is taken as theirs.
   */
  change(): FileChange | null {
    const ours = this.dbIdentity;
    if (!ours) return null;
    const db = statOrNull(this.path);
    if (!db) return { kind: 'db-missing', reason: `database file ${this.path} was deleted` };
    if (!sameFile(identityOf(db), ours)) {
      return { kind: 'db-replaced', reason: `database file ${this.path} was replaced (inode ${ours.ino} -> ${db.ino})` };
    }
    const wal = statOrNull(this.walPath);
    if (!this.walIdentity) {
      if (wal) this.walIdentity = identityOf(wal);
      return null;
    }
    if (!wal) return { kind: 'wal-missing', reason: `WAL ${this.walPath} was deleted under the agent's connections` };
    if (!sameFile(identityOf(wal), this.walIdentity)) {
      return { kind: 'wal-replaced', reason: `WAL ${this.walPath} was replaced under the agent's connections (inode ${this.walIdentity.ino} -> ${wal.ino})` };
    }
    return null;
  }

  /** Opens the WAL for one read; null when there is none. */
  openWal(): WalFile | null {
    let fd: number;
    try {
      fd = openSync(this.walPath, 'r');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw err;
    }
    const identity = identityOf(fstatSync(fd));
    return { source: fileSource(fd), identity, close: () => closeSync(fd) };
  }

  /** True when an opened WAL is the one our connections use (it may have been replaced since change()). */
  isConnectionsWal(wal: WalFile): boolean {
    if (!this.walIdentity) this.walIdentity = wal.identity;
    return sameFile(wal.identity, this.walIdentity);
  }

  /** The WAL header on disk now; null when the WAL is missing, short or invalid. */
  walHeader(): WalHeader | null {
    const wal = this.openWal();
    if (!wal) return null;
    try {
      return readWalHeader(wal.source);
    } finally {
      wal.close();
    }
  }

  dbMtimeMs(): number {
    return statOrNull(this.path)?.mtimeMs ?? 0;
  }
}

const SQLITE_MAGIC = Buffer.from('SQLite format 3\0', 'latin1');

/**
 * Whether a file a `dir` entry matched is an SQLite database yet: its 100-byte header starts with the magic
 * string (an application's brand-new file may still be empty). This opens and closes a descriptor of the file,
 * which drops every POSIX lock THIS process holds on it, so it is only for candidates the agent does not serve
 * yet (agent/directory.ts never passes a path it already replicates). Other processes' locks are theirs and are
 * not touched.
 */
export async function hasSqliteHeader(path: string): Promise<boolean> {
  let handle;
  try {
    handle = await open(path, 'r');
  } catch {
    return false;
  }
  try {
    const header = Buffer.alloc(100);
    const { bytesRead } = await handle.read(header, 0, 100, 0);
    return bytesRead === 100 && header.subarray(0, SQLITE_MAGIC.length).equals(SQLITE_MAGIC);
  } catch {
    return false;
  } finally {
    await handle.close();
  }
}
