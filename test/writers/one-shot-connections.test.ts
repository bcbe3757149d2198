// Writer matrix, applications whose connections all close: a sqlite3 CLI loop and an application that restarts.
// With no connection of its own left, such an application checkpoints and deletes the WAL on close unless the
// agent holds its SQLite lock the whole time (issue 7).
import { describe, expect, it } from 'vitest';
import { cliPerTransaction, restartingApplication } from './harness/cases.ts';
import { expectCasePasses } from './harness/expect-case.ts';

describe('writer matrix: connections that close', () => {
  it('a. the sqlite3 CLI, one process per transaction, loses no commit', async () => {
    await expectCasePasses(cliPerTransaction);
  });

  it('d. an application that closes all its connections between bursts loses no commit', async () => {
    const report = await expectCasePasses(restartingApplication);
    expect(report.notes.restarts).toBeGreaterThanOrEqual(2);
  });
});
