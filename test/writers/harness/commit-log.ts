// role: the writers' commit logs and what they say a database (live or restored at a time) must hold.
import { readFileSync } from 'node:fs';
import type { CommitRow } from './sqlite-cli.ts';

export interface LoggedCommit {
  seq: number;
  /** Unix ms right after COMMIT returned (an upper bound of the commit time). */
  at: number;
}

export interface WriterLog {
  writer: string;
  commits: LoggedCommit[];
  /**
   * The writer's database was deleted and a new one created at this time (case h): restores well after it
   * must not hold this writer's rows, and the live database no longer does.
   */
  replacedAt?: number;
}

/** Parses `seq<TAB>unix-ms` lines; a writer numbers its commits 1, 2, 3, ... so anything else is a writer bug. */
export function readCommitLog(writer: string, path: string): WriterLog {
  let text = '';
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  const commits = text
    .split('\n')
    .filter((l) => l !== '')
    .map((line, i) => {
      const [seq, at] = line.split('\t').map(Number);
      if (seq !== i + 1 || !Number.isFinite(at)) throw new Error(`${path} line ${i + 1}: expected seq ${i + 1}<TAB>ms, got ${JSON.stringify(line)}`);
      return { seq, at };
    });
  return { writer, commits };
}

function rowsByWriter(rows: readonly CommitRow[]): Map<string, CommitRow[]> {
  const by = new Map<string, CommitRow[]>();
  for (const r of rows) {
    const list = by.get(r.writer) ?? [];
    list.push(r);
    by.set(r.writer, list);
  }
  for (const list of by.values()) list.sort((a, b) => a.seq - b.seq);
  return by;
}

/** Seqs 1..k without holes, and the writer's counter at k (no half transaction). Returns k or a problem. */
function prefixLength(writer: string, rows: readonly CommitRow[], counter: number | undefined, where: string, problems: string[]): number {
  const hole = rows.findIndex((r, i) => r.seq !== i + 1);
  if (hole >= 0) problems.push(`${where}: ${writer} rows are not 1..${rows.length}: seq ${rows[hole].seq} at position ${hole + 1}`);
  if (rows.length > 0 && counter !== rows.length) problems.push(`${where}: ${writer} counter is ${counter} but ${rows.length} rows (half a transaction)`);
  return rows.length;
}

/** The live database after the writers stopped: exactly the logged commits of every writer still in it. */
export function checkSourceRows(logs: readonly WriterLog[], rows: readonly CommitRow[], counters: Map<string, number>): string[] {
  const problems: string[] = [];
  const by = rowsByWriter(rows);
  for (const log of logs) {
    const mine = by.get(log.writer) ?? [];
    by.delete(log.writer);
    if (log.replacedAt !== undefined) {
      if (mine.length > 0) problems.push(`source: ${mine.length} rows of ${log.writer}, whose database was replaced`);
      continue;
    }
    const k = prefixLength(log.writer, mine, counters.get(log.writer), 'source', problems);
    if (k !== log.commits.length) problems.push(`source: ${log.writer} logged ${log.commits.length} commits but the database holds ${k}`);
  }
  for (const [writer, list] of by) problems.push(`source: ${list.length} rows of unknown writer ${writer}`);
  return problems;
}

export interface PointCheck {
  timestamp: number;
  /** Rows per writer in the restore. */
  restored: Record<string, number>;
  /** Commits per writer logged before timestamp − window (the restore must hold at least these). */
  required: Record<string, number>;
  /** How far the restore lags the timestamp: the oldest logged commit it is missing, in ms before the timestamp. */
  lagMs: number;
  /** Wall time of the restore CLI. */
  restoreMs?: number;
  problems: string[];
}

/**
 * A restore to `timestamp` holds, per writer, a prefix 1..k of its log: every row was begun before the
 * timestamp (its in-transaction time is a lower bound of the commit), and every commit logged more than
 * `windowMs` (one sync interval plus slack) before it is there.
 */
export function checkRestoreAt(logs: readonly WriterLog[], rows: readonly CommitRow[], counters: Map<string, number>, timestamp: number, windowMs: number): PointCheck {
  const where = `restore at ${new Date(timestamp).toISOString()}`;
  const problems: string[] = [];
  const by = rowsByWriter(rows);
  const check: PointCheck = { timestamp, restored: {}, required: {}, lagMs: 0, problems };
  for (const log of logs) {
    const mine = by.get(log.writer) ?? [];
    by.delete(log.writer);
    const k = prefixLength(log.writer, mine, counters.get(log.writer), where, problems);
    check.restored[log.writer] = k;
    const late = mine.filter((r) => r.tMs >= timestamp);
    if (late.length > 0) problems.push(`${where}: ${log.writer} seq ${late[0].seq} began at ${new Date(late[0].tMs).toISOString()}, after the timestamp`);
    if (k > log.commits.length) problems.push(`${where}: ${log.writer} has ${k} rows but logged only ${log.commits.length}`);
    if (log.replacedAt !== undefined && log.replacedAt <= timestamp - windowMs) {
      check.required[log.writer] = 0;
      if (k > 0) problems.push(`${where}: ${k} rows of ${log.writer}, whose database was replaced at ${new Date(log.replacedAt).toISOString()}`);
      continue;
    }
    const required = log.commits.filter((c) => c.at < timestamp - windowMs).length;
    check.required[log.writer] = required;
    if (k < required) {
      problems.push(`${where}: ${log.writer} has ${k} rows; ${required} were committed more than ${windowMs} ms before (seq ${k + 1} at ${new Date(log.commits[k].at).toISOString()})`);
    }
    const missing = log.commits[k];
    if (missing && missing.at < timestamp) check.lagMs = Math.max(check.lagMs, timestamp - missing.at);
  }
  for (const [writer, list] of by) problems.push(`${where}: ${list.length} rows of unknown writer ${writer}`);
  return check;
}

/**
 * Instants spread evenly over the writers' activity (at 25, 50 and 75 % of it by default), leaving out the
 * windows where the expected state is ambiguous (right after a database was replaced).
 */
export function sampleTimestamps(logs: readonly WriterLog[], windowMs: number, count = 3): number[] {
  const times = logs.flatMap((l) => l.commits.map((c) => c.at));
  if (times.length === 0) return [];
  let segments: Array<[number, number]> = [[Math.min(...times), Math.max(...times)]];
  for (const l of logs) {
    if (l.replacedAt === undefined) continue;
    const [from, to] = [l.replacedAt - windowMs, l.replacedAt + windowMs + 200];
    segments = segments.flatMap(([a, b]): Array<[number, number]> => {
      if (b < from || a > to) return [[a, b]];
      const parts: Array<[number, number]> = [[a, Math.min(b, from - 1)], [Math.max(a, to + 1), b]];
      return parts.filter(([x, y]) => y > x);
    });
  }
  const total = segments.reduce((n, [a, b]) => n + (b - a), 0);
  const picks: number[] = [];
  for (let i = 1; i <= count; i++) {
    let offset = (total * i) / (count + 1);
    for (const [a, b] of segments) {
      if (offset <= b - a) {
        picks.push(Math.round(a + offset));
        break;
      }
      offset -= b - a;
    }
  }
  return picks;
}
