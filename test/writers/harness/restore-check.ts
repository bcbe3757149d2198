// role: restore with the real CLI (latest or -timestamp) and compare with the live source through sqlite3.
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { STREAMBED_BIN } from './agent-process.ts';
import { checkRestoreAt, type PointCheck, type WriterLog } from './commit-log.ts';
import { commitRows, dumpDigest, integrityCheck, pageSize } from './sqlite-cli.ts';

export interface CliRestore {
  code: number;
  stdout: string;
  stderr: string;
  ms: number;
}

export function restoreCli(replicaUrl: string, out: string, timestamp?: number): Promise<CliRestore> {
  const args = [STREAMBED_BIN, 'restore', '-o', out, '-integrity-check', 'none'];
  if (timestamp !== undefined) args.push('-timestamp', new Date(timestamp).toISOString());
  args.push(replicaUrl);
  const start = Date.now();
  return new Promise((resolve) => {
    execFile(process.execPath, args, { env: { ...process.env, STREAMBED_CONFIG: '', LITESTREAM_CONFIG: '' } }, (err, stdout, stderr) => {
      const code = err ? (typeof err.code === 'number' ? err.code : 1) : 0;
      resolve({ code, stdout, stderr, ms: Date.now() - start });
    });
  });
}

export interface LatestCheck {
  equal: boolean;
  attempts: number;
  sourceDump: { lines: number; bytes: number };
  restoredIntegrity: string;
  sourcePageSize: number;
  restoredPageSize: number;
  restoreMs?: number;
  problems: string[];
}

/**
 * Restore-latest must equal the source: same `.dump`, same page size, integrity ok. The agent may still be
 * shipping its own last checkpoint bump, so a difference is retried after `retryDelayMs` (at most 3 attempts).
 */
export async function checkLatest(source: string, replicaUrl: string, dir: string, retryDelayMs: number): Promise<LatestCheck> {
  let last: LatestCheck | undefined;
  for (let attempt = 1; attempt <= 3; attempt++) {
    if (attempt > 1) await new Promise((r) => setTimeout(r, retryDelayMs));
    const out = join(dir, `latest-${attempt}.db`);
    const [restore, src] = await Promise.all([restoreCli(replicaUrl, out), dumpDigest(source)]);
    const problems: string[] = [];
    if (restore.code !== 0) {
      problems.push(`restore-latest exited ${restore.code}: ${restore.stderr.trim()}`);
      last = { equal: false, attempts: attempt, sourceDump: src, restoredIntegrity: '', sourcePageSize: 0, restoredPageSize: 0, problems };
      continue;
    }
    const [dump, integrity, srcPage, outPage] = await Promise.all([dumpDigest(out).catch((e: Error) => e), integrityCheck(out), pageSize(source), pageSize(out)]);
    const equal = !(dump instanceof Error) && dump.sha256 === src.sha256 && srcPage === outPage;
    if (dump instanceof Error) problems.push(`restored database: ${dump.message}`);
    else if (dump.sha256 !== src.sha256) problems.push(`restore-latest .dump differs from the source (${dump.lines} vs ${src.lines} lines, ${dump.bytes} vs ${src.bytes} bytes)${await rowDiff(source, out)}`);
    if (srcPage !== outPage) problems.push(`page size: source ${srcPage}, restored ${outPage}`);
    if (integrity !== 'ok') problems.push(`restore-latest integrity_check: ${integrity}`);
    last = { equal, attempts: attempt, sourceDump: src, restoredIntegrity: integrity, sourcePageSize: srcPage, restoredPageSize: outPage, restoreMs: restore.ms, problems };
    if (equal && integrity === 'ok') return last;
  }
  return last!;
}

/** Per-writer row counts of both databases, to say what a differing dump is missing. */
async function rowDiff(source: string, restored: string): Promise<string> {
  const count = async (p: string): Promise<string> => {
    const { rows } = await commitRows(p).catch(() => ({ rows: [] }));
    const by = new Map<string, number>();
    for (const r of rows) by.set(r.writer, (by.get(r.writer) ?? 0) + 1);
    return [...by].map(([w, n]) => `${w}=${n}`).join(' ') || 'none';
  };
  return `; rows: source ${await count(source)}, restored ${await count(restored)}`;
}

/** Restores to `timestamp` and checks the commit prefix rule (see checkRestoreAt). */
export async function checkAt(replicaUrl: string, dir: string, logs: readonly WriterLog[], timestamp: number, windowMs: number): Promise<PointCheck> {
  const out = join(dir, `at-${timestamp}-${Math.random().toString(36).slice(2, 8)}.db`);
  const restore = await restoreCli(replicaUrl, out, timestamp);
  if (restore.code !== 0) {
    return { timestamp, restored: {}, required: {}, lagMs: 0, problems: [`restore -timestamp ${new Date(timestamp).toISOString()} exited ${restore.code}: ${restore.stderr.trim()}`] };
  }
  const integrity = await integrityCheck(out);
  const read = await commitRows(out).catch((e: Error) => e);
  if (read instanceof Error) {
    return { timestamp, restored: {}, required: {}, lagMs: 0, restoreMs: restore.ms, problems: [`restore at ${new Date(timestamp).toISOString()}: ${read.message}; integrity_check ${integrity}`] };
  }
  const { rows, counters } = read;
  const check = checkRestoreAt(logs, rows, counters, timestamp, windowMs);
  check.restoreMs = restore.ms;
  if (integrity !== 'ok') check.problems.push(`restore at ${new Date(timestamp).toISOString()}: integrity_check ${integrity}`);
  return check;
}
