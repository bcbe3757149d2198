// The verify report: JSON-serialisable, naming every problem by key.
import type { LtxFileRef, ReplicaClient } from '../replica/client.ts';
import type { TXID } from '../ltx/types.ts';
import { fileLocation, formatTXID } from '../restore/refs.ts';

export type ProblemKind = 'checksum' | 'header' | 'gap' | 'overlap' | 'name' | 'missing' | 'integrity';

export interface VerifyProblem {
  kind: ProblemKind;
  /** 'error' makes the replica fail verification; 'warning' is reported only (e.g. harmless overlaps). */
  severity: 'error' | 'warning';
  /** The file's full location, when the problem is about one file. */
  key?: string;
  level?: number;
  minTXID?: TXID;
  maxTXID?: TXID;
  message: string;
}

export interface LevelSummary {
  level: number;
  files: number;
  bytes: number;
  minTXID?: TXID;
  maxTXID?: TXID;
}

export interface VerifyReport {
  ok: boolean;
  location: string;
  /** Files checked. */
  files: number;
  bytes: number;
  levels: LevelSummary[];
  /** Newest TXID a restore reaches through files that passed their checks (0: none). */
  restorableTXID: TXID;
  /** With `full`: the restored database's TXID and integrity_check verdict. */
  restore?: { txid: TXID; pageSize: number; pages: number; integrity: 'ok' | 'failed' };
  problems: VerifyProblem[];
}

/** `<location>/<level dir>/<name>`: the S3 key or file path of a file, as the layout spells it. */
export function keyOf(client: ReplicaClient, ref: LtxFileRef): string {
  return fileLocation(client, ref);
}

export function fileProblem(client: ReplicaClient, ref: LtxFileRef, kind: ProblemKind, message: string, severity: 'error' | 'warning' = 'error'): VerifyProblem {
  return { kind, severity, key: keyOf(client, ref), level: ref.level, minTXID: ref.minTXID, maxTXID: ref.maxTXID, message };
}

/** A problem as printed: TXIDs as 16 hex digits, like every TXID streambed and Litestream print. */
export type VerifyProblemJson = Omit<VerifyProblem, 'minTXID' | 'maxTXID'> & { minTXID?: string; maxTXID?: string };

/** The report as the CLI's --json and the verify Lambda print it: every TXID as 16 hex digits. */
export interface VerifyReportJson {
  ok: boolean;
  location: string;
  files: number;
  bytes: number;
  levels: Array<Omit<LevelSummary, 'minTXID' | 'maxTXID'> & { minTXID?: string; maxTXID?: string }>;
  restorableTXID: string;
  restore?: Omit<NonNullable<VerifyReport['restore']>, 'txid'> & { txid: string };
  problems: VerifyProblemJson[];
}

/** `{ minTXID, maxTXID }` in hex, leaving out the ones not set. */
function hexRange(r: { minTXID?: TXID; maxTXID?: TXID }): { minTXID?: string; maxTXID?: string } {
  return {
    ...(r.minTXID !== undefined ? { minTXID: formatTXID(r.minTXID) } : {}),
    ...(r.maxTXID !== undefined ? { maxTXID: formatTXID(r.maxTXID) } : {}),
  };
}

export function verifyProblemJson(p: VerifyProblem): VerifyProblemJson {
  const { minTXID, maxTXID, ...rest } = p;
  return { ...rest, ...hexRange({ minTXID, maxTXID }) };
}

export function verifyReportJson(r: VerifyReport): VerifyReportJson {
  return {
    ok: r.ok,
    location: r.location,
    files: r.files,
    bytes: r.bytes,
    levels: r.levels.map(({ minTXID, maxTXID, ...rest }) => ({ ...rest, ...hexRange({ minTXID, maxTXID }) })),
    restorableTXID: formatTXID(r.restorableTXID),
    ...(r.restore ? { restore: { ...r.restore, txid: formatTXID(r.restore.txid) } } : {}),
    problems: r.problems.map(verifyProblemJson),
  };
}
