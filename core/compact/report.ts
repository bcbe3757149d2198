// What one maintenance step did, in a shape that serialises to JSON for the CLI and the Lambdas.
import type { LtxFileInfo, LtxFileRef } from '../replica/client.ts';
import type { RetentionOutcome } from '../retention/enforce.ts';

export type { RetentionOutcome };

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
