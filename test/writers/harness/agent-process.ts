// role: the agent as users run it — `streambed replicate -config` in a child process with a file:// replica and JSON logs.
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { closeSync, openSync, readFileSync, readdirSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

export const STREAMBED_BIN = fileURLToPath(new URL('../../../bin/streambed.mjs', import.meta.url));

export interface AgentSettings {
  dir: string;
  db: string;
  syncIntervalMs: number;
  /** The agent's own time-based checkpoint (checkpoint-interval). */
  checkpointIntervalMs: number;
  /** More keys of the database entry, as YAML lines indented for it (e.g. "    max-sync-wal-bytes: 4MB"). */
  extraDbYaml?: string[];
}

export interface AgentExit {
  code: number | null;
  signal: NodeJS.Signals | null;
  /** From SIGTERM to exit. */
  stopMs: number;
}

export interface AgentProcess {
  readonly replicaDir: string;
  readonly replicaUrl: string;
  readonly logPath: string;
  readonly child: ChildProcess;
  /** Newest TXID among the replica's L0 files (0 when none). */
  replicaTxid(): number;
  logText(): string;
  /** SIGTERM (final sync, then exit); SIGKILL when it has not exited after `graceMs`. */
  stop(graceMs?: number): Promise<AgentExit>;
}

function agentYaml(s: AgentSettings, replicaDir: string): string {
  return [
    'logging:',
    '  type: json',
    '  level: debug',
    'shutdown-sync-timeout: 3s',
    'shutdown-sync-interval: 200ms',
    'dbs:',
    `  - path: ${s.db}`,
    `    checkpoint-interval: ${s.checkpointIntervalMs}ms`,
    ...(s.extraDbYaml ?? []),
    '    replica:',
    `      url: ${pathToFileURL(replicaDir).href}`,
    `      sync-interval: ${s.syncIntervalMs}ms`,
    '',
  ].join('\n');
}

function maxL0Txid(replicaDir: string): number {
  let names: string[];
  try {
    names = readdirSync(join(replicaDir, 'ltx', '0'));
  } catch {
    return 0;
  }
  let max = 0;
  for (const n of names) {
    const m = /^[0-9a-f]{16}-([0-9a-f]{16})\.ltx$/.exec(n);
    if (m) max = Math.max(max, parseInt(m[1], 16));
  }
  return max;
}

/** Starts the agent and waits for its "replicating" line (it then has opened the database). */
export async function startAgent(s: AgentSettings): Promise<AgentProcess> {
  const replicaDir = join(s.dir, 'replica');
  const configPath = join(s.dir, 'streambed.yml');
  const logPath = join(s.dir, 'agent.log');
  await writeFile(configPath, agentYaml(s, replicaDir));
  const out = openSync(logPath, 'a');
  const child = spawn(process.execPath, [STREAMBED_BIN, 'replicate', '-config', configPath], {
    env: { ...process.env, STREAMBED_CONFIG: '', LITESTREAM_CONFIG: '', LOG_LEVEL: '' },
    stdio: ['ignore', out, out],
  });
  closeSync(out);
  let exit: { code: number | null; signal: NodeJS.Signals | null } | null = null;
  const exited = new Promise<void>((resolve) => child.on('close', (code, signal) => ((exit = { code, signal }), resolve())));
  const logText = (): string => readFileSync(logPath, 'utf8');
  const deadline = Date.now() + 20_000;
  while (!/"msg":"replicating"/.test(logText())) {
    if (exit) throw new Error(`agent exited ${JSON.stringify(exit)} before replicating:\n${logText().slice(-2000)}`);
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`agent did not start within 20 s:\n${logText().slice(-2000)}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  return {
    replicaDir,
    replicaUrl: pathToFileURL(replicaDir).href,
    logPath,
    child,
    replicaTxid: () => maxL0Txid(replicaDir),
    logText,
    async stop(graceMs = 10_000) {
      const start = Date.now();
      if (!exit) {
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
        await exited;
        clearTimeout(timer);
      }
      const e = exit as unknown as { code: number | null; signal: NodeJS.Signals | null };
      return { code: e.code, signal: e.signal, stopMs: Date.now() - start };
    },
  };
}

/**
 * Waits until the replica's newest TXID has not moved for `quietMs` (the agent found nothing new in several
 * syncs), at most `maxMs`. Returns how long it waited.
 */
export async function waitReplicaQuiet(agent: AgentProcess, quietMs: number, maxMs: number): Promise<number> {
  const start = Date.now();
  let txid = agent.replicaTxid();
  let since = Date.now();
  while (Date.now() - start < maxMs) {
    await new Promise((r) => setTimeout(r, 100));
    const now = agent.replicaTxid();
    if (now !== txid) {
      txid = now;
      since = Date.now();
    } else if (Date.now() - since >= quietMs) {
      break;
    }
  }
  return Date.now() - start;
}

export interface AgentLogSummary {
  lines: number;
  warnings: number;
  errors: number;
  snapshots: number;
  snapshotReasons: string[];
  /** Checkpoints the agent ran itself (debug "checkpoint" lines). */
  checkpoints: number;
  malformed: string[];
  /** Distinct warning and error messages with their reasons, for the report. */
  distinctProblems: string[];
  /** Longest sync (WAL read to local L0 file) of any uploaded file: a commit may wait that long behind one. */
  maxSyncMs: number;
}

export function summarizeAgentLog(text: string): AgentLogSummary {
  const summary: AgentLogSummary = { lines: 0, warnings: 0, errors: 0, snapshots: 0, snapshotReasons: [], checkpoints: 0, malformed: [], distinctProblems: [], maxSyncMs: 0 };
  const distinct = new Set<string>();
  for (const line of text.split('\n')) {
    if (!line.trim()) continue;
    summary.lines++;
    if (/malformed/i.test(line)) summary.malformed.push(line);
    let rec: { level?: number; msg?: string; err?: unknown; reason?: string; syncStartedAt?: number; syncEndedAt?: number };
    try {
      rec = JSON.parse(line) as typeof rec;
    } catch {
      distinct.add(`non-JSON output: ${line.slice(0, 200)}`);
      continue;
    }
    const level = rec.level ?? 0;
    if (rec.msg === 'wrote snapshot L0 file') {
      summary.snapshots++;
      summary.snapshotReasons.push(String(rec.reason));
    }
    if (rec.msg === 'checkpoint') summary.checkpoints++;
    if (rec.msg === 'uploaded' && rec.syncStartedAt !== undefined && rec.syncEndedAt !== undefined) {
      summary.maxSyncMs = Math.max(summary.maxSyncMs, rec.syncEndedAt - rec.syncStartedAt);
    }
    if (level >= 40) {
      if (level >= 50) summary.errors++;
      else summary.warnings++;
      const err = typeof rec.err === 'string' ? rec.err : JSON.stringify(rec.err ?? rec.reason ?? '');
      distinct.add(`${level >= 50 ? 'ERROR' : 'WARN'} ${rec.msg}: ${err}`.slice(0, 300));
    }
  }
  summary.distinctProblems = [...distinct];
  return summary;
}
