// The unit/e2e split follows its rule: tests that start child processes (directly or through a helper) are e2e.
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { testKinds } from './test-kinds.ts';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

describe('test projects', () => {
  const kinds = testKinds(ROOT);

  it('puts every test file in exactly one project', () => {
    expect(kinds.unit.filter((f) => kinds.e2e.includes(f))).toEqual([]);
    expect(kinds.unit).toContain('test/architecture/test-kinds.test.ts');
  });

  it('sends tests that spawn, directly or through a helper, to e2e and keeps in-process ones in unit', () => {
    expect(kinds.e2e).toContain('test/ltx/cli.test.ts'); // imports node:child_process itself
    expect(kinds.e2e).toContain('test/writers/commit-log.test.ts'); // through test/writers/harness
    expect(kinds.e2e).toContain('test/infra/bundle.test.ts');
    expect(kinds.e2e).toContain('test/bench/smoke.test.ts');
    expect(kinds.unit).toContain('test/ltx/database.test.ts');
    expect(kinds.unit).toContain('test/compact/compaction.test.ts');
  });
});
