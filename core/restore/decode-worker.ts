// Worker thread that decodes the planned LTX files and writes their pages, so the main thread only downloads.
import { parentPort, workerData } from 'node:worker_threads';
import { LtxDecoder } from '../ltx/decoder.ts';
import { LtxFormatError } from '../ltx/errors.ts';
import { copyPages } from './copy-pages.ts';
import { DatabaseWriter, PAGE_RING } from './db-writer.ts';
import { OutputWriteError } from './errors.ts';
import { checkHeader } from './header-check.ts';
import type { ToWorker, FromWorker, WorkerData } from './worker-protocol.ts';

const port = parentPort!;
const { path, output } = workerData as WorkerData;
const post = (msg: FromWorker, transfer: ArrayBuffer[] = []): void => port.postMessage(msg, transfer);

/** Chunks of the file being decoded, fed by 'data' messages; one ack per message once all its parts are consumed. */
class ChunkQueue {
  readonly #items: Uint8Array[][] = [];
  #ended = false;
  #wake: (() => void) | undefined;
  push(parts: Uint8Array[]): void {
    this.#items.push(parts);
    this.#wake?.();
  }
  end(): void {
    this.#ended = true;
    this.#wake?.();
  }
  async *[Symbol.asyncIterator](): AsyncGenerator<Uint8Array> {
    for (;;) {
      const next = this.#items.shift();
      if (next) {
        let n = 0;
        for (const part of next) {
          n += part.byteLength;
          yield part;
        }
        post({ t: 'ack', n });
      } else if (this.#ended) return;
      else await new Promise<void>((r) => (this.#wake = r));
      this.#wake = undefined;
    }
  }
}

/** An output failure travels as its plain details, so the main thread can raise the same OutputWriteError. */
function writeError(err: unknown): { writeError?: OutputWriteError['details'] } {
  return err instanceof OutputWriteError ? { writeError: err.details } : {};
}

let writer: DatabaseWriter | undefined;
let current: ChunkQueue | undefined;
let work: Promise<void> = Promise.resolve();

async function decodeFile(msg: Extract<ToWorker, { t: 'file' }>, queue: ChunkQueue): Promise<void> {
  try {
    const decoder = new LtxDecoder(queue, msg.name, { pageRing: PAGE_RING });
    const header = await decoder.header();
    checkHeader(msg.name, msg.ref, header, msg.first, writer?.pageSize);
    writer ??= await DatabaseWriter.create(path, header.pageSize, output);
    await copyPages(decoder, writer);
    await decoder.trailer();
    await writer.barrier();
    post({ t: 'file-done', index: msg.index, pageSize: header.pageSize, commit: header.commit, timestamp: header.timestamp });
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    post({ t: 'file-error', index: msg.index, message, formatError: err instanceof LtxFormatError, ...writeError(err) });
    for await (const _ of queue); // drain what the main thread still sends for this file
  }
}

port.on('message', (msg: ToWorker) => {
  switch (msg.t) {
    case 'file': {
      const queue = new ChunkQueue();
      current = queue;
      work = work.then(() => decodeFile(msg, queue));
      break;
    }
    case 'data':
      current?.push(msg.parts);
      break;
    case 'end':
      current?.end();
      break;
    case 'finish':
      work = work.then(async () => {
        if (!writer) throw new Error('restore plan is empty');
        await writer.finish(msg.commit);
        post({ t: 'finished' });
      }).catch((err: unknown) => post({ t: 'failed', message: err instanceof Error ? err.message : String(err), ...writeError(err) }));
      break;
    case 'abort':
      current?.end();
      work = work.then(async () => {
        await writer?.abort();
        post({ t: 'aborted' });
      });
      break;
  }
});
