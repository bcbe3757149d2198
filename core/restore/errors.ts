// Restore failures that callers tell apart: no backups, a point not reachable, unusable files, the output, an interruption.
import type { TXID } from '../ltx/types.ts';
import type { LtxFileRef } from '../replica/client.ts';
import { formatTXID, ltxName } from './refs.ts';

/** The replica holds no LTX files at all (`--if-replica-exists` turns this into exit 0). */
export class NoBackupsError extends Error {
  readonly location: string;
  constructor(location: string) {
    super(`no backups found in ${location}: the replica has no LTX files`);
    this.name = 'NoBackupsError';
    this.location = location;
  }
}

/** The requested point cannot be reached with the files in the replica (Litestream's ErrTxNotAvailable). */
export class TxNotAvailableError extends Error {
  readonly available: TXID;
  readonly requested?: TXID;
  constructor(message: string, available: TXID, requested?: TXID) {
    super(message);
    this.name = 'TxNotAvailableError';
    this.available = available;
    this.requested = requested;
  }
}

/** The replica's levels have a gap, so a restore to the latest position would silently lose transactions. */
export class NonContiguousError extends Error {
  readonly reached: TXID;
  readonly next: LtxFileRef;
  constructor(reached: TXID, next: LtxFileRef) {
    super(
      `replica is not contiguous: files reach TXID ${formatTXID(reached)} but L${next.level} file ` +
        `${formatTXID(next.minTXID)}-${formatTXID(next.maxTXID)} starts after a gap; to restore up to the gap, ` +
        `run restore with -txid ${formatTXID(reached)}, or repair the replica`,
    );
    this.name = 'NonContiguousError';
    this.reached = reached;
    this.next = next;
  }
}

/** The output already exists and `force` was not given. */
export class OutputExistsError extends Error {
  readonly path: string;
  constructor(path: string) {
    super(`cannot restore: ${path} already exists; remove it, choose another output with -o, or pass --force`);
    this.name = 'OutputExistsError';
    this.path = path;
  }
}

/** A file the restore needed, and why it cannot be used. */
export interface UnusableFile {
  /** Where it is: the S3 key or file path (see fileLocation). */
  key: string;
  ref: LtxFileRef;
  reason: string;
}

/**
 * Files needed to reach the target TXID are missing or corrupt and no other files reach it. Nothing older is
 * restored in its place: the message names every unusable file and the newest TXID that can be restored, with the
 * `-txid` that restores it, so losing transactions is the user's explicit choice.
 */
export class UnusableFilesError extends Error {
  readonly files: UnusableFile[];
  readonly target: TXID;
  /** The newest TXID at or before the target that the remaining files restore, all of them read and checked; 0: none. */
  readonly restorable: TXID;
  constructor(location: string, files: UnusableFile[], target: TXID, targetLabel: string, restorable: TXID) {
    // Decoder messages start with the file name, which the key already shows.
    const list = files.map((f) => `\n  ${f.key}: ${f.reason.replace(`${ltxName(f.ref)}: `, '')}`).join('');
    const what = files.length === 1 ? '1 file it needs is unusable' : `${files.length} files it needs are unusable`;
    const fallback =
      restorable === 0
        ? `\nno earlier TXID can be restored either: no usable snapshot or chain of files starts at TXID 0000000000000001`
        : `\nthe newest TXID that can be restored is ${formatTXID(restorable)} (${lost(restorable + 1, target)} would be lost); ` +
          `to accept that, run restore again with -txid ${formatTXID(restorable)}`;
    super(`cannot restore ${location} to TXID ${formatTXID(target)}${targetLabel}: ${what}:${list}${fallback}`);
    this.name = 'UnusableFilesError';
    this.files = files;
    this.target = target;
    this.restorable = restorable;
  }
}

function lost(from: TXID, to: TXID): string {
  return from === to ? `TXID ${formatTXID(from)}` : `TXIDs ${formatTXID(from)}-${formatTXID(to)}`;
}

/** Plain fields of an OutputWriteError. */
export interface OutputWriteDetails {
  /** The output the user asked for. */
  output: string;
  /** The file or directory the failed call was on (often `<output>.tmp`). */
  file: string;
  /** What was being done, e.g. "writing", "creating". */
  action: string;
  /** errno code such as ENOSPC or EACCES, when the cause had one. */
  code?: string;
  reason: string;
}

const WRITE_HINTS: Record<string, string> = {
  ENOSPC: 'the file system is full: free space there or restore elsewhere with -o',
  EDQUOT: 'the disk quota is exhausted: free space or restore elsewhere with -o',
  EACCES: 'permission denied: restore into a directory you can write, with -o',
  EPERM: 'the operation is not permitted there (immutable or protected path): restore elsewhere with -o',
  EROFS: 'the file system is read-only: restore elsewhere with -o',
  ENOTDIR: 'a part of the output path is a file, not a directory: choose another -o',
  EEXIST: 'a part of the output path is a file, not a directory: choose another -o',
  EISDIR: 'the output path is a directory: give a file path with -o',
};

/** Writing the restored database failed (disk full, no permission, read-only file system): the output, not the replica. */
export class OutputWriteError extends Error {
  readonly details: OutputWriteDetails;
  constructor(details: OutputWriteDetails) {
    const hint = details.code && WRITE_HINTS[details.code] ? `; ${WRITE_HINTS[details.code]}` : '';
    const on = details.file === details.output ? '' : ` (${details.action} ${details.file})`;
    super(`cannot write the restored database ${details.output}${on}: ${details.reason}${hint}`);
    this.name = 'OutputWriteError';
    this.details = details;
  }

  static from(output: string, file: string, action: string, cause: unknown): OutputWriteError {
    if (cause instanceof OutputWriteError) return cause;
    const code = (cause as NodeJS.ErrnoException | undefined)?.code;
    const reason = cause instanceof Error ? cause.message : String(cause);
    return new OutputWriteError({ output, file, action, reason, ...(typeof code === 'string' ? { code } : {}) });
  }
}

/** The restore was stopped (Ctrl-C, SIGTERM, an aborted signal); the partial output was removed. */
export class RestoreInterruptedError extends Error {
  readonly reason: string;
  /** `tmpPath`: the partial output that was removed, if one had been written. */
  constructor(reason: string, tmpPath: string | undefined) {
    super(`restore interrupted (${reason}); ${tmpPath ? `removed the partial output ${tmpPath}` : 'nothing was written'}`);
    this.name = 'RestoreInterruptedError';
    this.reason = reason;
  }
}

/** The restored database failed PRAGMA quick_check/integrity_check; nothing was written to the output. */
export class IntegrityCheckError extends Error {
  constructor(path: string, pragma: string, problems: string[]) {
    super(`restored database failed PRAGMA ${pragma} (output ${path} left untouched): ${problems.slice(0, 5).join('; ')}`);
    this.name = 'IntegrityCheckError';
  }
}
