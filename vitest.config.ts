// Test runner settings: two projects, `unit` (in-process) and `e2e` (tests that start child processes); real servers
// and real SQLite make some tests slow, so time-outs are generous. `vitest run` runs both, `--project unit` one.
// Unit tests mostly wait (local S3, timers, fsync), so they run 4 at a time in threads even on 2 cores: 78 s → 28–37 s.
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';
import { testKinds } from './test/architecture/test-kinds.ts';

const kinds = testKinds(fileURLToPath(new URL('.', import.meta.url)));

export default defineConfig({
  test: {
    testTimeout: 120_000,
    hookTimeout: 60_000,
    pool: 'forks',
    reporters: ['default', './test/summary-reporter.ts'],
    projects: [
      { test: { name: 'unit', include: kinds.unit, pool: 'threads', maxWorkers: 4 } },
      { test: { name: 'e2e', include: kinds.e2e } },
    ],
  },
});
