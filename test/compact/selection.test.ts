// Unit tests of the pure parts of compaction: chain selection, window alignment and level input choice.
import { describe, expect, it } from 'vitest';
import { selectChain } from '../../core/listing/chain.ts';
import { selectLevelInputs } from '../../core/compact/level.ts';
import { isDue, windowStart } from '../../core/compact/schedule.ts';
import type { LtxFileInfo } from '../../core/replica/client.ts';

const T = Date.UTC(2026, 5, 1, 12, 0, 0);

function file(level: number, minTXID: number, maxTXID: number, createdAtMs = T): LtxFileInfo {
  return { level, minTXID, maxTXID, size: 200, createdAt: new Date(createdAtMs) };
}

describe('window alignment', () => {
  it('truncates to the interval like Go Time.Truncate', () => {
    expect(windowStart(new Date(T + 45_000), 30_000).getTime()).toBe(T + 30_000);
    expect(windowStart(new Date(T + 29_999), 30_000).getTime()).toBe(T);
    expect(windowStart(new Date(T + 7 * 60_000), 5 * 60_000).getTime()).toBe(T + 5 * 60_000);
    expect(() => windowStart(new Date(T), 0)).toThrow(/positive/);
  });

  it('is due only when the newest destination file predates the window', () => {
    expect(isDue(undefined, new Date(T), 30_000)).toBe(true);
    expect(isDue(new Date(T + 29_000), new Date(T + 31_000), 30_000)).toBe(true);
    expect(isDue(new Date(T + 30_000), new Date(T + 31_000), 30_000)).toBe(false);
    expect(isDue(new Date(T + 31_000), new Date(T + 59_999), 30_000)).toBe(false);
  });
});

describe('selectChain', () => {
  it('follows contiguous files and stops at a gap', () => {
    const files = [file(0, 1, 1), file(0, 2, 3), file(0, 4, 4), file(0, 6, 6)];
    expect(selectChain(0, files).map((f) => f.maxTXID)).toEqual([1, 3, 4]);
    expect(selectChain(4, files)).toEqual([]);
    expect(selectChain(5, files).map((f) => f.maxTXID)).toEqual([6]);
  });

  it('takes the furthest-reaching file, then the smaller min, then the higher level', () => {
    const files = [file(0, 1, 5), file(1, 1, 10), file(2, 3, 10), file(0, 6, 10), file(3, 1, 10)];
    expect(selectChain(0, files)).toEqual([file(3, 1, 10)]);
    const straddle = [file(1, 1, 10), file(1, 5, 12), file(0, 13, 13)];
    expect(selectChain(10, straddle).map((f) => `${f.minTXID}-${f.maxTXID}`)).toEqual(['5-12', '13-13']);
  });

  it('respects a TXID limit', () => {
    const files = [file(0, 1, 1), file(1, 1, 8), file(0, 2, 2)];
    expect(selectChain(0, files, 2).map((f) => f.maxTXID)).toEqual([1, 2]);
  });
});

describe('selectLevelInputs', () => {
  const interval = 30_000;
  const src = [file(0, 11, 11, T + 1_000), file(0, 12, 13, T + 10_000), file(0, 14, 14, T + 29_000), file(0, 15, 15, T + 31_000)];

  it('merges every source file after the destination written before the window boundary', () => {
    const dst = [file(1, 1, 10, T - 60_000)];
    const sel = selectLevelInputs(src, dst, interval, new Date(T + 40_000));
    expect(sel.due).toBe(true);
    expect(sel.start).toBe(10);
    expect(sel.inputs.map((f) => f.maxTXID)).toEqual([11, 13, 14]);
  });

  it('does nothing when the destination already has a file from this window', () => {
    const dst = [file(1, 1, 10, T + 30_500)];
    const sel = selectLevelInputs(src, dst, interval, new Date(T + 40_000));
    expect(sel.due).toBe(false);
    expect(sel.inputs).toEqual([]);
  });

  it('starts an empty destination at the oldest source file and reports unreachable files', () => {
    const sel = selectLevelInputs([file(0, 5, 5, T), file(0, 6, 6, T), file(0, 9, 9, T)], [], interval, new Date(T + 60_000));
    expect(sel.start).toBe(4);
    expect(sel.inputs.map((f) => f.maxTXID)).toEqual([5, 6]);
    expect(sel.unreachable.map((f) => f.maxTXID)).toEqual([9]);
  });
});
