// `streambed compact`: runs maintenance (level compaction, snapshot by merge, retention) once or on its schedule.
import type { Command } from 'commander';
import { runMaintenance } from '../../core/compact/maintenance.ts';
import type { MaintenanceReport } from '../../core/compact/report.ts';
import { UsageError } from '../../core/errors.ts';
import { formatLtxFileName } from '../../core/layout/names.ts';
import { txidReplacer } from '../../core/layout/txid-json.ts';
import type { ReplicaClient } from '../../core/replica/client.ts';
import { openReplicaClient } from '../../core/replica/open.ts';
import { createLogger } from '../../agent/logger.ts';
import { withConfigFlags, type ConfigFlags } from '../config-flags.ts';
import { EXIT_FAILURE, EXIT_OK, exitCodeAction, type ExitCode } from '../exit-code.ts';
import { resolveMaintenanceTargets, type MaintenanceTarget } from '../maintenance-targets.ts';
import { print, printJson } from '../output.ts';

interface CompactFlags extends ConfigFlags {
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
    if (!flags.json) print(summary(t.name, report));
  }
  if (flags.json) printJson(reports.length === 1 ? reports[0] : reports, txidReplacer);
  return ok;
}

function parseInterval(value: string | undefined, targets: MaintenanceTarget[]): number {
  if (value === undefined) return Math.min(...targets.flatMap((t) => t.settings.levels), 30_000);
  const seconds = Number(value);
  if (!(seconds > 0)) throw new UsageError(`--interval must be a positive number of seconds, not "${value}"`);
  return seconds * 1000;
}

/** Without --once: a pass at every interval until SIGINT or SIGTERM (a standalone compactor next to the agents). */
async function loop(targets: OpenTarget[], flags: CompactFlags, interval: number): Promise<ExitCode> {
  const stop = new AbortController();
  const onSignal = (): void => stop.abort();
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  let code = EXIT_OK;
  try {
    while (!stop.signal.aborted) {
      if (!(await passOver(targets, flags))) code = EXIT_FAILURE;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, interval);
        stop.signal.addEventListener('abort', () => (clearTimeout(timer), resolve()), { once: true });
      });
    }
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
  return code;
}

async function runCompact(target: string | undefined, flags: CompactFlags): Promise<ExitCode> {
  const targets = await resolveMaintenanceTargets(target, flags);
  const interval = parseInterval(flags.interval, targets);
  const open = targets.map((t) => ({ ...t, client: openReplicaClient(t.replica.options) }));
  try {
    if (flags.once) return (await passOver(open, flags)) ? EXIT_OK : EXIT_FAILURE;
    return await loop(open, flags, interval);
  } finally {
    await Promise.all(open.map((t) => t.client.close()));
  }
}

export function register(program: Command): void {
  withConfigFlags(
    program
      .command('compact')
      .description('compact levels, build snapshots by merging and apply retention, for one database or every configured one')
      .argument('[target]', 'DB_PATH (from the configuration) or REPLICA_URL; default: every database in the config'),
  )
    .option('--once', 'run one pass and exit (default: repeat every --interval until interrupted)')
    .option('--interval <seconds>', 'seconds between passes without --once (default: the shortest level interval)')
    .option('--no-retention', 'compact only; delete nothing')
    .option('--json', 'print the reports as JSON')
    .option('--tmp-dir <path>', 'where inputs are spooled while merging (default: the system temp dir)')
    .action(exitCodeAction(runCompact));
}
