// Explicit V8 collections for code that turns off-heap memory (Buffers) into garbage faster than V8 notices.
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

type Gc = (options: { type: 'minor' | 'major' }) => void;

let gc: Gc | null | undefined;

/**
 * V8's own collections are paced by the JavaScript heap, where a Buffer is a few dozen bytes however large its
 * memory: dead Buffers are freed late, and a Buffer that lived through two scavenges waits in the old generation
 * for a full collection. This collects the young generation every `youngEvery` bytes reported, and everything
 * every `fullEvery` bytes. Without gc() (see loadGc) it does nothing.
 */
export class GcPacer {
  readonly #youngEvery: number;
  readonly #fullEvery: number;
  #young = 0;
  #full = 0;

  constructor(youngEvery: number, fullEvery: number) {
    this.#youngEvery = youngEvery;
    this.#fullEvery = fullEvery;
  }

  /** `bytes` more of off-heap garbage (or soon garbage) were made. */
  add(bytes: number): void {
    this.#young += bytes;
    this.#full += bytes;
    if (this.#young < this.#youngEvery) return;
    this.#young = 0;
    gc ??= loadGc();
    if (this.#full >= this.#fullEvery) {
      this.#full = 0;
      gc?.({ type: 'major' });
    } else {
      gc?.({ type: 'minor' });
    }
  }
}

/**
 * A full collection now, where V8 would not run one soon: after a big upload an idle process allocates too little
 * to start one, and the upload's dead part Buffers would stay resident until it does. A no-op without gc().
 */
export function collectGarbage(): void {
  gc ??= loadGc();
  gc?.({ type: 'major' });
}

/**
 * gc() from a context created while --expose-gc is set (the flag is reset at once, so no other context gets it),
 * or the global one when Node.js was started with --expose-gc.
 */
function loadGc(): Gc | null {
  const global = (globalThis as { gc?: unknown }).gc;
  if (typeof global === 'function') return global as Gc;
  try {
    setFlagsFromString('--expose-gc');
    const fn: unknown = runInNewContext('gc');
    return typeof fn === 'function' ? (fn as Gc) : null;
  } catch {
    return null;
  } finally {
    setFlagsFromString('--no-expose-gc');
  }
}
