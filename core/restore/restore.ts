// restoreDatabase: plan, download and apply a replica's LTX files into a new SQLite file, atomically.
import { mkdir, rename, rm } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { fsyncDir } from '../fs/atomic.ts';
import { checksumDatabaseFile } from '../ltx/database.ts';
import type { TXID } from '../ltx/types.ts';
import { HEADER_SIZE } from '../ltx/types.ts';
import type { LtxFileInfo, LtxFileRef, ReplicaClient } from '../replica/client.ts';
import { UsageError } from '../errors.ts';
import type { Logger } from '../log/logger.ts';
import { applyPlan, FileApplyError } from './apply.ts';
import { NonContiguousError, OutputExistsError, OutputWriteError, RestoreInterruptedError, TxNotAvailableError, UnusableFilesError } from './errors.ts';
import { newestRestorable } from './fallback.ts';
import { checkIntegrity, type IntegrityCheck } from './integrity.ts';
import { listReplicaFiles } from './list.ts';
import { planRestore, type RestorePlan, type RestoreTarget } from './plan.ts';
import { fileLocation, formatTXID, refKey } from './refs.ts';
import { withWrittenTimestamps } from './timestamps.ts';
import { pathExists, removeDatabaseFiles } from '../fs/sqlite-files.ts';

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
  logger?: Logger;
  /** Files to leave out from the start, as refKey() strings. */
  exclude?: ReadonlySet<string>;
  /** Ranged-GET size for large files; default 2 MiB over the network, 4 MiB for a file replica. */
  chunkSize?: number;
  /** Bound on downloaded-but-unapplied bytes; default max(16 MiB, parallelism × chunkSize), 2 × chunkSize for a file replica. */
  maxBufferedBytes?: number;
  /** Also compute the LTX database checksum of the result (one more full read of the file). */
  computeChecksum?: boolean;
  /**
   * Stops the restore: downloads are cancelled, `<output>.tmp` is removed and RestoreInterruptedError is thrown, whose
   * message carries the signal's reason when it is a string (the CLI passes "SIGINT" / "SIGTERM").
   */
  signal?: AbortSignal;
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
  /** Files found missing or corrupt; other files reached the same TXID without them. */
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
  if (!options.force && (await pathExists(outputPath))) throw new OutputExistsError(outputPath);
  const signal = options.signal;
  const tmpPath = restoreTempPath(outputPath);

  let files = await listReplicaFiles(client);
  if (target.timestamp) files = await withWrittenTimestamps(client, files, target.timestamp);
  const exclude = new Set(withTooSmall(files, options.exclude));
  // The first plan fixes the TXID: re-planning around a bad file may only reach that same TXID, never an older one.
  const first = planRestore(files, target, { exclude, location: client.location });
  throwIfInterrupted(signal);
  await createOutputDir(outputPath);
  const attempts = new Attempts(client, files, first.txid, exclude, parallelism, options);
  try {
    for (let plan = first; ; plan = await attempts.replan(describeTarget(target))) {
      options.logger?.info({ txid: formatTXID(plan.txid), files: plan.files.length }, 'restore plan');
      try {
        const applied = await applyPlan(client, plan.files, tmpPath, {
          parallelism,
          onProgress: options.onProgress,
          chunkSize: options.chunkSize,
          maxBufferedBytes: options.maxBufferedBytes,
          outputPath,
          signal,
        });
        throwIfInterrupted(signal);
        await checkIntegrity(tmpPath, options.integrityCheck ?? 'quick', outputPath);
        const checksum = options.computeChecksum ? await checksumDatabaseFile(tmpPath) : undefined;
        throwIfInterrupted(signal); // the checks block the event loop; a signal that came meanwhile wins over the rename
        await replaceOutput(tmpPath, outputPath);
        return {
          txid: plan.txid,
          files: plan.files.map(({ level, minTXID, maxTXID }) => ({ level, minTXID, maxTXID })),
          bytes: applied.bytes,
          pageSize: applied.pageSize,
          commit: applied.commit,
          timestamp: new Date(applied.timestamp),
          outputPath,
          skipped: attempts.skipped,
          checksum,
        };
      } catch (err) {
        throwIfInterrupted(signal);
        if (!(err instanceof FileApplyError) || !err.fileProblem) throw err instanceof FileApplyError ? annotate(err, client) : err;
        attempts.failed(plan, err);
      }
    }
  } catch (err) {
    const partial = await pathExists(tmpPath);
    await removeDatabaseFiles(tmpPath);
    throw signal?.aborted ? new RestoreInterruptedError(interruptReason(signal), partial ? tmpPath : undefined) : err;
  }
}

/** Where the database is written until it is complete and checked: `<output>.tmp` (as Litestream names it). */
export function restoreTempPath(outputPath: string): string {
  return `${resolve(outputPath)}.tmp`;
}

/** The failed attempts of one restore: which files proved bad, which proved good, and the next plan to the same TXID. */
class Attempts {
  readonly skipped: RestoreResult['skipped'] = [];
  readonly #client: ReplicaClient;
  readonly #files: readonly LtxFileInfo[];
  readonly #goal: TXID;
  readonly #exclude: Set<string>;
  readonly #good = new Set<string>();
  readonly #parallelism: number;
  readonly #options: RestoreOptions;

  constructor(client: ReplicaClient, files: readonly LtxFileInfo[], goal: TXID, exclude: Set<string>, parallelism: number, options: RestoreOptions) {
    this.#client = client;
    this.#files = files;
    this.#goal = goal;
    this.#exclude = exclude;
    this.#parallelism = parallelism;
    this.#options = options;
  }

  /** Files applied before the failing one were read through and verified: a fallback plan need not read them again. */
  failed(plan: RestorePlan, err: FileApplyError): void {
    const at = plan.files.findIndex((f) => refKey(f) === refKey(err.file));
    for (const f of plan.files.slice(0, Math.max(at, 0))) this.#good.add(refKey(f));
    this.#options.logger?.warn(
      { file: fileLocation(this.#client, err.file), reason: err.message, txid: formatTXID(this.#goal) },
      'unusable LTX file; looking for other files that reach the same TXID',
    );
    this.#exclude.add(refKey(err.file));
    this.skipped.push({ file: err.file, reason: err.message });
  }

  /** A plan to the same TXID without the unusable files; if there is none, the error says what can be restored instead. */
  async replan(targetLabel: string): Promise<RestorePlan> {
    try {
      return planRestore(this.#files, { txid: this.#goal }, { exclude: this.#exclude, location: this.#client.location });
    } catch (err) {
      if (!(err instanceof TxNotAvailableError || err instanceof NonContiguousError)) throw err;
    }
    const restorable = await newestRestorable(this.#client, this.#files, this.#goal, {
      exclude: this.#exclude,
      good: this.#good,
      onUnusable: (file, reason) => this.skipped.push({ file, reason }),
      parallelism: this.#parallelism,
      signal: this.#options.signal,
    });
    const unusable = this.skipped.map((s) => ({ key: fileLocation(this.#client, s.file), ref: s.file, reason: s.reason }));
    throw new UnusableFilesError(this.#client.location, unusable, this.#goal, targetLabel, restorable);
  }
}

function describeTarget(target: RestoreTarget): string {
  if (target.txid !== undefined) return '';
  if (target.timestamp !== undefined) return ` (the newest before ${target.timestamp.toISOString()})`;
  return ' (the newest it holds)';
}

function interruptReason(signal: AbortSignal): string {
  const reason: unknown = signal.reason;
  if (typeof reason === 'string') return reason;
  return reason instanceof Error && reason.name !== 'AbortError' ? reason.message : 'aborted';
}

/** Inside the attempt loop the catch below removes the file and throws the final error; before it nothing was written. */
function throwIfInterrupted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw new RestoreInterruptedError(interruptReason(signal), undefined);
}

/** As Litestream does for a new output location; a failure is about the output, not the replica. */
async function createOutputDir(outputPath: string): Promise<void> {
  try {
    await mkdir(dirname(outputPath), { recursive: true });
  } catch (err) {
    throw OutputWriteError.from(outputPath, dirname(outputPath), 'creating the directory', err);
  }
}

/** Files shorter than an LTX header cannot be valid (Litestream requires size ≥ 100). */
function withTooSmall(files: readonly LtxFileInfo[], exclude: ReadonlySet<string> = new Set()): Set<string> {
  const out = new Set(exclude);
  for (const f of files) if (f.size < HEADER_SIZE) out.add(refKey(f));
  return out;
}

function annotate(err: FileApplyError, client: ReplicaClient): Error {
  return new Error(`restore failed while reading ${fileLocation(client, err.file)}: ${err.message}`, { cause: err.cause });
}

/** Stale -wal/-shm files of an overwritten database would be replayed onto the restored one, so they go first. */
async function replaceOutput(tmpPath: string, outputPath: string): Promise<void> {
  try {
    await Promise.all([rm(`${outputPath}-wal`, { force: true }), rm(`${outputPath}-shm`, { force: true })]);
    await rename(tmpPath, outputPath);
    await fsyncDir(dirname(outputPath));
  } catch (err) {
    throw OutputWriteError.from(outputPath, tmpPath, 'renaming into place', err);
  }
}
