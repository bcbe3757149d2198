// Runs big compaction, snapshot and retention passes in a worker thread so their CPU work never stalls the upload loops.
import { readlinkSync } from 'node:fs';
import { setPriority } from 'node:os';
import { Worker, isMainThread, parentPort, workerData } from 'node:worker_threads';
import type { MaintenanceReport, MaintenanceSettings } from '../core/compact/index.ts';
import type { ReplicaOptions } from '../core/replica/options.ts';
import type { LtxFileInfo, ReplicaClient } from '../core/replica/client.ts';
import { INLINE_PASS_MAX_BYTES, passInputBytes } from './maintenance-placement.ts';

/** What the agent knows of the replica: its listing, and where its own L0 files are (compaction reads those). */
export interface JobContext {
  files: LtxFileInfo[];
  metaPath: string;
}

interface Job {
  id: number;
  replica: ReplicaOptions;
  settings: Omit<MaintenanceSettings, 'logger'>;
  now: number;
  context?: JobContext;
}

/** Replica clients the worker keeps between jobs (the least recently used beyond this are closed). */
const MAX_CACHED_CLIENTS = 16;

/** Nice value of the maintenance thread (0 normal, 19 lowest). */
const WORKER_NICE = 10;

type Reply = { id: number; report: MaintenanceReport } | { id: number; error: string };

export interface MaintenanceWorkerOptions {
  /** The worker ends after this long without a job (a running database's passes keep it; an idle agent drops it). */
  idleMs: number;
  /** Passes that read at most this many bytes belong on the agent's thread (see inWorker). */
  inlineMaxBytes?: number;
  /** The agent's request budget (request-cap.ts), drawn from by the worker's S3 clients too. */
  requestCap?: SharedArrayBuffer;
}

/**
 * The main-thread handle: one worker shared by every database of the agent, started by the first big pass and
 * ended after idleMs without one, so the second isolate's memory is held only while big passes come.
 */
export class MaintenanceWorker {
  /** The agent's request budget (request-cap.ts), drawn from by the worker's S3 clients too. */
  private readonly requestCap: SharedArrayBuffer | undefined;
  private worker: Worker | undefined;
  private idleTimer: NodeJS.Timeout | undefined;
  private nextId = 1;
  private readonly waiting = new Map<number, { resolve: (r: MaintenanceReport) => void; reject: (e: Error) => void }>();
  private readonly idleMs: number;
  private readonly inlineMaxBytes: number;
  /** Worker threads started so far (a restart after an idle period counts again). */
  started = 0;

  constructor(options: MaintenanceWorkerOptions) {
    this.requestCap = options.requestCap;
    this.idleMs = options.idleMs;
    this.inlineMaxBytes = options.inlineMaxBytes ?? INLINE_PASS_MAX_BYTES;
  }

  /** Whether the pass the agent is about to run reads enough to be worth the worker thread. */
  inWorker(files: readonly LtxFileInfo[], settings: MaintenanceSettings, now: Date): boolean {
    return passInputBytes(files, settings, now) > this.inlineMaxBytes;
  }

  /** True while a worker thread is running. */
  get running(): boolean {
    return this.worker !== undefined;
  }

  run(replica: ReplicaOptions, settings: MaintenanceSettings, now: Date, context?: JobContext): Promise<MaintenanceReport> {
    const worker = this.ensureWorker();
    const id = this.nextId++;
    const { logger: _logger, ...plain } = settings;
    const job: Job = { id, replica, settings: plain, now: now.getTime(), context };
    clearTimeout(this.idleTimer);
    return new Promise<MaintenanceReport>((resolve, reject) => {
      this.waiting.set(id, { resolve, reject });
      worker.postMessage(job);
    }).finally(() => this.armIdleTimer());
  }

  async close(): Promise<void> {
    clearTimeout(this.idleTimer);
    const worker = this.worker;
    this.worker = undefined;
    if (worker) await worker.terminate();
  }

  private armIdleTimer(): void {
    clearTimeout(this.idleTimer);
    if (!this.worker || this.waiting.size > 0) return;
    this.idleTimer = setTimeout(() => {
      if (this.waiting.size === 0) void this.close();
    }, this.idleMs);
    this.idleTimer.unref();
  }

  private ensureWorker(): Worker {
    if (this.worker) return this.worker;
    this.started++;
    // A small young generation: compaction's large buffers live off-heap, and RSS matters with many databases.
    const worker = new Worker(new URL('./maintenance-worker.ts', import.meta.url), {
      resourceLimits: { maxYoungGenerationSizeMb: 4 },
      workerData: { requestCap: this.requestCap },
    });
    worker.unref();
    worker.on('message', (reply: Reply) => {
      const waiter = this.waiting.get(reply.id);
      this.waiting.delete(reply.id);
      if (!waiter) return;
      if ('error' in reply) waiter.reject(new Error(reply.error));
      else waiter.resolve(reply.report);
    });
    const failAll = (err: Error): void => {
      // A worker ended for idleness may exit after its successor took jobs: those are not its to fail.
      if (this.worker !== undefined && this.worker !== worker) return;
      this.worker = undefined;
      for (const w of this.waiting.values()) w.reject(err);
      this.waiting.clear();
    };
    worker.on('error', failAll);
    worker.on('exit', (code) => {
      if (this.waiting.size > 0) failAll(new Error(`maintenance worker exited with code ${code}`));
      if (this.worker === worker) this.worker = undefined;
    });
    this.worker = worker;
    return worker;
  }
}

/**
 * Lowers this worker thread's CPU priority (Linux: nice applies per thread, addressed by its kernel thread id),
 * so compaction bursts yield the CPU to the replication loops on the main thread. Elsewhere it is a no-op.
 */
function lowerThreadPriority(): void {
  try {
    const tid = Number(readlinkSync('/proc/thread-self').split('/').pop());
    if (Number.isInteger(tid) && tid > 0) setPriority(tid, WORKER_NICE);
  } catch {
    // no /proc or not permitted: run at normal priority
  }
}

/** Worker side: one replica client per replica, jobs run one at a time in arrival order. */
async function serveJobs(): Promise<void> {
  lowerThreadPriority();
  const { runMaintenance } = await import('../core/compact/index.ts');
  const { openReplicaClient } = await import('../core/replica/open.ts');
  const { IndexedReplicaClient, ReplicaIndex } = await import('../core/replica/indexed.ts');
  const { localLtxPath } = await import('../core/layout/names.ts');
  // This thread owns its clients for its whole life; MaintenanceWorker.close() ends the thread and their sockets with it.
  const { capRequests, RequestCap } = await import('./request-cap.ts');
  const capBuffer = (workerData as { requestCap?: SharedArrayBuffer } | null)?.requestCap;
  const cap = capBuffer ? RequestCap.attach(capBuffer) : undefined;
  const clients = new Map<string, ReturnType<typeof openReplicaClient>>();
  let queue = Promise.resolve();
  parentPort!.on('message', (job: Job) => {
    queue = queue.then(async () => {
      try {
        const key = JSON.stringify(job.replica);
        let client = clients.get(key);
        if (client) clients.delete(key);
        else client = capRequests(openReplicaClient(job.replica), cap);
        // Most recently used last; with a directory of a thousand databases, keeping a client each is RSS for nothing.
        clients.set(key, client);
        for (const [oldKey, old] of clients) {
          if (clients.size <= MAX_CACHED_CLIENTS) break;
          clients.delete(oldKey);
          void old.close?.();
        }
        const context = job.context;
        let pass: ReplicaClient = client;
        if (context) {
          // Listings from the agent's index and L0 inputs from its local copies: a pass costs only its writes.
          const index = new ReplicaIndex();
          index.seed(context.files);
          const localL0Path = (txid: number): string => localLtxPath(context.metaPath, { level: 0, minTXID: txid, maxTXID: txid });
          pass = new IndexedReplicaClient(client, index, { localL0Path });
        }
        const report = await runMaintenance(pass, job.settings, new Date(job.now));
        parentPort!.postMessage({ id: job.id, report } satisfies Reply);
      } catch (err) {
        parentPort!.postMessage({ id: job.id, error: err instanceof Error ? err.message : String(err) } satisfies Reply);
      }
    });
  });
}

if (!isMainThread && parentPort) await serveJobs();
