// Writer matrix: the database deleted and created again under the agent, and an outside reader that pins the
// WAL across several of the agent's checkpoints.
import { describe, expect, it } from 'vitest';
import { databaseReplaced, longReader } from './harness/cases.ts';
import { expectCasePasses } from './harness/expect-case.ts';

describe('writer matrix: replaced database, long reader', () => {
  it('h. the database file deleted and re-created: the agent snapshots the new database', async () => {
    const report = await expectCasePasses(databaseReplaced);
    expect(report.agent.snapshots).toBeGreaterThanOrEqual(2);
  });

  it('i. an outside reader holding a read transaction across several checkpoints', async () => {
    const report = await expectCasePasses(longReader);
    expect(report.notes.checkpointIntervalsSpanned).toBeGreaterThanOrEqual(3);
  });
});
