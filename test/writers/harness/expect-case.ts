// role: run a matrix case at CI scale inside a vitest test and fail with the whole report when anything is off.
import { expect } from 'vitest';
import { CI_SCALE, formatReport, runCase, type CaseReport, type MatrixCase } from './run-case.ts';

/** Runs the case; every problem found (lost commits, differing dumps, agent errors) fails the test. */
export async function expectCasePasses(c: MatrixCase, minRows = 20): Promise<CaseReport> {
  const report = await runCase(c, CI_SCALE);
  const text = `${formatReport(report)}\nnotes: ${JSON.stringify(report.notes)}\nagent: ${report.agent.distinctProblems.join(' | ')}`;
  expect(report.problems, text).toEqual([]);
  // A writer that committed almost nothing proves nothing.
  expect(report.rowsWritten, text).toBeGreaterThanOrEqual(minRows);
  expect(report.points.length, text).toBe(3);
  return report;
}
