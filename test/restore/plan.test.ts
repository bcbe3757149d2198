// Unit tests of planRestore: the TXID reached, the cheapest chain and its ties, gaps, TXID and time targets.
import { describe, expect, it } from 'vitest';
import type { LtxFileInfo } from '../../core/replica/client.ts';
import { NoBackupsError, NonContiguousError, TxNotAvailableError } from '../../core/restore/errors.ts';
import { planRestore } from '../../core/restore/plan.ts';
import { refKey } from '../../core/restore/refs.ts';
import { UsageError } from '../../core/errors.ts';

function file(level: number, minTXID: number, maxTXID: number, createdSec = maxTXID): LtxFileInfo {
  return { level, minTXID, maxTXID, size: 1000, createdAt: new Date(createdSec * 1000) };
}

const names = (files: LtxFileInfo[]): string[] => files.map((f) => `L${f.level}:${f.minTXID}-${f.maxTXID}`);

describe('planRestore', () => {
  it('uses L0 files alone when there is nothing else', () => {
    const plan = planRestore([file(0, 1, 1), file(0, 2, 2), file(0, 3, 3)]);
    expect(names(plan.files)).toEqual(['L0:1-1', 'L0:2-2', 'L0:3-3']);
    expect(plan.txid).toBe(3);
    expect(plan.snapshot).toBeUndefined();
  });

  it('starts from the newest snapshot and jumps with the furthest-reaching file of any level', () => {
    const files = [
      file(9, 1, 5), file(9, 1, 10),
      file(1, 1, 10), file(1, 11, 20),
      file(2, 1, 16),
      file(0, 11, 11), file(0, 12, 12), file(0, 21, 21), file(0, 22, 22),
    ];
    const plan = planRestore(files);
    expect(names(plan.files)).toEqual(['L9:1-10', 'L1:11-20', 'L0:21-21', 'L0:22-22']);
    expect(plan.snapshot?.maxTXID).toBe(10);
    expect(plan.txid).toBe(22);
  });

  it('never fetches a snapshot that a chosen file already covers (issue 8: L9 from TXID 1 plus an L2 from TXID 1)', () => {
    const plan = planRestore([file(9, 1, 10), file(2, 1, 30), file(1, 11, 20)]);
    expect(names(plan.files)).toEqual(['L2:1-30']);
    expect(plan.snapshot).toBeUndefined();
    expect(plan.bytes).toBe(1000);
  });

  it('takes an overlapping file when it is the cheaper way on', () => {
    const small = (level: number, min: number, max: number): LtxFileInfo => ({ ...file(level, min, max), size: 10 });
    const plan = planRestore([{ ...file(9, 1, 10), size: 5000 }, { ...file(2, 1, 30), size: 6000 }, small(1, 5, 30)]);
    expect(names(plan.files)).toEqual(['L9:1-10', 'L1:5-30']);
    expect(plan.bytes).toBe(5010);
  });

  it('breaks ties of equal bytes by fewer files, then less overlap, then the higher level, then the older file', () => {
    expect(names(planRestore([file(9, 1, 5), file(1, 6, 10), file(2, 4, 10)]).files)).toEqual(['L9:1-5', 'L1:6-10']);
    expect(names(planRestore([file(9, 1, 5), file(0, 6, 6), file(0, 7, 7), file(1, 6, 7)]).files)).toEqual(['L9:1-5', 'L1:6-7']);
    expect(names(planRestore([file(9, 1, 5), file(1, 6, 10), file(3, 6, 10)]).files)).toEqual(['L9:1-5', 'L3:6-10']);
    const older = file(1, 6, 10, 50);
    const newer = file(1, 6, 10, 60);
    expect(planRestore([file(9, 1, 5), newer, older]).files[1]).toBe(older);
  });

  it('stops at a target TXID and uses only files that end at or before it', () => {
    const files = [file(9, 1, 10), file(1, 1, 10), file(1, 11, 20), file(0, 11, 11), file(0, 12, 12), file(0, 13, 13)];
    const plan = planRestore(files, { txid: 12 });
    expect(names(plan.files)).toEqual(['L9:1-10', 'L0:11-11', 'L0:12-12']);
    expect(plan.txid).toBe(12);
  });

  it('picks an older snapshot when the newest is past the target', () => {
    const plan = planRestore([file(9, 1, 3), file(9, 1, 8), file(0, 4, 4), file(0, 5, 5)], { txid: 5 });
    expect(names(plan.files)).toEqual(['L9:1-3', 'L0:4-4', 'L0:5-5']);
  });

  it('names the TXID available and the one asked when the target cannot be reached', () => {
    const files = [file(0, 1, 1), file(0, 2, 2), file(1, 1, 10)];
    let error: unknown;
    try {
      planRestore(files, { txid: 5 });
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(TxNotAvailableError);
    expect((error as TxNotAvailableError).available).toBe(2);
    expect((error as Error).message).toContain('0000000000000005');
    expect((error as Error).message).toContain('0000000000000002');
  });

  it('refuses a replica with a gap when no target is given, but restores below the gap with a target', () => {
    const files = [file(0, 1, 1), file(0, 2, 2), file(0, 4, 4)];
    expect(() => planRestore(files)).toThrow(NonContiguousError);
    expect(() => planRestore(files)).toThrow(/0000000000000002/);
    expect(planRestore(files, { txid: 2 }).txid).toBe(2);
  });

  it('fails on an empty replica and on one with no starting point', () => {
    expect(() => planRestore([])).toThrow(NoBackupsError);
    expect(() => planRestore([file(0, 5, 5), file(0, 6, 6)])).toThrow(TxNotAvailableError);
    expect(() => planRestore([file(0, 5, 5)], { txid: 3 })).toThrow(/no usable backup/);
  });

  it('honours exclusions by re-planning through other files', () => {
    const files = [file(0, 1, 1), file(0, 2, 2), file(0, 3, 3), file(1, 1, 3)];
    expect(names(planRestore(files).files)).toEqual(['L1:1-3']);
    const plan = planRestore(files, {}, { exclude: new Set([refKey(file(1, 1, 3))]) });
    expect(names(plan.files)).toEqual(['L0:1-1', 'L0:2-2', 'L0:3-3']);
    const snapshotExcluded = planRestore([file(9, 1, 2), file(9, 1, 3), file(0, 3, 3)], {}, { exclude: new Set(['L9/0000000000000001-0000000000000003.ltx']) });
    expect(names(snapshotExcluded.files)).toEqual(['L9:1-2', 'L0:3-3']);
  });

  it('uses file timestamps strictly before a target time', () => {
    // L1 1-3 was written at t=3 (its last input's time); the target t=3 excludes it, so L0 1..2 are used.
    const files = [file(0, 1, 1, 1), file(0, 2, 2, 2), file(0, 3, 3, 3), file(1, 1, 3, 3), file(9, 1, 2, 2)];
    expect(names(planRestore(files, { timestamp: new Date(3000) }).files)).toEqual(['L9:1-2']);
    expect(names(planRestore(files, { timestamp: new Date(3001) }).files)).toEqual(['L1:1-3']);
    expect(names(planRestore(files, { timestamp: new Date(2500) }).files)).toEqual(['L9:1-2']);
    expect(names(planRestore(files, { timestamp: new Date(1500) }).files)).toEqual(['L0:1-1']);
    expect(() => planRestore(files, { timestamp: new Date(500) })).toThrow(/no usable backup .* before/);
  });

  it('rejects a TXID and a timestamp together', () => {
    expect(() => planRestore([file(0, 1, 1)], { txid: 1, timestamp: new Date() })).toThrow(UsageError);
  });
});
