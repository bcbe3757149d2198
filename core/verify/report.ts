// The verify report: JSON-serialisable, naming every problem by key.
import type { LtxFileRef, ReplicaClient } from '../replica/client.ts';
import type { TXID } from '../ltx/types.ts';
import { fileLocation } from '../restore/refs.ts';

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
  /** Newest TXID a restore reaches from the listed files (0: none). */
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
