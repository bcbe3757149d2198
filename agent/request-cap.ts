// The per-host cap on replica requests per second: one token bucket in shared memory, drawn from by every S3 client.
import type { ReplicaClient } from '../core/replica/client.ts';
import { S3ReplicaClient } from '../core/replica/s3.ts';

/** Wall-clock microseconds: comparable across threads (each thread's performance.timeOrigin differs). */
function nowMicros(): number {
  return Math.round((performance.timeOrigin + performance.now()) * 1000);
}

/**
 * A token bucket as the generic cell rate algorithm: one shared number, the theoretical arrival time of the next
 * request. A request may start once that time minus the burst allowance has come; taking it moves the time one
 * interval on. Kept in a SharedArrayBuffer and updated with compare-and-swap, so the maintenance worker thread
 * draws from the same budget as the upload loops. Requests wait their turn; none is refused.
 */
export class RequestCap {
  readonly perSecond: number;
  /** Requests that may start at once after a quiet spell (one second's worth). */
  readonly burst: number;
  readonly buffer: SharedArrayBuffer;
  private readonly state: BigInt64Array;

  /** A new budget; its buffer (the arrival time, then the rate) can be handed to another thread. */
  constructor(perSecond: number, buffer: SharedArrayBuffer = new SharedArrayBuffer(16)) {
    if (!(perSecond > 0)) throw new Error(`max-requests-per-second must be greater than 0, not ${perSecond}`);
    this.perSecond = perSecond;
    this.burst = Math.max(1, Math.floor(perSecond));
    this.buffer = buffer;
    this.state = new BigInt64Array(buffer, 0, 1);
    new Float64Array(buffer, 8, 1)[0] = perSecond;
  }

  /** The budget another thread created (its buffer came through workerData). */
  static attach(buffer: SharedArrayBuffer): RequestCap {
    return new RequestCap(new Float64Array(buffer, 8, 1)[0], buffer);
  }

  /** Claims the next slot and returns how many microseconds from `now` it starts (0: at once). */
  reserve(now: number = nowMicros()): number {
    const interval = 1e6 / this.perSecond;
    const tolerance = interval * (this.burst - 1);
    for (;;) {
      const tat = Atomics.load(this.state, 0);
      const start = Math.max(Number(tat), now);
      const next = BigInt(Math.round(start + interval));
      if (Atomics.compareExchange(this.state, 0, tat, next) === tat) return Math.max(0, start - tolerance - now);
    }
  }

  /** Resolves when one more request may be sent. */
  async take(): Promise<void> {
    const wait = this.reserve();
    if (wait > 0) await new Promise((resolve) => setTimeout(resolve, Math.ceil(wait / 1000)));
  }
}

/**
 * Makes every HTTP attempt of an S3 replica client wait for the cap: retries and each page of a listing or part
 * of an upload count, as they are billed. Placed before signing, so a request never waits with a stale signature.
 * File replicas make no billed requests and are not capped.
 */
export function capRequests(client: ReplicaClient, cap: RequestCap | undefined): ReplicaClient {
  if (!cap || !(client instanceof S3ReplicaClient)) return client;
  client.throttle(() => cap.take());
  return client;
}
