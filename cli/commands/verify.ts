// `streambed verify`: checks every file of a replica (checksums, names, contiguity) and, with --full, a real restore.
import type { Command } from 'commander';
import { openReplicaClient } from '../../core/replica/open.ts';
import { formatTXID } from '../../core/layout/names.ts';
import { v03Explanation } from '../../core/v03/index.ts';
import { verifyReplica, verifyReportJson } from '../../core/verify/index.ts';
import type { VerifyProblem, VerifyReport } from '../../core/verify/index.ts';
import { resolveCommandTarget, withConfigFlags, type ConfigFlags } from '../config-flags.ts';
import { EXIT_FAILURE, EXIT_OK, exitCodeAction, type ExitCode } from '../exit-code.ts';
import { print, printErr, printJson } from '../output.ts';

interface VerifyFlags extends ConfigFlags {
  full?: boolean;
  json?: boolean;
  tmpDir?: string;
}

function problemLine(p: VerifyProblem): string {
  const where = p.key ?? (p.minTXID !== undefined && p.maxTXID !== undefined ? `TXIDs ${formatTXID(p.minTXID)}-${formatTXID(p.maxTXID)}` : '');
  return `  ${p.severity.toUpperCase()} ${p.kind}${where ? ` ${where}` : ''}: ${p.message}`;
}

function printReport(r: VerifyReport): void {
  const restorable = r.restorableTXID > 0 ? `restorable to TXID ${formatTXID(r.restorableTXID)}` : 'nothing restorable';
  const lines = [`${r.ok ? 'OK' : 'FAILED'} ${r.location}: ${r.files} file(s), ${r.bytes} bytes, ${restorable}`];
  for (const l of r.levels) lines.push(`  L${l.level}: ${l.files} file(s), TXIDs ${formatTXID(l.minTXID ?? 0)}-${formatTXID(l.maxTXID ?? 0)}, ${l.bytes} bytes`);
  if (r.restore) lines.push(`  full restore: TXID ${formatTXID(r.restore.txid)}, ${r.restore.pages} pages of ${r.restore.pageSize} bytes, integrity_check ${r.restore.integrity}`);
  for (const p of r.problems) lines.push(problemLine(p));
  print(lines.join('\n'));
}

async function runVerify(target: string, flags: VerifyFlags): Promise<ExitCode> {
  const resolved = await resolveCommandTarget(target, flags);
  const client = openReplicaClient(resolved.replica.options);
  let report: VerifyReport;
  let v03: string | undefined;
  try {
    report = await verifyReplica(client, { full: flags.full, tmpDir: flags.tmpDir });
    v03 = await v03Explanation(client, 'verify', report.files);
  } finally {
    await client.close();
  }
  if (v03) printErr(v03);
  if (flags.json) printJson(verifyReportJson(report));
  else printReport(report);
  return report.ok ? EXIT_OK : EXIT_FAILURE;
}

export function register(program: Command): void {
  withConfigFlags(
    program
      .command('verify')
      .description('check every LTX file of a replica (checksums, names, contiguity); exit 1 on problems')
      .argument('<target>', 'DB_PATH (from the configuration) or REPLICA_URL'),
  )
    .option('--full', 'also restore the newest restorable state to a temporary file and run PRAGMA integrity_check')
    .option('--json', 'print the report as JSON')
    .option('--tmp-dir <path>', 'directory for the --full restore (default: the system temp dir)')
    .action(exitCodeAction(runVerify));
}
