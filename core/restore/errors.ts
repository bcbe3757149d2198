// Restore failures that callers tell apart: no backups at all, a TXID/time not reachable, a bad file no plan avoids.
import type { TXID } from '../ltx/types.ts';
import type { LtxFileRef } from '../replica/client.ts';
import { formatTXID } from './refs.ts';

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
        `${formatTXID(next.minTXID)}-${formatTXID(next.maxTXID)} starts after a gap; restore to a TXID at or below ` +
        `${formatTXID(reached)} with --txid, or repair the replica`,
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

/** A planned file was missing or corrupt and no other combination of files covers its TXID range. */
export class UnrecoverableFileError extends Error {
  readonly key: string;
  readonly ref: LtxFileRef;
  constructor(key: string, ref: LtxFileRef, cause: unknown, planError: unknown) {
    const why = cause instanceof Error ? cause.message : String(cause);
    const plan = planError instanceof Error ? planError.message : String(planError);
    super(
      `restore failed: ${key} (L${ref.level}, TXIDs ${formatTXID(ref.minTXID)}-${formatTXID(ref.maxTXID)}) ` +
        `is unusable (${why}) and no other files cover that range (${plan})`,
      { cause },
    );
    this.name = 'UnrecoverableFileError';
    this.key = key;
    this.ref = ref;
  }
}

/** The restored database failed PRAGMA quick_check/integrity_check; nothing was written to the output. */
export class IntegrityCheckError extends Error {
  constructor(path: string, pragma: string, problems: string[]) {
    super(`restored database failed PRAGMA ${pragma} (output ${path} left untouched): ${problems.slice(0, 5).join('; ')}`);
    this.name = 'IntegrityCheckError';
  }
}
