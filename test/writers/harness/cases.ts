// role: the writer matrix (issue 7 item 3): what each application does while the agent replicates it.
import { rmSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { startCliWriter, startNodeWriter, startPythonReader, startPythonWriter, waitForEvent } from './processes.ts';
import type { CaseContext, MatrixCase } from './run-case.ts';
import type { WriterEvent } from './writer-options.ts';

/** How often each result or error came back, e.g. { SQLITE_BUSY: 4 }. */
function countOutcomes(events: readonly WriterEvent[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const e of events) {
    const key = e.ok ? String(e.result) : String(e.error);
    counts[key] = (counts[key] ?? 0) + 1;
  }
  return counts;
}

async function exited(...runs: Array<{ run: { exited: Promise<unknown> } }>): Promise<void> {
  await Promise.all(runs.map((r) => r.run.exited));
}

export const cliPerTransaction: MatrixCase = {
  id: 'a',
  title: 'sqlite3 CLI, one process per transaction',
  async run(ctx) {
    const w = ctx.track('cli', startCliWriter({ db: ctx.db, log: ctx.logPath('cli'), writer: 'cli', durationMs: ctx.scale.writeMs, sleepMs: 0 }));
    await exited(w);
  },
};

export const pythonLongConnection: MatrixCase = {
  id: 'b',
  title: "Python's sqlite3 module, one long connection",
  async run(ctx) {
    const w = ctx.track('py', startPythonWriter({ db: ctx.db, log: ctx.logPath('py'), writer: 'py', durationMs: ctx.scale.writeMs, sleepMs: 5 }));
    await exited(w);
  },
};

export const nodeOtherProcess: MatrixCase = {
  id: 'c',
  title: 'better-sqlite3 in another Node process',
  async run(ctx) {
    const w = ctx.track('node', startNodeWriter({ db: ctx.db, log: ctx.logPath('node'), writer: 'node', durationMs: ctx.scale.writeMs, sleepMs: 5 }));
    await exited(w);
  },
};

export const restartingApplication: MatrixCase = {
  id: 'd',
  title: 'application closing all its connections between bursts',
  async run(ctx) {
    const w = ctx.track(
      'bursts',
      startPythonWriter({ db: ctx.db, log: ctx.logPath('bursts'), writer: 'bursts', durationMs: ctx.scale.writeMs, sleepMs: 5, burstMs: 1200, pauseMs: 300, connections: 2 }),
    );
    await exited(w);
  },
  verify(ctx) {
    const closes = ctx.events('bursts').filter((e) => e.event === 'closed').length;
    ctx.note('restarts', closes);
    return closes >= 2 ? [] : [`the application restarted only ${closes} times`];
  },
};

export const applicationCheckpoints: MatrixCase = {
  id: 'e1',
  title: 'application checkpointing itself: PASSIVE, FULL, RESTART, TRUNCATE',
  async run(ctx) {
    const w = ctx.track(
      'ckpt',
      startNodeWriter({ db: ctx.db, log: ctx.logPath('ckpt'), writer: 'ckpt', durationMs: ctx.scale.writeMs, sleepMs: 5, checkpointEvery: 8 }),
    );
    await exited(w);
  },
  verify(ctx) {
    const results = ctx.events('ckpt').filter((e) => e.event === 'checkpoint');
    const byMode: Record<string, { runs: number; failed: number; busy: number }> = {};
    for (const e of results) {
      const r = (e.result ?? {}) as { busy?: number };
      const mode = String(e.mode);
      const m = (byMode[mode] ??= { runs: 0, failed: 0, busy: 0 });
      m.runs++;
      if (!e.ok) m.failed++;
      if (r.busy) m.busy++;
    }
    ctx.note('checkpoints', byMode);
    const missing = ['PASSIVE', 'FULL', 'RESTART', 'TRUNCATE'].filter((m) => !byMode[m]);
    return missing.length ? [`checkpoint modes never run: ${missing.join(', ')}`] : [];
  },
};

export const bigWalNoAutocheckpoint: MatrixCase = {
  id: 'e2',
  title: 'wal_autocheckpoint=0 and bulk transactions (large WAL)',
  // One bulk transaction fits in max-sync-wal-bytes, two do not: when the agent finds several waiting, it reads
  // the WAL in pieces, one right after the other (a capped read asks for the next sync at once), so the strict
  // "within one sync interval" window holds.
  agentDbYaml: (scale) => [`    max-sync-wal-bytes: ${scale.bulk.mb + 4}MiB`],
  async run(ctx) {
    const { mb, count } = ctx.scale.bulk;
    const w = ctx.track(
      'bulk',
      startNodeWriter({ db: ctx.db, log: ctx.logPath('bulk'), writer: 'bulk', durationMs: ctx.scale.writeMs, sleepMs: 10, autocheckpoint: 0, bigTx: { mb, count } }),
    );
    await exited(w);
  },
  verify(ctx) {
    const done = ctx.events('bulk').find((e) => e.event === 'done');
    const walMax = Number(done?.walMax ?? 0);
    ctx.note('walMaxMiB', +(walMax / 2 ** 20).toFixed(1));
    const want = ctx.scale.bulk.mb * 2 ** 20;
    return walMax >= want ? [] : [`the WAL reached only ${walMax} bytes (wanted at least ${want})`];
  },
};

export const vacuumAndPageSize: MatrixCase = {
  id: 'f',
  title: 'VACUUM, and a page-size change through VACUUM',
  async run(ctx) {
    const w = ctx.track(
      'vacuum',
      startNodeWriter({
        db: ctx.db, log: ctx.logPath('vacuum'), writer: 'vacuum', durationMs: ctx.scale.writeMs, sleepMs: 5, scratch: true, vacuumEvery: 40, pageSizeAt: 100, pageSize: 8192,
      }),
    );
    await exited(w);
  },
  verify(ctx, report) {
    const events = ctx.events('vacuum');
    const pick = (name: string): unknown => {
      const e = events.find((x) => x.event === name);
      return e ? (e.ok ? e.result : e.error) : 'not run';
    };
    const vacuums = events.filter((e) => e.event === 'vacuum');
    const done = events.find((e) => e.event === 'done');
    const facts = {
      vacuums: vacuums.length,
      vacuumFailures: vacuums.filter((e) => !e.ok).map((e) => e.error),
      pageSizeInWal: pick('page_size_in_wal'),
      journalModeDelete: pick('journal_mode_delete'),
      pageSizeInDelete: pick('page_size_in_delete'),
      journalModeWal: pick('journal_mode_wal'),
      finalPageSize: done?.pageSize,
    };
    ctx.note('pageSize', facts);
    const problems: string[] = [];
    if (vacuums.length < 2) problems.push(`only ${vacuums.length} VACUUMs ran`);
    if (facts.vacuumFailures.length) problems.push(`VACUUM failed: ${facts.vacuumFailures.join(', ')}`);
    // SQLite documents that WAL mode keeps the page size through VACUUM.
    if (facts.pageSizeInWal !== 4096) problems.push(`page_size=8192 + VACUUM in WAL mode gave ${String(facts.pageSizeInWal)}, expected 4096 (unchanged)`);
    if (report.latest && report.latest.sourcePageSize !== report.latest.restoredPageSize) problems.push('restored page size differs');
    return problems;
  },
};

export const journalModeSwitch: MatrixCase = {
  id: 'g',
  title: 'journal_mode switched to DELETE and back to WAL',
  async run(ctx) {
    const w = ctx.track(
      'journal',
      startNodeWriter({ db: ctx.db, log: ctx.logPath('journal'), writer: 'journal', durationMs: ctx.scale.writeMs, sleepMs: 5, journalSwitchEveryMs: 1000, busyTimeoutMs: 1000 }),
    );
    await exited(w);
  },
  verify(ctx) {
    const events = ctx.events('journal');
    const switches = events.filter((e) => e.event === 'journal_mode_delete');
    ctx.note('journalModeDelete', countOutcomes(switches));
    ctx.note('journalModeWal', countOutcomes(events.filter((e) => e.event === 'journal_mode_wal')));
    return switches.length >= 2 ? [] : [`journal_mode was switched only ${switches.length} times`];
  },
};

export const databaseReplaced: MatrixCase = {
  id: 'h',
  title: 'database file deleted and re-created',
  async run(ctx) {
    const half = Math.max(1500, Math.floor(ctx.scale.writeMs / 2));
    const first = ctx.track('gen1', startNodeWriter({ db: ctx.db, log: ctx.logPath('gen1'), writer: 'gen1', durationMs: half, sleepMs: 5 }));
    await exited(first);
    // The application deletes its database (every connection is closed) and starts over with a new one.
    await sleep(ctx.scale.syncIntervalMs * 2);
    for (const suffix of ['', '-wal', '-shm', '-journal']) rmSync(`${ctx.db}${suffix}`, { force: true });
    ctx.note('deletedAt', new Date().toISOString());
    await sleep(ctx.scale.syncIntervalMs * 2);
    first.replacedAt = Date.now();
    const second = ctx.track('gen2', startNodeWriter({ db: ctx.db, log: ctx.logPath('gen2'), writer: 'gen2', durationMs: half, sleepMs: 5 }));
    await exited(second);
  },
};

export const longReader: MatrixCase = {
  id: 'i',
  title: 'outside reader holding a read transaction',
  async run(ctx) {
    const w = ctx.track('node', startNodeWriter({ db: ctx.db, log: ctx.logPath('node'), writer: 'node', durationMs: ctx.scale.readerHoldMs + 1000, sleepMs: 5 }));
    await sleep(300);
    const reader = startPythonReader(ctx.db, ctx.scale.readerHoldMs);
    ctx.helper(reader);
    const reading = await waitForEvent(reader, 'reading');
    const done = await waitForEvent(reader, 'done', ctx.scale.readerHoldMs + 15_000);
    ctx.note('reader', { heldMs: done.at - reading.at, rowsAtStart: done.rowsAtStart, rowsAtEnd: done.rowsAtEnd });
    await exited(w);
  },
  verify(ctx, report) {
    const [reading, done] = ctx.events('reader');
    const problems: string[] = [];
    if (!done || done.rowsAtStart !== done.rowsAtEnd) problems.push(`the reader's snapshot changed: ${JSON.stringify(done)}`);
    const spanned = Math.floor((Number(done?.at) - Number(reading?.at)) / ctx.scale.checkpointIntervalMs);
    ctx.note('checkpointIntervalsSpanned', spanned);
    if (spanned < 3) problems.push(`the read transaction spanned only ${spanned} checkpoint intervals`);
    if (report.agent.checkpoints < 3) problems.push(`the agent ran only ${report.agent.checkpoints} checkpoints`);
    return problems;
  },
};

export const twoWriters: MatrixCase = {
  id: 'j',
  title: 'two writer processes at once (Node and Python)',
  async run(ctx) {
    const a = ctx.track('node', startNodeWriter({ db: ctx.db, log: ctx.logPath('node'), writer: 'node', durationMs: ctx.scale.writeMs, sleepMs: 3 }));
    const b = ctx.track('py', startPythonWriter({ db: ctx.db, log: ctx.logPath('py'), writer: 'py', durationMs: ctx.scale.writeMs, sleepMs: 3 }));
    await exited(a, b);
  },
};

export const MATRIX: readonly MatrixCase[] = [
  cliPerTransaction,
  pythonLongConnection,
  nodeOtherProcess,
  restartingApplication,
  applicationCheckpoints,
  bigWalNoAutocheckpoint,
  vacuumAndPageSize,
  journalModeSwitch,
  databaseReplaced,
  longReader,
  twoWriters,
];
