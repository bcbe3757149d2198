// Property tests of THE retention invariant: inside the window every required restore point survives retention.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { LtxFileInfo } from '../../core/replica/client.ts';
import { planRestore } from '../../core/restore/plan.ts';
import { invariantViolations, requiredPoints } from '../../core/retention/invariant.ts';
import { planByRules, planRetention } from '../../core/retention/plan.ts';
import { restorePoints } from '../../core/retention/points.ts';
import { simulate } from './simulate.ts';
import type { SimEvent, SimOptions } from './simulate.ts';

const START = Date.UTC(2026, 2, 1, 0, 0, 0);
const MIN = 60_000;
const HOUR = 60 * MIN;

const eventArb: fc.Arbitrary<SimEvent> = fc.record({
  at: fc.integer({ min: 0, max: 3 * 24 * HOUR }),
  kind: fc.constantFrom<SimEvent['kind']>('commit', 'commit', 'commit', 'commit', 'maintain', 'compact', 'retain'),
  txns: fc.integer({ min: 1, max: 3 }),
});

const optionsArb: fc.Arbitrary<SimOptions> = fc.record({
  levels: fc.constantFrom([30_000, 5 * MIN, HOUR], [MIN], [], [10_000, 20_000], [2 * HOUR, 12 * HOUR]),
  snapshotInterval: fc.constantFrom(HOUR, 6 * HOUR, 24 * HOUR),
  snapshotRetention: fc.integer({ min: 10 * MIN, max: 48 * HOUR }),
  l0Retention: fc.integer({ min: 0, max: 2 * HOUR }),
  stamps: fc.constantFrom<SimOptions['stamps']>('s3', 'file'),
  retentionEnabled: fc.constant(true),
});

function without(files: readonly LtxFileInfo[], removed: readonly LtxFileInfo[]): LtxFileInfo[] {
  const gone = new Set(removed);
  return files.filter((f) => !gone.has(f));
}

/** Restore's own planner must reach every required point exactly from what is left. */
function restorePlannerReaches(after: readonly LtxFileInfo[], txid: number): boolean {
  try {
    return planRestore(after, { txid }).txid === txid;
  } catch {
    return false;
  }
}

describe('retention invariant', () => {
  it('restorePoints agrees with the restore planner on arbitrary file sets', () => {
    const fileArb = fc
      .record({ level: fc.constantFrom(0, 0, 1, 2, 9), min: fc.integer({ min: 1, max: 30 }), len: fc.integer({ min: 0, max: 8 }) })
      .map(({ level, min, len }): LtxFileInfo => ({ level, minTXID: level === 9 ? 1 : min, maxTXID: min + len, size: 100, createdAt: new Date(START) }));
    fc.assert(
      fc.property(fc.array(fileArb, { minLength: 1, maxLength: 25 }), (files) => {
        const points = new Set(restorePoints(files));
        const top = Math.max(...files.map((f) => f.maxTXID));
        for (let t = 1; t <= top; t++) expect(restorePlannerReaches(files, t)).toBe(points.has(t));
      }),
      { numRuns: 300 },
    );
  });

  it('the rules alone keep every required point on simulated histories (no fallback needed)', () => {
    fc.assert(
      fc.property(fc.array(eventArb, { minLength: 1, maxLength: 160 }), optionsArb, (events, options) => {
        const { files, passes } = simulate(START, events, options);
        for (const pass of passes) {
          const rules = planByRules(pass.before, options, pass.now);
          const deleted = [...rules.snapshots, ...rules.levels, ...rules.l0];
          expect(invariantViolations(pass.before, without(pass.before, deleted), options, pass.now)).toEqual([]);
          expect(planRetention(pass.before, options, pass.now).notes).toEqual([]);
          const after = without(pass.before, pass.deleted);
          for (const txid of requiredPoints(pass.before, options, pass.now).keys()) expect(restorePlannerReaches(after, txid)).toBe(true);
        }
        // Whatever retention did along the way, the newest transaction stays restorable.
        const lastTxid = files.reduce((m, f) => Math.max(m, f.maxTXID), 0);
        if (lastTxid > 0) expect(restorePlannerReaches(files, lastTxid)).toBe(true);
      }),
      { numRuns: 150 },
    );
  });

  it('keeps the base of the oldest young L0 file (counterexample: L0 1-1 deleted under L1 1-3 lost TXID 2)', () => {
    const options: SimOptions = { levels: [30_000, 5 * MIN, HOUR], snapshotInterval: HOUR, snapshotRetention: HOUR, l0Retention: 1091750, stamps: 's3', retentionEnabled: true };
    const events: SimEvent[] = [{ at: 1091751, kind: 'maintain', txns: 1 }, { at: 1, kind: 'commit', txns: 1 }, { at: 0, kind: 'commit', txns: 1 }, { at: 1, kind: 'commit', txns: 1 }];
    const { passes } = simulate(START, events, options);
    expect(passes.length).toBeGreaterThan(0);
    for (const pass of passes) {
      const rules = planByRules(pass.before, options, pass.now);
      expect(invariantViolations(pass.before, without(pass.before, [...rules.snapshots, ...rules.levels, ...rules.l0]), options, pass.now)).toEqual([]);
    }
  });

  it('retention shrinks simulated replicas (it does delete)', () => {
    const events: SimEvent[] = [];
    for (let i = 0; i < 400; i++) events.push({ at: i * 10 * MIN, kind: 'commit', txns: 1 }, { at: i * 10 * MIN + 1, kind: 'maintain' });
    const options: SimOptions = { levels: [30_000, 5 * MIN, HOUR], snapshotInterval: 24 * HOUR, snapshotRetention: 24 * HOUR, l0Retention: 5 * MIN, stamps: 's3', retentionEnabled: true };
    const { files, passes } = simulate(START, events, options);
    expect(passes.reduce((n, p) => n + p.deleted.length, 0)).toBeGreaterThan(300);
    expect(files.filter((f) => f.level === 0).length).toBeLessThan(5);
    expect(files.filter((f) => f.level === 9).length).toBeLessThanOrEqual(3);
    expect(restorePlannerReaches(files, 400)).toBe(true);
  });

  it('on arbitrary buckets the plan, and any part of it, keeps the invariant', () => {
    const fileArb = fc
      .record({
        level: fc.constantFrom(0, 0, 0, 1, 1, 2, 9),
        min: fc.integer({ min: 1, max: 40 }),
        len: fc.integer({ min: 0, max: 6 }),
        age: fc.integer({ min: 0, max: 72 * HOUR }),
      })
      .map(({ level, min, len, age }): LtxFileInfo => ({ level, minTXID: level === 9 ? 1 : min, maxTXID: min + len, size: 100, createdAt: new Date(START - age) }));
    fc.assert(
      fc.property(fc.array(fileArb, { minLength: 1, maxLength: 40 }), optionsArb, fc.array(fc.boolean(), { maxLength: 40 }), (files, options, keepMask) => {
        const now = new Date(START);
        const plan = planRetention(files, options, now);
        expect(invariantViolations(files, without(files, plan.delete), options, now)).toEqual([]);
        const partial = plan.delete.filter((_, i) => !keepMask[i]);
        expect(invariantViolations(files, without(files, partial), options, now)).toEqual([]);
      }),
      { numRuns: 300 },
    );
  });
});
