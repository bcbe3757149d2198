// restoreDatabase: plan, download and apply a replica's LTX files into a new SQLite file, atomically.
import { access, mkdir, rename, rm } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { fsyncDir } from '../fs/atomic.ts';
import { checksumDatabaseFile } from '../ltx/database.ts';
import type { TXID } from '../ltx/types.ts';
import { HEADER_SIZE } from '../ltx/types.ts';
import type { LtxFileInfo, LtxFileRef, ReplicaClient } from '../replica/client.ts';
import { UsageError } from '../errors.ts';
import { applyPlan, FileApplyError } from './apply.ts';
import { OutputExistsError, UnrecoverableFileError } from './errors.ts';
import { checkIntegrity, type IntegrityCheck } from './integrity.ts';
import { listReplicaFiles } from './list.ts';
import { planRestore, type RestorePlan, type RestoreTarget } from './plan.ts';
import { describeRef, formatTXID, refKey } from './refs.ts';
import { withWrittenTimestamps } from './timestamps.ts';

/** The subset of a pino logger restore uses. */
export interface RestoreLogger {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
}

export interface RestoreOptions extends RestoreTarget {
  outputPath: string;
  /** GETs in flight; default 8. */
  parallelism?: number;
  /** Default 'quick'. */
  integrityCheck?: IntegrityCheck;
  /** Replace an existing output file. */
  force?: boolean;
  /** LTX bytes applied so far and the plan's total. */
  onProgress?: (done: number, total: number) => void;
  logger?: RestoreLogger;
  /** Files to leave out from the start, as refKey() strings. */
  exclude?: ReadonlySet<string>;
  /** Ranged-GET size for large files; default 4 MiB. */
  chunkSize?: number;
  /** Bound on downloaded-but-unapplied bytes; default max(64 MiB, 2 × parallelism × chunkSize). */
  maxBufferedBytes?: number;
  /** Decode and write in a worker thread; default: when the machine has more than two cores. */
  decodeInWorker?: boolean;
  /** Also compute the LTX database checksum of the result (one more full read of the file). */
  computeChecksum?: boolean;
}

export interface RestoreResult {
  txid: TXID;
  files: LtxFileRef[];
  /** LTX bytes downloaded. */
  bytes: number;
  pageSize: number;
  commit: number;
  /** Header timestamp of the newest applied file. */
  timestamp: Date;
  outputPath: string;
  /** Files skipped because they were missing or corrupt. */
  skipped: Array<{ file: LtxFileRef; reason: string }>;
  /** LTX database checksum (spec §1.5), with `computeChecksum`. */
  checksum?: bigint;
}

export const DEFAULT_PARALLELISM = 8;

/** Lists the replica and plans a restore without downloading anything (`--dry-run`). */
export async function planReplicaRestore(client: ReplicaClient, target: RestoreTarget = {}, exclude?: ReadonlySet<string>): Promise<RestorePlan> {
  if (target.txid !== undefined && target.timestamp !== undefined) throw new UsageError('cannot restore to both a TXID and a timestamp; choose one');
  let files = await listReplicaFiles(client);
  if (target.timestamp) files = await withWrittenTimestamps(client, files, target.timestamp);
  return planRestore(files, target, { exclude: withTooSmall(files, exclude), location: client.location });
}

export async function restoreDatabase(client: ReplicaClient, options: RestoreOptions): Promise<RestoreResult> {
  const target: RestoreTarget = { txid: options.txid, timestamp: options.timestamp };
  if (target.txid !== undefined && target.timestamp !== undefined) throw new UsageError('cannot restore to both a TXID and a timestamp; choose one');
  const parallelism = options.parallelism ?? DEFAULT_PARALLELISM;
  if (!Number.isInteger(parallelism) || parallelism < 1) throw new UsageError(`parallelism must be a positive integer, got ${parallelism}`);
  const outputPath = resolve(options.outputPath);
  if (!options.force && (await exists(outputPath))) throw new OutputExistsError(outputPath);

  let files = await listReplicaFiles(client);
  if (target.timestamp) files = await withWrittenTimestamps(client, files, target.timestamp);
  const exclude = new Set(withTooSmall(files, options.exclude));
  await mkdir(dirname(outputPath), { recursive: true }); // as Litestream does for a new output location
  const skipped: RestoreResult['skipped'] = [];
  const tmpPath = `${outputPath}.tmp`;
  try {
    for (;;) {
      const plan = planAvoiding(files, target, exclude, client, skipped);
      options.logger?.info({ txid: formatTXID(plan.txid), files: plan.files.length }, 'restore plan');
      try {
        const applied = await applyPlan(client, plan.files, tmpPath, {
          parallelism,
          onProgress: options.onProgress,
          chunkSize: options.chunkSize,
          maxBufferedBytes: options.maxBufferedBytes,
          decodeInWorker: options.decodeInWorker,
        });
        await checkIntegrity(tmpPath, options.integrityCheck ?? 'quick', outputPath);
        const checksum = options.computeChecksum ? await checksumDatabaseFile(tmpPath) : undefined;
        await replaceOutput(tmpPath, outputPath);
        return {
          txid: plan.txid,
          files: plan.files.map(({ level, minTXID, maxTXID }) => ({ level, minTXID, maxTXID })),
          bytes: applied.bytes,
          pageSize: applied.pageSize,
          commit: applied.commit,
          timestamp: new Date(applied.timestamp),
          outputPath,
          skipped,
          checksum,
        };
      } catch (err) {
        if (!(err instanceof FileApplyError) || !err.fileProblem) throw err instanceof FileApplyError ? annotate(err, client) : err;
        const reason = err.message;
        options.logger?.warn({ file: describeRef(client.location, err.file), reason }, 'skipping unusable LTX file and re-planning');
        exclude.add(refKey(err.file));
        skipped.push({ file: err.file, reason });
      }
    }
  } catch (err) {
    await removeTemp(tmpPath);
    throw err;
  }
}

/** Plans without the excluded files; if that fails after a file was dropped, the error names that file. */
function planAvoiding(
  files: readonly LtxFileInfo[],
  target: RestoreTarget,
  exclude: ReadonlySet<string>,
  client: ReplicaClient,
  skipped: RestoreResult['skipped'],
): RestorePlan {
  try {
    return planRestore(files, target, { exclude, location: client.location });
  } catch (err) {
    const dropped = skipped.at(-1);
    if (!dropped) throw err;
    throw new UnrecoverableFileError(describeRef(client.location, dropped.file), dropped.file, dropped.reason, err);
  }
}

/** Files shorter than an LTX header cannot be valid (Litestream requires size ≥ 100). */
function withTooSmall(files: readonly LtxFileInfo[], exclude: ReadonlySet<string> = new Set()): Set<string> {
  const out = new Set(exclude);
  for (const f of files) if (f.size < HEADER_SIZE) out.add(refKey(f));
  return out;
}

function annotate(err: FileApplyError, client: ReplicaClient): Error {
  return new Error(`restore failed while reading ${describeRef(client.location, err.file)}: ${err.message}`, { cause: err.cause });
}

/** Stale -wal/-shm files of an overwritten database would be replayed onto the restored one, so they go first. */
async function replaceOutput(tmpPath: string, outputPath: string): Promise<void> {
  await Promise.all([rm(`${outputPath}-wal`, { force: true }), rm(`${outputPath}-shm`, { force: true })]);
  await rename(tmpPath, outputPath);
  await fsyncDir(dirname(outputPath));
}

async function removeTemp(tmpPath: string): Promise<void> {
  await Promise.all([tmpPath, `${tmpPath}-wal`, `${tmpPath}-shm`].map((p) => rm(p, { force: true })));
}

async function exists(path: string): Promise<boolean> {
  try {
    await access(path);
    return true;
  } catch {
    return false;
  }
}
