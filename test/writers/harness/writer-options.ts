// role: the settings of each matrix writer script (Node, Python, sqlite3 CLI), as the harness passes them.

interface CommonWriterOptions {
  db: string;
  /** `seq<TAB>unix-ms` lines, appended right after each COMMIT returns. */
  log: string;
  /** Rows carry this name; each writer numbers its commits 1, 2, 3, ... */
  writer: string;
  durationMs?: number;
  maxCommits?: number;
  /** Average pause between commits (each pause is 0.5–1.5 times this). */
  sleepMs?: number;
  seed?: number;
}

export interface NodeWriterOptions extends CommonWriterOptions {
  busyTimeoutMs?: number;
  /** PRAGMA wal_autocheckpoint for this connection; unset keeps SQLite's 1000 pages. */
  autocheckpoint?: number;
  bodyMin?: number;
  bodyMax?: number;
  /** Run PRAGMA wal_checkpoint every N commits, cycling PASSIVE, FULL, RESTART, TRUNCATE. */
  checkpointEvery?: number;
  /** busy_timeout while the application's checkpoint runs (default 200 ms). */
  checkpointBusyMs?: number;
  vacuumEvery?: number;
  /** At this commit, try to change the page size (in WAL mode, then through DELETE mode). */
  pageSizeAt?: number;
  pageSize?: number;
  /** Switch journal_mode to DELETE and back to WAL this often. */
  journalSwitchEveryMs?: number;
  /** Insert and delete junk rows besides the commit row (free pages for VACUUM to reclaim). */
  scratch?: boolean;
  /** The first `count` commits each carry `mb` MiB of junk rows (a bulk import that grows the WAL). */
  bigTx?: { mb: number; count: number };
}

export interface PythonWriterOptions extends CommonWriterOptions {
  /** Close every connection after a burst of this long, wait pauseMs, reopen (an application restarting). */
  burstMs?: number;
  pauseMs?: number;
  /** Connections the application holds open during a burst (one writes, the others read). */
  connections?: number;
}

export type CliWriterOptions = CommonWriterOptions;

/** One application event printed by a writer (checkpoint results, journal mode changes, the final counts). */
export interface WriterEvent {
  event: string;
  at: number;
  ok?: boolean;
  result?: unknown;
  error?: string;
  [key: string]: unknown;
}
