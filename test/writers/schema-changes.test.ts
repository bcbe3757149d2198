// Writer matrix, applications that rewrite the whole file or change the journal: VACUUM, a page-size change
// through VACUUM, journal_mode DELETE and back to WAL.
import { describe, expect, it } from 'vitest';
import { journalModeSwitch, vacuumAndPageSize } from './harness/cases.ts';
import { expectCasePasses } from './harness/expect-case.ts';

describe('writer matrix: VACUUM and journal mode', () => {
  it('f. VACUUM, and a page-size change through VACUUM', async () => {
    const report = await expectCasePasses(vacuumAndPageSize);
    const facts = report.notes.pageSize as Record<string, unknown>;
    // In WAL mode SQLite keeps the page size through VACUUM (documented); the DELETE-mode route needs the
    // database to itself, and the agent's open connections hold it: SQLITE_BUSY, nothing changes.
    expect(facts.pageSizeInWal).toBe(4096);
    expect(facts.journalModeDelete).toBe('SQLITE_BUSY');
    expect(facts.finalPageSize).toBe(4096);
  });

  it('g. journal_mode switched to DELETE and back to WAL while the agent runs', async () => {
    const report = await expectCasePasses(journalModeSwitch);
    // Leaving WAL mode needs an exclusive lock; the agent's connections hold a shared one, so the switch
    // fails with SQLITE_BUSY every time and the database stays in WAL mode.
    const outcomes = report.notes.journalModeDelete as Record<string, number>;
    expect(Object.keys(outcomes)).toEqual(['SQLITE_BUSY']);
    expect(outcomes.SQLITE_BUSY).toBeGreaterThanOrEqual(2);
  });
});
