// `streambed restore -f`: restores a database, then keeps it up to date from the replica until stopped (or -exec ends).
import { existsSync, rmSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseDuration } from '../core/util/duration.ts';
import { UsageError } from '../core/errors.ts';
import { openReplicaClient } from '../core/replica/open.ts';
import { NoBackupsError, RestoreInterruptedError } from '../core/restore/errors.ts';
import { DEFAULT_FOLLOW_INTERVAL_MS, followReplica } from '../core/restore/follow.ts';
import { followTxidPath, readFollowTxid, writeFollowTxid } from '../core/restore/follow-txid.ts';
import { listReplicaFiles } from '../core/restore/list.ts';
import type { TXID } from '../core/ltx/types.ts';
import type { ReplicaClient } from '../core/replica/client.ts';
import type { IntegrityCheck } from '../core/restore/integrity.ts';
import { formatTXID } from '../core/restore/refs.ts';
import { restoreDatabase, restoreTempPath } from '../core/restore/restore.ts';
import type { Logger } from '../core/log/logger.ts';
import { runExec } from '../agent/exec.ts';
import { createLogger } from '../agent/logger.ts';
import { resolveCommandTarget, type ConfigFlags } from './config-flags.ts';
import { EXIT_FAILURE, EXIT_OK, type ExitCode } from './exit-code.ts';
import { abortOnSignals } from './interrupt.ts';

export interface FollowFlags extends ConfigFlags {
  o?: string;
  follow?: boolean;
  followInterval?: string;
  exec?: string;
  txid?: string;
  timestamp?: string;
  dryRun?: boolean;
  remote?: string;
  generation?: string;
  ifDbNotExists?: boolean;
  ifReplicaExists?: boolean;
  force?: boolean;
}

export interface FollowSettings {
  parallelism: number;
  integrityCheck: IntegrityCheck;
}

/** Flags that make no sense with -f, and why. */
function checkFlags(flags: FollowFlags): number {
  if (!flags.follow) throw new UsageError('-exec and -follow-interval need -f (follow mode)');
  const conflicts: Array<[unknown, string]> = [
    [flags.txid, '-txid'], [flags.timestamp, '-timestamp'], [flags.dryRun, '-dry-run'], [flags.remote, '-remote'], [flags.generation, '-generation'],
    [flags.ifDbNotExists, '-if-db-not-exists'],
  ];
  for (const [value, name] of conflicts) {
    if (value !== undefined && value !== false) throw new UsageError(`-f follows the newest state of the replica; it cannot be combined with ${name}`);
  }
  if (flags.followInterval === undefined) return DEFAULT_FOLLOW_INTERVAL_MS;
  let ms: number;
  try {
    ms = parseDuration(flags.followInterval);
  } catch (err) {
    throw new UsageError(`-follow-interval "${flags.followInterval}": ${(err as Error).message}`);
  }
  if (!(ms >= 10)) throw new UsageError(`-follow-interval must be at least 10ms, not "${flags.followInterval}"`);
  return ms;
}

/**
 * An existing copy with its `<output>.txid` file resumes from that TXID instead of being restored again (unless
 * -force). The replica must reach that TXID: a copy ahead of it is not a copy of this replica (or the replica was
 * reset), and following would silently keep it as it is.
 */
async function resumePoint(client: ReplicaClient, output: string, force: boolean, log: Logger): Promise<{ outputPath: string; txid: TXID } | undefined> {
  if (force || !existsSync(output)) return undefined;
  const txid = await readFollowTxid(output);
  if (txid === undefined) return undefined; // restoreDatabase explains that the output exists
  const files = await listReplicaFiles(client);
  if (files.length === 0) throw new NoBackupsError(client.location);
  const newest = files.reduce((max, f) => Math.max(max, f.maxTXID), 0);
  if (newest < txid) {
    throw new Error(
      `cannot resume following ${output}: ${followTxidPath(output)} says TXID ${formatTXID(txid)} but ${client.location} reaches ` +
        `TXID ${formatTXID(newest)} at most, so the copy is not from this replica (or the replica was reset); pass -force to restore afresh`,
    );
  }
  log.info({ output, txid: formatTXID(txid) }, 'follow: resuming an existing copy');
  return { outputPath: resolve(output), txid };
}

function logger(): Logger {
  return createLogger({ stderr: true, level: 'info' });
}

/**
 * Exit codes: 0 when stopped by SIGINT/SIGTERM (the copy is left consistent at the TXID printed); with -exec, the
 * command's own exit code (128 + n when a signal killed it), as `replicate -exec` does. A signal during the first
 * restore ends it like a plain restore (partial output removed, 130 / 143).
 */
export async function runFollow(target: string, flags: FollowFlags, settings: FollowSettings): Promise<ExitCode> {
  const intervalMs = checkFlags(flags);
  const resolved = await resolveCommandTarget(target, flags);
  const output = flags.o ?? resolved.db?.path;
  if (!output) throw new UsageError('restoring from a replica URL needs an output path: add -o PATH');
  const client = openReplicaClient(resolved.replica.options);
  const log = logger();
  let restoring = true;
  const interruption = abortOnSignals(() => {
    if (restoring) for (const p of [restoreTempPath(output), `${restoreTempPath(output)}-wal`, `${restoreTempPath(output)}-shm`]) rmSync(p, { force: true });
  });
  try {
    const start = await resumePoint(client, output, flags.force === true, log);
    let restored = start;
    if (!restored) {
      try {
        restored = await restoreDatabase(client, { outputPath: output, ...settings, force: flags.force, logger: log, signal: interruption.signal });
      } catch (err) {
        if (err instanceof NoBackupsError && flags.ifReplicaExists) {
          process.stderr.write(`no backups found in ${client.location}, nothing to follow\n`);
          return EXIT_OK;
        }
        if (!(err instanceof RestoreInterruptedError)) throw err;
        process.stderr.write(`streambed: ${err.message}\n`);
        return interruption.exitCode() ?? EXIT_FAILURE;
      }
      await writeFollowTxid(restored.outputPath, restored.txid);
    }
    restoring = false;
    process.stderr.write(
      `${start ? 'resuming' : 'restored'} ${restored.outputPath} ${start ? 'from' : 'to'} TXID ${formatTXID(restored.txid)}; ` +
        `following ${client.location} every ${intervalMs} ms (Ctrl-C stops)\n`,
    );
    const execDone = new AbortController();
    const child = flags.exec !== undefined ? runExec(flags.exec) : undefined;
    const childCode = child?.exited.finally(() => execDone.abort('exec exited'));
    const result = await followReplica(client, {
      outputPath: restored.outputPath,
      txid: restored.txid,
      intervalMs,
      parallelism: settings.parallelism,
      signal: AbortSignal.any([interruption.signal, execDone.signal]),
      logger: log,
      saveTxid: true,
    });
    process.stderr.write(`stopped following: ${restored.outputPath} is at TXID ${formatTXID(result.txid)} (${result.files} file(s) applied)\n`);
    // runExec forwarded the signal to the command; its exit code is ours.
    return childCode ? await childCode : EXIT_OK;
  } finally {
    interruption.dispose();
    await client.close();
  }
}
