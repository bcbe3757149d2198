// Messages between applyPlan (main thread) and the decode worker.

export type ToWorker =
  | { t: 'file'; index: number; name: string; ref: { minTXID: number; maxTXID: number }; first: boolean }
  | { t: 'data'; parts: Uint8Array[] }
  | { t: 'end' }
  | { t: 'finish'; commit: number }
  | { t: 'abort' };

export type FromWorker =
  | { t: 'ack'; n: number }
  | { t: 'file-done'; index: number; pageSize: number; commit: number; timestamp: number }
  | { t: 'file-error'; index: number; message: string; formatError: boolean }
  | { t: 'finished' }
  | { t: 'failed'; message: string }
  | { t: 'aborted' };
