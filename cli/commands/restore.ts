// `streambed restore`: rebuilds a SQLite database from a replica, at the latest position, a TXID or a timestamp.
import type { Command } from 'commander';
import { existsSync, rmSync } from 'node:fs';
import { UsageError } from '../../core/errors.ts';
import { LayoutError, parseTXID } from '../../core/layout/names.ts';
import type { TXID } from '../../core/ltx/types.ts';
import { loadReplicaClient } from '../../core/replica/load.ts';
import { parseRfc3339 } from '../../core/replica/timestamp.ts';
import { NoBackupsError, RestoreInterruptedError } from '../../core/restore/errors.ts';
import type { IntegrityCheck } from '../../core/restore/integrity.ts';
import type { RestorePlan } from '../../core/restore/plan.ts';
import { formatTXID } from '../../core/restore/refs.ts';
import { restoreV03IfChosen } from '../../core/v03/index.ts';
import {
  DEFAULT_PARALLELISM, planReplicaRestore, restoreDatabase, restoreTempPath, type RestoreResult,
} from '../../core/restore/restore.ts';
import { createLogger } from '../../agent/logger.ts';
import type { Logger } from '../../core/log/logger.ts';
import { resolveCommandTarget, withConfigFlags, type ConfigFlags } from '../config-flags.ts';
import { EXIT_FAILURE, EXIT_OK, exitCodeAction, type ExitCode } from '../exit-code.ts';
import { abortOnSignals } from '../interrupt.ts';
import type { FollowFlags } from '../follow.ts';

interface RestoreFlags extends FollowFlags {
  o?: string;
  txid?: string;
  timestamp?: string;
  ifDbNotExists?: boolean;
  ifReplicaExists?: boolean;
  parallelism?: string;
  dryRun?: boolean;
  json?: boolean;
  force?: boolean;
  integrityCheck?: string;
  generation?: string;
  remote?: string;
}

/** 16 hex digits, as Litestream's -txid and as `streambed ltx` / `verify` print TXIDs. */
export function parseTxidFlag(value: string): TXID {
  try {
    return parseTXID(value);
  } catch (err) {
    if (err instanceof LayoutError) throw new UsageError(`-txid: ${err.message}`);
    throw err;
  }
}

export function parseTimestampFlag(value: string): Date {
  const date = parseRfc3339(value);
  if (!date) throw new UsageError(`-timestamp must be an RFC 3339 time such as 2000-01-01T00:00:00Z, not "${value}"`);
  return date;
}

function parseParallelism(value: string | undefined): number {
  if (value === undefined) return DEFAULT_PARALLELISM;
  const n = Number(value);
  if (!/^\d+$/.test(value) || n < 1 || n > 256) throw new UsageError(`-parallelism must be an integer from 1 to 256, not "${value}"`);
  return n;
}

function parseIntegrityCheck(value: string | undefined): IntegrityCheck {
  const mode = value ?? 'quick';
  if (mode !== 'none' && mode !== 'quick' && mode !== 'full') throw new UsageError(`-integrity-check must be none, quick or full, not "${mode}"`);
  return mode;
}

function fileRow(f: { level: number; minTXID: TXID; maxTXID: TXID }): { level: number; min_txid: string; max_txid: string } {
  return { level: f.level, min_txid: formatTXID(f.minTXID), max_txid: formatTXID(f.maxTXID) };
}

function planJson(plan: RestorePlan, output: string): object {
  return {
    dry_run: true,
    output,
    txid: formatTXID(plan.txid),
    bytes: plan.bytes,
    files: plan.files.map((f) => ({ ...fileRow(f), size: f.size, created: f.createdAt.toISOString() })),
  };
}

function resultJson(r: RestoreResult): object {
  return {
    output: r.outputPath,
    txid: formatTXID(r.txid),
    timestamp: r.timestamp.toISOString(),
    page_size: r.pageSize,
    commit: r.commit,
    size: r.pageSize * r.commit,
    bytes: r.bytes,
    files: r.files.map(fileRow),
    skipped: r.skipped.map((s) => ({ ...fileRow(s.file), reason: s.reason })),
  };
}

function printPlan(plan: RestorePlan, output: string): void {
  const lines = [`restore plan for ${output}: TXID ${formatTXID(plan.txid)}, ${plan.files.length} file(s), ${plan.bytes} bytes to fetch`];
  for (const f of plan.files) lines.push(`  L${f.level} ${formatTXID(f.minTXID)}-${formatTXID(f.maxTXID)} ${f.size} bytes ${f.createdAt.toISOString()}`);
  process.stdout.write(lines.join('\n') + '\n');
}

/** A bar on stderr only when a person is watching; scripts and logs get none (nor load its module). */
async function progressBar(): Promise<{ update: (done: number, total: number) => void; stop: () => void } | undefined> {
  if (!process.stderr.isTTY) return undefined;
  const { default: cliProgress } = await import('cli-progress');
  const bar = new cliProgress.SingleBar(
    { stream: process.stderr, format: 'restoring [{bar}] {percentage}% | {value}/{total} bytes', hideCursor: true },
    cliProgress.Presets.shades_classic,
  );
  let started = false;
  return {
    update(done, total) {
      if (!started) bar.start(total, 0);
      started = true;
      bar.update(done);
    },
    stop: () => started && bar.stop(),
  };
}

function stderrLogger(): Logger {
  return createLogger({ stderr: true, level: 'warn' });
}

/** For a second Ctrl-C, which exits at once: the restore's own cleanup may not get to run. */
function removePartialOutput(output: string): void {
  const tmp = restoreTempPath(output);
  for (const p of [tmp, `${tmp}-wal`, `${tmp}-shm`]) rmSync(p, { force: true });
  process.stderr.write(`streambed: restore interrupted; removed the partial output ${tmp}\n`);
}

async function runRestore(target: string, flags: RestoreFlags): Promise<ExitCode> {
  if (flags.txid !== undefined && flags.timestamp !== undefined) throw new UsageError('cannot use -txid and -timestamp together; choose one');
  const txid = flags.txid !== undefined ? parseTxidFlag(flags.txid) : undefined;
  const timestamp = flags.timestamp !== undefined ? parseTimestampFlag(flags.timestamp) : undefined;
  if (flags.follow || flags.exec !== undefined || flags.followInterval !== undefined) {
    // Loaded only when used, like the remote restore below.
    return (await import('../follow.ts')).runFollow(target, flags, { parallelism: parseParallelism(flags.parallelism), integrityCheck: parseIntegrityCheck(flags.integrityCheck) });
  }
  // Loaded only when used: the Lambda client is not worth its start-up cost for local restores.
  if (flags.remote !== undefined) {
    await (await import('../remote-restore.ts')).runRemoteRestore({ functionName: flags.remote, target, txid, timestamp, output: flags.o, configPath: flags.config, expandEnv: flags.expandEnv, force: flags.force, ifDbNotExists: flags.ifDbNotExists, json: flags.json });
    return EXIT_OK;
  }
  const parallelism = parseParallelism(flags.parallelism);
  const integrityCheck = parseIntegrityCheck(flags.integrityCheck);
  const resolved = await resolveCommandTarget(target, flags);
  const output = flags.o ?? resolved.db?.path;
  if (!output) throw new UsageError(`restoring from a replica URL needs an output path: add -o PATH`);

  if (flags.ifDbNotExists && existsSync(output)) {
    if (!flags.json) process.stderr.write(`database ${output} already exists, skipping restore\n`);
    else process.stdout.write(JSON.stringify({ output, skipped: 'database exists' }) + '\n');
    return EXIT_OK;
  }
  const client = await loadReplicaClient(resolved.replica.options);
  try {
    const v03 = await restoreV03IfChosen(client, {
      outputPath: output, txid, timestamp, generation: flags.generation, integrityCheck, force: flags.force, dryRun: flags.dryRun, parallelism, logger: stderrLogger(),
    });
    if (v03) {
      process.stdout.write(flags.json ? JSON.stringify(v03.json, null, 2) + '\n' : v03.text);
      return EXIT_OK;
    }
    if (flags.dryRun) {
      const plan = await planReplicaRestore(client, { txid, timestamp });
      if (flags.json) process.stdout.write(JSON.stringify(planJson(plan, output), null, 2) + '\n');
      else printPlan(plan, output);
      return EXIT_OK;
    }
    const bar = await progressBar();
    const interruption = abortOnSignals(() => removePartialOutput(output));
    let result: RestoreResult;
    try {
      result = await restoreDatabase(client, {
        outputPath: output, txid, timestamp, parallelism, integrityCheck, force: flags.force, logger: stderrLogger(), onProgress: bar?.update,
        signal: interruption.signal,
      });
    } catch (err) {
      if (!(err instanceof RestoreInterruptedError)) throw err;
      bar?.stop();
      process.stderr.write(`streambed: ${err.message}\n`);
      return interruption.exitCode() ?? EXIT_FAILURE;
    } finally {
      interruption.dispose();
      bar?.stop();
    }
    if (flags.json) process.stdout.write(JSON.stringify(resultJson(result), null, 2) + '\n');
    else {
      process.stdout.write(
        `restored ${result.outputPath} to TXID ${formatTXID(result.txid)} (${result.timestamp.toISOString()}): ` +
          `${result.commit} pages of ${result.pageSize} bytes from ${result.files.length} file(s), ${result.bytes} bytes downloaded\n`,
      );
    }
    return EXIT_OK;
  } catch (err) {
    if (flags.ifReplicaExists && err instanceof NoBackupsError) {
      if (flags.json) process.stdout.write(JSON.stringify({ output, skipped: 'no backups' }) + '\n');
      else process.stderr.write(`no backups found in ${client.location}, skipping restore\n`);
      return EXIT_OK;
    }
    throw err;
  } finally {
    await client.close();
  }
}

export function register(program: Command): void {
  const command = program
    .command('restore')
    .description(
      'restore a database from its replica (latest, or at -txid / -timestamp). Exit 0: restored exactly the target; ' +
        '1: failed, nothing written (an unusable file names the -txid that does restore); 2: usage; ' +
        '130 / 143: interrupted by SIGINT / SIGTERM, partial output removed',
    )
    .argument('<target>', 'DB_PATH (from the configuration) or REPLICA_URL');
  withConfigFlags(command)
    .option('-o <path>', 'output path (default: the database path)')
    .option('--txid <hex>', 'restore up to and including this TXID: 16 hex digits, as `ltx` and `verify` print it')
    .option('--timestamp <rfc3339>', 'restore the state before this time, e.g. 2000-01-01T00:00:00Z')
    .option('--if-db-not-exists', 'do nothing (exit 0) if the output database already exists')
    .option('--if-replica-exists', 'do nothing (exit 0) if the replica has no backups')
    .option('--parallelism <n>', `downloads in flight (default ${DEFAULT_PARALLELISM})`)
    .option('--dry-run', 'print the restore plan without downloading')
    .option('--json', 'print the result or plan as JSON')
    .option('--force', 'overwrite an existing output database')
    .option('--integrity-check <mode>', 'none, quick (default) or full')
    .option('--generation <id>', 'restore from this Litestream v0.3 generation (v0.3 backups only)')
    .option('--remote <function>', 'restore through the deployed restore Lambda (name or ARN) and download the result')
    .option('-f, --follow', 'after restoring, keep applying new files from the replica until SIGINT/SIGTERM (exit 0); open the copy read-only')
    .option('--follow-interval <duration>', 'with -f: how often to poll the replica (default 1s)')
    .option('--exec <cmd>', 'with -f: run this command once the copy is live; stop following when it exits, with its exit code')
    .action(exitCodeAction(runRestore));
}
