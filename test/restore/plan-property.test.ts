// Property test of planRestore on random file sets: the same TXID as the furthest-reaching walk, at the fewest bytes.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { LtxFileInfo } from '../../core/replica/client.ts';
import { planRestore, type RestoreTarget } from '../../core/restore/plan.ts';

/** The TXID the previous planner reached: newest snapshot, then the furthest-reaching file (null: it threw). */
function greedyTxid(files: readonly LtxFileInfo[], target: RestoreTarget): number | null {
  const eligible = files.filter((f) => target.txid === undefined || f.maxTXID <= target.txid);
  let current = 0;
  for (const f of eligible) if (f.level === 9 && f.minTXID === 1) current = Math.max(current, f.maxTXID);
  const others = eligible.filter((f) => f.level < 9);
  for (;;) {
    const next = others.filter((f) => f.minTXID <= current + 1 && f.maxTXID > current).sort((a, b) => b.maxTXID - a.maxTXID)[0];
    if (!next || (target.txid !== undefined && current >= target.txid)) break;
    current = next.maxTXID;
  }
  if (current === 0) return null;
  if (target.txid !== undefined && current < target.txid) return null;
  if (target.txid === undefined && others.some((f) => f.maxTXID > current)) return null;
  return current;
}

/** Fewest bytes of any chain from TXID 0 to exactly `goal`, by exhaustive search (small sets only). */
function cheapestBytes(files: readonly LtxFileInfo[], goal: number): number {
  const usable = files.filter((f) => f.maxTXID <= goal && (f.level < 9 || f.minTXID === 1));
  const memo = new Map<number, number>();
  const from = (s: number): number => {
    if (s === goal) return 0;
    const known = memo.get(s);
    if (known !== undefined) return known;
    let best = Infinity;
    for (const f of usable) if (f.minTXID <= s + 1 && f.maxTXID > s) best = Math.min(best, f.size + from(f.maxTXID));
    memo.set(s, best);
    return best;
  };
  return from(0);
}

const fileArb = fc
  .record({
    level: fc.constantFrom(0, 0, 0, 1, 1, 2, 3, 9),
    min: fc.integer({ min: 1, max: 30 }),
    len: fc.integer({ min: 0, max: 10 }),
    size: fc.integer({ min: 100, max: 10_000 }),
    at: fc.integer({ min: 0, max: 100 }),
  })
  .map(({ level, min, len, size, at }): LtxFileInfo => ({
    level,
    minTXID: level === 9 ? 1 : min,
    maxTXID: (level === 9 ? 1 : min) + len + (level === 9 ? min : 0),
    size,
    createdAt: new Date(at * 1000),
  }));

describe('planRestore on random file sets', () => {
  it('reaches the TXID the furthest-reaching walk reached, by a valid chain of the fewest bytes', () => {
    fc.assert(
      fc.property(fc.array(fileArb, { minLength: 1, maxLength: 30 }), fc.option(fc.integer({ min: 1, max: 45 }), { nil: undefined }), (files, txid) => {
        const target: RestoreTarget = { txid };
        const expected = greedyTxid(files, target);
        if (expected === null) {
          expect(() => planRestore(files, target)).toThrow();
          return;
        }
        const plan = planRestore(files, target);
        expect(plan.txid).toBe(expected);
        let current = 0;
        for (const f of plan.files) {
          expect(f.minTXID).toBeLessThanOrEqual(current + 1);
          expect(f.maxTXID).toBeGreaterThan(current);
          current = f.maxTXID;
        }
        expect(current).toBe(expected);
        expect(plan.bytes).toBe(plan.files.reduce((s, f) => s + f.size, 0));
        expect(plan.bytes).toBe(cheapestBytes(files, expected));
        // No chosen file's range is covered by a later chosen file that starts at or before it.
        plan.files.forEach((f, i) => {
          for (const g of plan.files.slice(i + 1)) expect(g.minTXID <= f.minTXID && g.maxTXID >= f.maxTXID).toBe(false);
        });
      }),
      { numRuns: 1000 },
    );
  });
});
