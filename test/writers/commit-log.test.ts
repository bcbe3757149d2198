// The matrix's own checker: what counts as a lost, extra, late or torn commit in a restore.
import { describe, expect, it } from 'vitest';
import { checkRestoreAt, checkSourceRows, sampleTimestamps, type WriterLog } from './harness/commit-log.ts';
import type { CommitRow } from './harness/sqlite-cli.ts';

// Commits 1..10 of writer "w", logged at 1000, 1100, ..., 1900 ms; each row began 5 ms before its log line.
const log: WriterLog = { writer: 'w', commits: Array.from({ length: 10 }, (_, i) => ({ seq: i + 1, at: 1000 + 100 * i })) };
const rows = (n: number, skip?: number): CommitRow[] =>
  log.commits.slice(0, n).filter((c) => c.seq !== skip).map((c) => ({ writer: 'w', seq: c.seq, tMs: c.at - 5 }));
const counters = (n: number): Map<string, number> => new Map(n > 0 ? [['w', n]] : []);

describe('commit log checks', () => {
  it('accepts a restore holding exactly the commits older than the window, or a few more that began before T', () => {
    // T = 1650, window 300: commits logged before 1350 (seq 1..4) are required; seq 5..7 began before T.
    expect(checkRestoreAt([log], rows(4), counters(4), 1650, 300).problems).toEqual([]);
    expect(checkRestoreAt([log], rows(7), counters(7), 1650, 300).problems).toEqual([]);
    expect(checkRestoreAt([log], rows(4), counters(4), 1650, 300).lagMs).toBe(250);
  });

  it('reports a missing commit, a hole, a row begun after T and half a transaction', () => {
    expect(checkRestoreAt([log], rows(3), counters(3), 1650, 300).problems.join()).toMatch(/has 3 rows; 4 were committed/);
    expect(checkRestoreAt([log], rows(5, 2), counters(5), 1650, 300).problems.join()).toMatch(/not 1\.\.4/);
    expect(checkRestoreAt([log], rows(8), counters(8), 1650, 300).problems.join()).toMatch(/seq 8 began .* after the timestamp/);
    expect(checkRestoreAt([log], rows(5), counters(4), 1650, 300).problems.join()).toMatch(/counter is 4 but 5 rows/);
  });

  it('expects a replaced database to be gone after the window, and the live source to hold the whole log', () => {
    const replaced = { ...log, replacedAt: 2000 };
    expect(checkRestoreAt([replaced], rows(10), counters(10), 2400, 300).problems.join()).toMatch(/whose database was replaced/);
    expect(checkRestoreAt([replaced], [], counters(0), 2400, 300).problems).toEqual([]);
    expect(checkSourceRows([log], rows(10), counters(10))).toEqual([]);
    expect(checkSourceRows([log], rows(9), counters(9)).join()).toMatch(/logged 10 commits but the database holds 9/);
    expect(checkSourceRows([log], [...rows(10), { writer: 'x', seq: 1, tMs: 0 }], counters(10)).join()).toMatch(/unknown writer x/);
  });

  it('samples timestamps across the activity, outside the window after a replacement', () => {
    expect(sampleTimestamps([log], 300)).toEqual([1225, 1450, 1675]);
    const gen1 = { ...log, replacedAt: 2000 };
    const gen2: WriterLog = { writer: 'v', commits: [{ seq: 1, at: 2100 }, { seq: 2, at: 4000 }] };
    for (const t of sampleTimestamps([gen1, gen2], 300)) expect(t < 1700 || t > 2500).toBe(true);
  });
});
