// What one maintenance step did, in a shape that serialises to JSON for the CLI and the Lambdas.
import type { LtxFileInfo, LtxFileRef } from '../replica/client.ts';
import type { TXID } from '../ltx/types.ts';

export type StepStatus =
  /** A file was written. */
  | 'written'
  /** The level already has a file from the current window. */
  | 'not-due'
  /** Nothing new to merge. */
  | 'up-to-date'
  /** New files exist but none continues from the level's position (a gap in the source). */
  | 'stalled'
  | 'failed';

export interface StepOutcome {
  /** Destination level (9 for the snapshot). */
  level: number;
  status: StepStatus;
  written?: LtxFileInfo;
  /** The files merged, in order. */
  inputs?: LtxFileRef[];
  inputBytes?: number;
  durationMs?: number;
  /** Why nothing was written, or what failed. */
  reason?: string;
}

export interface RetentionOutcome {
  enabled: boolean;
  dryRun: boolean;
  /** Files deleted (or that would be, with dryRun). */
  deleted: LtxFileRef[];
  /** TXID from which every restore point of the window is kept (the oldest kept snapshot's MaxTXID, or 0). */
  windowStartTXID: TXID;
  notes: string[];
}

export interface MaintenanceReport {
  now: string;
  location: string;
  levels: StepOutcome[];
  snapshot: StepOutcome;
  /** The copy of the first L0 snapshot into L9 (absent from reports of older versions). */
  promoted?: StepOutcome;
  retention: RetentionOutcome;
  written: LtxFileInfo[];
  deleted: LtxFileRef[];
  errors: Array<{ step: string; message: string }>;
}
