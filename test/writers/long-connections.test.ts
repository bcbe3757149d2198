// Writer matrix, applications that keep their connection open: Python's sqlite3, better-sqlite3 in another Node
// process, and both at once.
import { describe, it } from 'vitest';
import { nodeOtherProcess, pythonLongConnection, twoWriters } from './harness/cases.ts';
import { expectCasePasses } from './harness/expect-case.ts';

describe('writer matrix: long connections', () => {
  it("b. Python's sqlite3 module with one long connection", async () => {
    await expectCasePasses(pythonLongConnection);
  });

  it('c. better-sqlite3 in another Node process', async () => {
    await expectCasePasses(nodeOtherProcess);
  });

  it('j. two writer processes at once', async () => {
    await expectCasePasses(twoWriters);
  });
});
