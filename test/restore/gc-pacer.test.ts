// GcPacer: reported bytes trigger real V8 collections (young every N bytes, full every M), and gc() stays private.
import { constants, PerformanceObserver, type PerformanceEntry } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { runInNewContext } from 'node:vm';
import { describe, expect, it } from 'vitest';
import { collectGarbage, GcPacer } from '../../core/util/gc-pacer.ts';

type Kind = 'young' | 'full' | 'other';

/**
 * The collections V8 ran inside `action`, from the gc performance entries. add() collects synchronously and
 * allocates nothing, so a collection that starts during the call is the pacer's, not one V8 chose.
 */
async function collectionsDuring(action: () => void): Promise<Kind[]> {
  const entries: PerformanceEntry[] = [];
  const observer = new PerformanceObserver((list) => entries.push(...list.getEntries()));
  observer.observe({ entryTypes: ['gc'] });
  const start = performance.now();
  action();
  const end = performance.now();
  // Entries are delivered in a later task.
  for (let i = 0; i < 100 && !entries.some((e) => e.startTime >= start); i++) await sleep(10);
  observer.disconnect();
  return entries
    .filter((e) => e.startTime >= start && e.startTime <= end)
    .map((e) => {
      const kind = (e as PerformanceEntry & { detail?: { kind?: number } }).detail?.kind;
      return kind === constants.NODE_PERFORMANCE_GC_MINOR ? 'young' : kind === constants.NODE_PERFORMANCE_GC_MAJOR ? 'full' : 'other';
    });
}

describe('GcPacer', () => {
  it('collects the young generation each time youngEvery bytes have been reported, and only then', async () => {
    const pacer = new GcPacer(1000, 1_000_000);
    new GcPacer(1, 1).add(1); // gets gc() (a new context) and settles the heap first
    expect(await collectionsDuring(() => pacer.add(999))).toEqual([]);
    expect(await collectionsDuring(() => pacer.add(1))).toEqual(['young']);
    expect(await collectionsDuring(() => pacer.add(500))).toEqual([]);
    expect(await collectionsDuring(() => pacer.add(600))).toEqual(['young']);
  });

  it('makes every collection that reaches fullEvery bytes a full one', async () => {
    const pacer = new GcPacer(10, 30);
    const kinds: Kind[] = [];
    for (let i = 0; i < 6; i++) kinds.push(...(await collectionsDuring(() => pacer.add(10))));
    expect(kinds).toEqual(['young', 'young', 'full', 'young', 'young', 'full']);
  });

  it('collectGarbage runs one full collection at once (the agent calls it after a big upload)', async () => {
    expect(await collectionsDuring(() => collectGarbage())).toEqual(['full']);
  });

  it('does not hand gc() to contexts created afterwards', () => {
    new GcPacer(1, 1).add(1);
    if (typeof (globalThis as { gc?: unknown }).gc === 'function') return; // started with --expose-gc: nothing to check
    expect(runInNewContext('typeof gc')).toBe('undefined');
  });
});
