// `streambed retention`: deletes what the retention policy allows (spec §3), or lists it with --dry-run.
import type { Command } from 'commander';
import type { RetentionOutcome } from '../../core/compact/report.ts';
import { formatLtxFileName, formatTXID } from '../../core/layout/names.ts';
import { txidReplacer } from '../../core/layout/txid-json.ts';
import { openReplicaClient } from '../../core/replica/open.ts';
import { enforceRetention } from '../../core/retention/enforce.ts';
import { createLogger } from '../../agent/logger.ts';
import { withConfigFlags, type ConfigFlags } from '../config-flags.ts';
import { EXIT_OK, exitCodeAction, type ExitCode } from '../exit-code.ts';
import { resolveMaintenanceTargets } from '../maintenance-targets.ts';
import { print, printJson } from '../output.ts';

interface RetentionFlags extends ConfigFlags {
  dryRun?: boolean;
  json?: boolean;
}

function summary(name: string, location: string, r: RetentionOutcome): string {
  const verb = r.dryRun ? 'would delete' : 'deleted';
  const lines = [`${name} (${location}): ${verb} ${r.deleted.length} file(s); restore points kept from TXID ${formatTXID(r.windowStartTXID)}`];
  for (const f of r.deleted) lines.push(`  L${f.level} ${formatLtxFileName(f.minTXID, f.maxTXID)}`);
  for (const n of r.notes) lines.push(`  note: ${n}`);
  return lines.join('\n');
}

async function runRetention(target: string | undefined, flags: RetentionFlags): Promise<ExitCode> {
  const targets = await resolveMaintenanceTargets(target, flags);
  const logger = createLogger({ stderr: true, level: 'warn' });
  const results = [];
  for (const t of targets) {
    const client = openReplicaClient(t.replica.options);
    let outcome: RetentionOutcome;
    try {
      outcome = await enforceRetention(client, { ...t.settings, logger }, new Date(), { dryRun: flags.dryRun });
    } finally {
      await client.close();
    }
    results.push({ name: t.name, location: client.location, ...outcome });
    if (!flags.json) print(summary(t.name, client.location, outcome));
  }
  if (flags.json) printJson(results.length === 1 ? results[0] : results, txidReplacer);
  return EXIT_OK;
}

export function register(program: Command): void {
  withConfigFlags(
    program
      .command('retention')
      .description('delete snapshots and LTX files outside the retention window (never a restore point inside it)')
      .argument('[target]', 'DB_PATH (from the configuration) or REPLICA_URL; default: every database in the config'),
  )
    .option('--dry-run', 'list what would be deleted without deleting it')
    .option('--json', 'print the result as JSON')
    .action(exitCodeAction(runRetention));
}
