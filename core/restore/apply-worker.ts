// Runs the apply loop with decoding and writing in a worker thread; this thread only downloads and forwards bytes.
import { Worker } from 'node:worker_threads';
import type { LtxFileInfo } from '../replica/client.ts';
import type { ApplyResult } from './apply.ts';
import { FileApplyError } from './apply-error.ts';
import { OutputWriteError } from './errors.ts';
import { FileFetchError, type Prefetcher } from './fetch.ts';
import { ltxName } from './refs.ts';
import type { FromWorker, ToWorker, WorkerData } from './worker-protocol.ts';

/** Bytes forwarded to the worker and not yet decoded, at most; keeps memory bounded when decoding is the bottleneck. */
const MAX_FORWARDED = 32 * 1024 * 1024;

type Waiter = { match: (m: FromWorker) => boolean; resolve: (m: FromWorker) => void };

/** The worker's side of the conversation as promises. */
class WorkerLink {
  readonly worker: Worker;
  forwarded = 0;
  #waiters: Waiter[] = [];
  #ackWaiter: (() => void) | undefined;
  #failure: Error | undefined;

  constructor(workerData: WorkerData) {
    this.worker = new Worker(new URL('./decode-worker.ts', import.meta.url), { workerData });
    this.worker.on('message', (m: FromWorker) => this.#receive(m));
    this.worker.on('error', (err: unknown) => this.#fail(err instanceof Error ? err : new Error(String(err))));
    this.worker.on('exit', (code) => this.#fail(new Error(`restore decode worker exited with code ${code}`)));
  }

  send(msg: ToWorker, transfer: ArrayBuffer[] = []): void {
    this.worker.postMessage(msg, transfer);
  }

  /** Waits until the worker has room for `n` more bytes. */
  async room(n: number): Promise<void> {
    while (this.forwarded > 0 && this.forwarded + n > MAX_FORWARDED) {
      if (this.#failure) throw this.#failure;
      await new Promise<void>((r) => (this.#ackWaiter = r));
    }
  }

  next(match: (m: FromWorker) => boolean): Promise<FromWorker> {
    if (this.#failure) return Promise.resolve({ t: 'failed', message: this.#failure.message });
    return new Promise((resolve) => this.#waiters.push({ match, resolve }));
  }

  #receive(m: FromWorker): void {
    if (m.t === 'ack') {
      this.forwarded -= m.n;
      this.#wakeAck();
      return;
    }
    const i = this.#waiters.findIndex((w) => w.match(m));
    if (i >= 0) this.#waiters.splice(i, 1)[0].resolve(m);
  }

  #wakeAck(): void {
    const wake = this.#ackWaiter;
    this.#ackWaiter = undefined;
    wake?.();
  }

  #fail(err: Error): void {
    this.#failure ??= err;
    for (const w of this.#waiters.splice(0)) w.resolve({ t: 'failed', message: err.message });
    this.#wakeAck();
  }
}

/** Bytes a socket handed us may share an ArrayBuffer; only a buffer we own entirely can be transferred. */
function ownedCopy(part: Uint8Array): Uint8Array {
  return part.byteOffset === 0 && part.byteLength === part.buffer.byteLength && part.buffer instanceof ArrayBuffer ? part : part.slice();
}

export async function applyInWorker(
  files: readonly LtxFileInfo[],
  target: WorkerData,
  prefetcher: Prefetcher,
  batches: (index: number) => AsyncIterable<Uint8Array[]>,
): Promise<ApplyResult & { bytes: number }> {
  const link = new WorkerLink(target);
  let bytes = 0;
  let last: { pageSize: number; commit: number; timestamp: number } | undefined;
  try {
    for (let i = 0; i < files.length; i++) {
      const file = files[i];
      const outcome = link.next((m) => ((m.t === 'file-done' || m.t === 'file-error') && m.index === i) || m.t === 'failed');
      link.send({ t: 'file', index: i, name: ltxName(file), ref: file, first: i === 0 });
      let stopped = false;
      void outcome.then(() => (stopped = true));
      try {
        // One message per downloaded chunk (not per socket read): thousands fewer messages and acks per GiB.
        for await (const parts of batches(i)) {
          if (stopped) break;
          const owned = parts.map(ownedCopy);
          let n = 0;
          for (const part of owned) n += part.byteLength;
          await link.room(n);
          link.forwarded += n;
          bytes += n;
          link.send({ t: 'data', parts: owned }, owned.map((part) => part.buffer as ArrayBuffer));
        }
      } catch (err) {
        link.send({ t: 'end' });
        if (err instanceof FileFetchError) throw new FileApplyError(file, err, err.fileProblem);
        throw new FileApplyError(file, err, false);
      } finally {
        prefetcher.discard(i);
      }
      link.send({ t: 'end' });
      const result = await outcome;
      if ((result.t === 'file-error' || result.t === 'failed') && result.writeError) throw new OutputWriteError(result.writeError);
      if (result.t === 'file-error') throw new FileApplyError(file, new Error(result.message), result.formatError);
      if (result.t === 'failed') throw new FileApplyError(file, new Error(result.message), false);
      if (result.t === 'file-done') last = result;
    }
    if (!last) throw new Error('restore plan is empty');
    const finished = link.next((m) => m.t === 'finished' || m.t === 'failed');
    link.send({ t: 'finish', commit: last.commit });
    const done = await finished;
    if (done.t === 'failed') throw done.writeError ? new OutputWriteError(done.writeError) : new Error(`writing the restored database failed: ${done.message}`);
    return { pageSize: last.pageSize, commit: last.commit, timestamp: last.timestamp, bytes };
  } catch (err) {
    const aborted = link.next((m) => m.t === 'aborted' || m.t === 'failed');
    link.send({ t: 'abort' });
    await aborted;
    throw err;
  } finally {
    await link.worker.terminate();
  }
}
