// Keeps the set of databases of one `dir` entry current: fs.watch for prompt news, a periodic rescan as the safety net.
import { watch, type Dirent, type FSWatcher } from 'node:fs';
import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { globMatcher } from '../core/config/dir-entry.ts';
import type { DirConfig } from '../core/config/types.ts';
import { hasSqliteHeader } from './db-file.ts';
import { silentLogger, type Logger } from './logger.ts';

/** SQLite's side files and our own staging: never databases, whatever the pattern says. */
const SIDE_FILE = /-(wal|shm|journal)$/;
const STAGING_DIR = /^\..*-(streambed|litestream)$/;

/** Default full rescan period: fs.watch misses events on some filesystems (NFS, some FUSE and overlay mounts). */
export const DEFAULT_RESCAN_INTERVAL = 10_000;
/** Events arrive in bursts (a new database is created, written, then gets its WAL): one scan per burst. */
const EVENT_SETTLE_MS = 100;

export interface DirectoryEvents {
  /** A new database appeared (valid SQLite header); the watcher never reports a path twice while it is known. */
  found(dbPath: string): Promise<void>;
  /** A known database no longer exists at its path. */
  gone(dbPath: string): Promise<void>;
}

export interface DirectoryWatcherOptions {
  logger?: Logger;
  rescanInterval?: number;
}

export class DirectoryWatcher {
  readonly entry: DirConfig;
  private readonly events: DirectoryEvents;
  private readonly logger: Logger;
  private readonly rescanInterval: number;
  private readonly matches: (name: string) => boolean;
  /** The databases reported found and not yet gone. */
  private readonly known = new Set<string>();
  private watcher: FSWatcher | undefined;
  private timer: NodeJS.Timeout | undefined;
  private settleTimer: NodeJS.Timeout | undefined;
  private scanRun: Promise<void> | undefined;
  private scanAgain = false;
  /** Set by stop(): a scan under way reports nothing more. (A scan without start(), for `--once`, is fine.) */
  private stopped = false;
  private missingLogged = false;

  constructor(entry: DirConfig, events: DirectoryEvents, options: DirectoryWatcherOptions = {}) {
    this.entry = entry;
    this.events = events;
    this.logger = (options.logger ?? silentLogger()).child({ dir: entry.dir, pattern: entry.pattern });
    this.rescanInterval = options.rescanInterval ?? DEFAULT_RESCAN_INTERVAL;
    this.matches = globMatcher(entry.pattern);
  }

  /** The databases currently served from this entry. */
  get databases(): ReadonlySet<string> {
    return this.known;
  }

  /** Scans once (reporting every database found), then watches. */
  async start(): Promise<void> {
    this.stopped = false;
    await this.scan();
    this.startWatching();
    this.timer = setInterval(() => void this.scan(), this.rescanInterval);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.watcher?.close();
    this.watcher = undefined;
    clearInterval(this.timer);
    clearTimeout(this.settleTimer);
    this.timer = this.settleTimer = undefined;
    await this.scanRun;
  }

  /** Walks the directory and reports what appeared and what went; concurrent calls coalesce into one more pass. */
  scan(): Promise<void> {
    if (this.scanRun) {
      this.scanAgain = true;
      return this.scanRun;
    }
    this.scanRun = (async () => {
      do {
        this.scanAgain = false;
        try {
          await this.scanOnce();
        } catch (err) {
          this.logger.warn({ err: (err as Error).message }, 'directory scan failed; retrying at the next rescan');
        }
      } while (this.scanAgain && !this.stopped);
    })().finally(() => {
      this.scanRun = undefined;
    });
    return this.scanRun;
  }

  private async scanOnce(): Promise<void> {
    const present = await this.candidates();
    if (present === undefined) return;
    for (const dbPath of this.known) {
      if (present.has(dbPath) || this.stopped) continue;
      this.known.delete(dbPath);
      await this.events.gone(dbPath);
    }
    for (const dbPath of present) {
      if (this.known.has(dbPath) || this.stopped) continue;
      // Only paths the agent does not serve reach the header check (it opens the file: see hasSqliteHeader).
      if (!(await hasSqliteHeader(dbPath))) continue;
      this.known.add(dbPath);
      await this.events.found(dbPath);
    }
  }

  /** Files whose names match the pattern (undefined when the directory itself is missing: nothing is released). */
  private async candidates(): Promise<Set<string> | undefined> {
    const out = new Set<string>();
    const pending = [this.entry.dir];
    for (let dir = pending.pop(); dir !== undefined; dir = pending.pop()) {
      let entries: Dirent[];
      try {
        entries = await readdir(dir, { withFileTypes: true });
      } catch (err) {
        const code = (err as NodeJS.ErrnoException).code;
        if (dir === this.entry.dir && code === 'ENOENT') {
          if (!this.missingLogged) this.logger.warn('directory does not exist; its databases are replicated once it appears');
          this.missingLogged = true;
          return this.known.size > 0 ? new Set() : undefined;
        }
        if (code === 'ENOENT' || code === 'ENOTDIR') continue; // a subdirectory removed during the walk
        throw err;
      }
      this.missingLogged = false;
      for (const e of entries) {
        const full = path.join(dir, e.name);
        if (e.isDirectory()) {
          if (this.entry.recursive && !STAGING_DIR.test(e.name)) pending.push(full);
        } else if ((e.isFile() || e.isSymbolicLink()) && !SIDE_FILE.test(e.name) && this.matches(e.name)) out.add(full);
      }
    }
    return out;
  }

  private startWatching(): void {
    try {
      this.watcher = watch(this.entry.dir, { recursive: this.entry.recursive, persistent: false }, (type, name) => this.onEvent(type, name));
      this.watcher.on('error', (err) => {
        this.logger.warn({ err: err.message, rescanEveryMs: this.rescanInterval }, 'directory watch failed; relying on the periodic rescan');
        this.watcher?.close();
        this.watcher = undefined;
      });
    } catch (err) {
      this.logger.warn({ err: (err as Error).message, rescanEveryMs: this.rescanInterval }, 'cannot watch the directory; relying on the periodic rescan');
    }
  }

  /**
   * Writes to a served database or its WAL are not news: only a name that could be a new database, a rename or
   * delete (which is how files appear and go), or any change in recursive mode's subdirectories triggers a scan.
   */
  private onEvent(type: string, name: string | Buffer | null): void {
    if (this.stopped) return;
    const file = name === null ? undefined : path.join(this.entry.dir, name.toString());
    if (file !== undefined && SIDE_FILE.test(file)) return;
    if (file !== undefined && type === 'change' && (this.known.has(file) || !this.matches(path.basename(file)))) return;
    if (this.settleTimer) return;
    this.settleTimer = setTimeout(() => {
      this.settleTimer = undefined;
      void this.scan();
    }, EVENT_SETTLE_MS);
    this.settleTimer.unref();
  }
}
