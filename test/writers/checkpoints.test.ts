// Writer matrix, applications that checkpoint themselves, and one that never does (a large WAL, read in pieces).
import { describe, expect, it } from 'vitest';
import { applicationCheckpoints, bigWalNoAutocheckpoint } from './harness/cases.ts';
import { expectCasePasses } from './harness/expect-case.ts';
import { CI_SCALE } from './harness/run-case.ts';

describe('writer matrix: checkpoints', () => {
  it('e. PRAGMA wal_checkpoint PASSIVE, FULL, RESTART and TRUNCATE from the application', async () => {
    const report = await expectCasePasses(applicationCheckpoints);
    const modes = report.notes.checkpoints as Record<string, { runs: number; failed: number }>;
    for (const mode of ['PASSIVE', 'FULL', 'RESTART', 'TRUNCATE']) {
      expect(modes[mode]?.runs, mode).toBeGreaterThan(0);
      expect(modes[mode]?.failed, mode).toBe(0);
    }
  });

  it(`e. wal_autocheckpoint=0 with bulk transactions: a WAL of ${CI_SCALE.bulk.mb * CI_SCALE.bulk.count} MiB written (hundreds in the soak)`, async () => {
    // A few bulk transactions take most of the time: fewer rows, many more bytes.
    const report = await expectCasePasses(bigWalNoAutocheckpoint, 5);
    expect(report.notes.walMaxMiB).toBeGreaterThanOrEqual(CI_SCALE.bulk.mb);
  });
});
