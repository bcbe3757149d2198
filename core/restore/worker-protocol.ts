// Messages between applyPlan (main thread) and the decode worker.
import type { OutputWriteDetails } from './errors.ts';

/** What the worker is started with. */
export interface WorkerData {
  /** The file written (`<output>.tmp`). */
  path: string;
  /** The output the user asked for, named in write errors. */
  output: string;
}

export type ToWorker =
  | { t: 'file'; index: number; name: string; ref: { minTXID: number; maxTXID: number }; first: boolean }
  | { t: 'data'; parts: Uint8Array[] }
  | { t: 'end' }
  | { t: 'finish'; commit: number }
  | { t: 'abort' };

export type FromWorker =
  | { t: 'ack'; n: number }
  | { t: 'file-done'; index: number; pageSize: number; commit: number; timestamp: number }
  | { t: 'file-error'; index: number; message: string; formatError: boolean; writeError?: OutputWriteDetails }
  | { t: 'finished' }
  | { t: 'failed'; message: string; writeError?: OutputWriteDetails }
  | { t: 'aborted' };
