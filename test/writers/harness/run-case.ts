// role: run one matrix case end to end — agent, writers, quiet replica, source/restore checks — and report it.
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { makeTempDir, removeTempDir } from '../../harness/tmp-core.ts';
import { startAgent, summarizeAgentLog, waitReplicaQuiet, type AgentLogSummary, type AgentProcess } from './agent-process.ts';
import { checkSourceRows, readCommitLog, sampleTimestamps, type WriterLog } from './commit-log.ts';
import { SQLITE3, requireSqliteCli, type Running } from './processes.ts';
import { checkAt, checkLatest, type LatestCheck } from './restore-check.ts';
import type { PointCheck } from './commit-log.ts';
import { commitRows, integrityCheck } from './sqlite-cli.ts';
import type { WriterEvent } from './writer-options.ts';
import { SCHEMA_SQL } from './commit-sql.ts';

/** How long and how big: the CI matrix and the soak differ only here. */
export interface Scale {
  label: 'ci' | 'soak';
  writeMs: number;
  syncIntervalMs: number;
  checkpointIntervalMs: number;
  /** Slack on top of one sync interval for "committed before T" (the agent's sync itself takes time). */
  slackMs: number;
  readerHoldMs: number;
  /** Bulk transactions of case e (wal_autocheckpoint=0): count × MiB. */
  bulk: { mb: number; count: number };
}

export const CI_SCALE: Scale = {
  label: 'ci',
  writeMs: 4000,
  syncIntervalMs: 500,
  checkpointIntervalMs: 1000,
  slackMs: 750,
  readerHoldMs: 5000,
  bulk: { mb: 12, count: 3 },
};

export const SOAK_SCALE: Scale = {
  label: 'soak',
  writeMs: 60_000,
  syncIntervalMs: 1000,
  checkpointIntervalMs: 10_000,
  slackMs: 1000,
  readerHoldMs: 60_000,
  bulk: { mb: 100, count: 4 },
};

export interface TrackedWriter {
  run: Running;
  log: string;
  /** Set by the case when this writer's database was deleted and replaced. */
  replacedAt?: number;
}

export interface CaseContext {
  readonly dir: string;
  readonly db: string;
  readonly scale: Scale;
  readonly agent: AgentProcess;
  logPath(writer: string): string;
  /** Registers a writer whose log the checks read; its exit code must be 0. */
  track(writer: string, run: Running): TrackedWriter;
  /** Registers a helper process (a reader) whose exit code must be 0. */
  helper(run: Running): void;
  /** Events printed by a tracked writer or a helper, by name. */
  events(name: string): WriterEvent[];
  /** Case-specific facts for the report (what SQLite really did). */
  note(key: string, value: unknown): void;
}

export interface MatrixCase {
  id: string;
  title: string;
  /** Extra keys for the agent's database entry. */
  agentDbYaml?: (scale: Scale) => string[];
  /** Added to the "within one sync interval" window of the timestamp restores, with the reason it is due. */
  extraWindowMs?: (scale: Scale) => number;
  /** Starts the writers and resolves when the application is done. */
  run(ctx: CaseContext): Promise<void>;
  /** Problems specific to the case, from the writers' events and the report. */
  verify?(ctx: CaseContext, report: CaseReport): string[] | Promise<string[]>;
}

export interface CaseReport {
  id: string;
  title: string;
  scale: string;
  ok: boolean;
  problems: string[];
  rowsWritten: number;
  wallMs: number;
  writeMs: number;
  writers: Array<{ name: string; commits: number; code: number | null; events: WriterEvent[] }>;
  sourceIntegrity: string;
  latest?: LatestCheck;
  points: PointCheck[];
  agent: AgentLogSummary & { exitCode: number | null; stopMs: number; replicaTxid: number };
  notes: Record<string, unknown>;
  /** Milliseconds per phase: agent start, writing, waiting for a quiet replica, checks, agent stop. */
  phases: Record<string, number>;
}

/** The database the application starts with: WAL mode and the matrix schema, created by the sqlite3 CLI. */
export function createDatabase(db: string): void {
  requireSqliteCli();
  execFileSync(SQLITE3, [db], { input: `PRAGMA journal_mode = wal;\n${SCHEMA_SQL};\n` });
}

export async function runCase(c: MatrixCase, scale: Scale, options: { keepDir?: boolean } = {}): Promise<CaseReport> {
  const started = Date.now();
  const phases: Record<string, number> = {};
  let mark = started;
  const phase = (name: string): void => {
    phases[name] = Date.now() - mark;
    mark = Date.now();
  };
  const dir = await makeTempDir(`writers-${c.id}`);
  const db = join(dir, 'app.db');
  createDatabase(db);
  const agent = await startAgent({
    dir,
    db,
    syncIntervalMs: scale.syncIntervalMs,
    checkpointIntervalMs: scale.checkpointIntervalMs,
    extraDbYaml: c.agentDbYaml?.(scale),
  });
  phase('start');
  const tracked = new Map<string, TrackedWriter>();
  const helpers: Running[] = [];
  const notes: Record<string, unknown> = {};
  const ctx: CaseContext = {
    dir,
    db,
    scale,
    agent,
    logPath: (w) => join(dir, `${w}.log`),
    track: (w, run) => {
      const t: TrackedWriter = { run, log: join(dir, `${w}.log`) };
      tracked.set(w, t);
      return t;
    },
    helper: (run) => helpers.push(run),
    note: (k, v) => (notes[k] = v),
    events: (name) => tracked.get(name)?.run.events ?? helpers.find((h) => h.name === name)?.events ?? [],
  };
  const problems: string[] = [];
  try {
    const writeStart = Date.now();
    await c.run(ctx);
    const writers: CaseReport['writers'] = [];
    for (const [name, t] of tracked) {
      const exit = await t.run.exited;
      const done = t.run.events.find((e) => e.event === 'done');
      if (exit.code !== 0) problems.push(`writer ${name} exited ${exit.code ?? exit.signal}: ${exit.stderr.trim().slice(-800)}`);
      writers.push({ name, commits: Number(done?.commits ?? 0), code: exit.code, events: t.run.events });
    }
    for (const h of helpers) {
      const exit = await h.exited;
      if (exit.code !== 0) problems.push(`${h.name} exited ${exit.code ?? exit.signal}: ${exit.stderr.trim().slice(-800)}`);
    }
    const writeMs = Date.now() - writeStart;
    phase('write');
    const window = scale.syncIntervalMs + scale.slackMs + (c.extraWindowMs?.(scale) ?? 0);
    const logs: WriterLog[] = [...tracked].map(([name, t]) => ({ ...readCommitLog(name, t.log), replacedAt: t.replacedAt }));

    // The agent's interval checkpoint after the last commit adds one more (bump) transaction: wait past it.
    const quietMs = Math.max(3 * scale.syncIntervalMs, scale.checkpointIntervalMs + 2 * scale.syncIntervalMs);
    await waitReplicaQuiet(agent, quietMs, quietMs + scale.checkpointIntervalMs + 10_000);
    phase('quiet');
    // Point-in-time restores run on the settled replica: a file stamped before the instant may still be in flight
    // on a loaded machine, and restoring before it lands would blame the agent for the harness's impatience.
    // A commit made while a long sync runs (a bulk transaction on a loaded machine) waits for it: the window that
    // decides which commits a restore must hold grows by the longest sync the agent logged.
    const pointWindow = window + summarizeAgentLog(agent.logText()).maxSyncMs;
    const pointsRun = Promise.all(sampleTimestamps(logs, window).map((t) => checkAt(agent.replicaUrl, dir, logs, t, pointWindow)));
    const sourceIntegrity = await integrityCheck(db);
    if (sourceIntegrity !== 'ok') problems.push(`source integrity_check: ${sourceIntegrity}`);
    const source = await commitRows(db).catch((e: Error) => ({ rows: [], counters: new Map<string, number>(), error: e.message }));
    if ('error' in source) problems.push(`source unreadable: ${source.error}`);
    problems.push(...checkSourceRows(logs, source.rows, source.counters));

    const latest = await checkLatest(db, agent.replicaUrl, dir, 2 * scale.syncIntervalMs);
    const points = await pointsRun;
    problems.push(...latest.problems, ...points.flatMap((p) => p.problems));

    phase('checks');
    const replicaTxid = agent.replicaTxid();
    const exit = await agent.stop();
    if (exit.code !== 0) problems.push(`agent exited ${exit.code ?? exit.signal} after SIGTERM (${exit.stopMs} ms)`);
    phase('stop');
    const log = summarizeAgentLog(agent.logText());
    for (const line of log.malformed) problems.push(`agent log says malformed: ${line.slice(0, 300)}`);

    const report: CaseReport = {
      id: c.id,
      title: c.title,
      scale: scale.label,
      ok: false,
      problems,
      rowsWritten: logs.reduce((n, l) => n + l.commits.length, 0),
      wallMs: 0,
      writeMs,
      writers,
      sourceIntegrity,
      latest,
      points,
      agent: { ...log, exitCode: exit.code, stopMs: exit.stopMs, replicaTxid },
      notes,
      phases,
    };
    if (c.verify) problems.push(...(await c.verify(ctx, report)));
    report.ok = problems.length === 0;
    report.wallMs = Date.now() - started;
    return report;
  } finally {
    agent.child.kill('SIGKILL');
    for (const t of tracked.values()) t.run.child.kill('SIGKILL');
    for (const h of helpers) h.child.kill('SIGKILL');
    if (!options.keepDir) await removeTempDir(dir);
  }
}

/** One line per case for logs and the soak table. */
export function formatReport(r: CaseReport): string {
  const lag = Math.max(0, ...r.points.map((p) => p.lagMs));
  return [
    `${r.id}  ${r.ok ? 'PASS' : 'FAIL'}  rows=${r.rowsWritten}  wall=${(r.wallMs / 1000).toFixed(1)}s  write=${(r.writeMs / 1000).toFixed(1)}s`,
    `phases ${Object.entries(r.phases).map(([k, v]) => `${k}=${(v / 1000).toFixed(1)}s`).join(' ')}`,
    `txid=${r.agent.replicaTxid}  snapshots=${r.agent.snapshots}  checkpoints=${r.agent.checkpoints}  warn=${r.agent.warnings}  error=${r.agent.errors}  maxLag=${lag}ms`,
    ...r.problems.map((p) => `  - ${p}`),
  ].join('\n');
}
