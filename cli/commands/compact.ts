// `streambed compact`: runs maintenance (level compaction, snapshot by merge, retention) once or on its schedule.
import type { Command } from 'commander';
import { runMaintenance } from '../../core/compact/maintenance.ts';
import type { MaintenanceReport } from '../../core/compact/report.ts';
import { resolveMaintenanceTargets } from '../../core/compact/targets.ts';
import type { MaintenanceTarget } from '../../core/compact/targets.ts';
import { UsageError } from '../../core/errors.ts';
import { formatLtxFileName } from '../../core/layout/names.ts';
import { txidReplacer } from '../../core/layout/txid-json.ts';
import type { ReplicaClient } from '../../core/replica/client.ts';
import { openReplicaClient } from '../../core/replica/open.ts';
import { createLogger } from '../../agent/logger.ts';

interface CompactFlags {
  config?: string;
  expandEnv?: boolean;
  once?: boolean;
  json?: boolean;
  retention?: boolean;
  interval?: string;
  tmpDir?: string;
}

function summary(name: string, r: MaintenanceReport): string {
  const lines = [`${name} (${r.location}):`];
  for (const step of [...r.levels, r.snapshot]) {
    const what = step.written ? `wrote ${formatLtxFileName(step.written.minTXID, step.written.maxTXID)} from ${step.inputs?.length} file(s)` : step.status;
    lines.push(`  L${step.level}: ${what}${step.reason && !step.written ? ` (${step.reason})` : ''}`);
  }
  const ret = r.retention;
  lines.push(`  retention: ${ret.enabled ? `${ret.deleted.length} file(s) deleted` : 'disabled'}`);
  for (const e of r.errors) lines.push(`  ERROR ${e.step}: ${e.message}`);
  return lines.join('\n');
}

/** A target with the one client that serves it for the whole run (every pass reuses its pooled connections). */
type OpenTarget = MaintenanceTarget & { client: ReplicaClient };

async function passOver(targets: OpenTarget[], flags: CompactFlags): Promise<boolean> {
  const logger = createLogger({ stderr: true, level: 'warn' });
  let ok = true;
  const reports: Array<MaintenanceReport & { name: string }> = [];
  for (const t of targets) {
    const settings = { ...t.settings, tmpDir: flags.tmpDir, logger, retentionEnabled: t.settings.retentionEnabled && flags.retention !== false };
    const report = await runMaintenance(t.client, settings);
    if (report.errors.length > 0) ok = false;
    reports.push({ name: t.name, ...report });
    if (!flags.json) process.stdout.write(summary(t.name, report) + '\n');
  }
  if (flags.json) process.stdout.write(JSON.stringify(reports.length === 1 ? reports[0] : reports, txidReplacer, 2) + '\n');
  return ok;
}

function parseInterval(value: string | undefined, targets: MaintenanceTarget[]): number {
  if (value === undefined) return Math.min(...targets.flatMap((t) => t.settings.levels), 30_000);
  const seconds = Number(value);
  if (!(seconds > 0)) throw new UsageError(`--interval must be a positive number of seconds, not "${value}"`);
  return seconds * 1000;
}

/** Without --once: a pass at every interval until SIGINT or SIGTERM (a standalone compactor next to the agents). */
async function loop(targets: OpenTarget[], flags: CompactFlags, interval: number): Promise<void> {
  const stop = new AbortController();
  const onSignal = (): void => stop.abort();
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  try {
    while (!stop.signal.aborted) {
      if (!(await passOver(targets, flags))) process.exitCode = 1;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, interval);
        stop.signal.addEventListener('abort', () => (clearTimeout(timer), resolve()), { once: true });
      });
    }
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}

async function runCompact(target: string | undefined, flags: CompactFlags): Promise<void> {
  const targets = await resolveMaintenanceTargets(target, { configPath: flags.config, expandEnv: flags.expandEnv !== false });
  const interval = parseInterval(flags.interval, targets);
  const open = targets.map((t) => ({ ...t, client: openReplicaClient(t.replica.options) }));
  try {
    if (flags.once) {
      if (!(await passOver(open, flags))) process.exitCode = 1;
      return;
    }
    await loop(open, flags, interval);
  } finally {
    await Promise.all(open.map((t) => t.client.close()));
  }
}

export function register(program: Command): void {
  program
    .command('compact')
    .description('compact levels, build snapshots by merging and apply retention, for one database or every configured one')
    .argument('[target]', 'DB_PATH (from the configuration) or REPLICA_URL; default: every database in the config')
    .option('--config <path>', 'configuration file')
    .option('--no-expand-env', 'do not expand environment variables in the configuration file')
    .option('--once', 'run one pass and exit (default: repeat every --interval until interrupted)')
    .option('--interval <seconds>', 'seconds between passes without --once (default: the shortest level interval)')
    .option('--no-retention', 'compact only; delete nothing')
    .option('--json', 'print the reports as JSON')
    .option('--tmp-dir <path>', 'where inputs are spooled while merging (default: the system temp dir)')
    .action(async (target: string | undefined, flags: CompactFlags) => runCompact(target, flags));
}
