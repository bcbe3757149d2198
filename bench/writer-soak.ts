// Writer soak: the issue-7 writer matrix (test/writers/) run longer — 60 s per case, bulk transactions of hundreds
// of MB, a reader holding its transaction for a minute — with a summary table at the end.
// Options: --only a,b,e2 (case ids), --scale ci|soak (default soak), --seconds N (writing time per case),
// --json (print the reports as JSON too), --keep (leave each case's directory for a look). Exit 1 when a case failed.
import { MATRIX } from '../test/writers/harness/cases.ts';
import { CI_SCALE, SOAK_SCALE, formatReport, runCase, type CaseReport, type Scale } from '../test/writers/harness/run-case.ts';

function option(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

const only = option('only')?.split(',');
const base = option('scale') === 'ci' ? CI_SCALE : SOAK_SCALE;
const seconds = option('seconds');
const scale: Scale = seconds ? { ...base, writeMs: Number(seconds) * 1000, readerHoldMs: Number(seconds) * 1000 } : base;
const cases = MATRIX.filter((c) => !only || only.includes(c.id));
if (cases.length === 0) {
  process.stderr.write(`writer-soak: no case matches --only ${only?.join(',')}; ids: ${MATRIX.map((c) => c.id).join(', ')}\n`);
  process.exit(2);
}

process.stdout.write(
  `writer soak: ${cases.length} case(s), scale ${scale.label}: writing ${scale.writeMs / 1000} s, sync-interval ${scale.syncIntervalMs} ms, ` +
    `bulk ${scale.bulk.count} x ${scale.bulk.mb} MiB, reader ${scale.readerHoldMs / 1000} s\n\n`,
);
const reports: CaseReport[] = [];
for (const c of cases) {
  process.stdout.write(`${c.id}: ${c.title} ...\n`);
  let report: CaseReport;
  try {
    report = await runCase(c, scale, { keepDir: process.argv.includes('--keep') });
  } catch (err) {
    process.stdout.write(`  harness error: ${(err as Error).stack}\n\n`);
    continue;
  }
  reports.push(report);
  process.stdout.write(`${formatReport(report)}\n`);
  if (Object.keys(report.notes).length) process.stdout.write(`  notes: ${JSON.stringify(report.notes)}\n`);
  if (report.agent.distinctProblems.length) process.stdout.write(`  agent warnings/errors: ${report.agent.distinctProblems.slice(0, 8).join(' | ')}\n`);
  process.stdout.write('\n');
}

const header = ['case', 'result', 'rows', 'rows/s', 'wall s', 'txid', 'snapshots', 'checkpoints', 'warn', 'error', 'max lag ms'];
const rows = reports.map((r) => [
  r.id,
  r.ok ? 'pass' : 'FAIL',
  String(r.rowsWritten),
  (r.rowsWritten / (r.writeMs / 1000)).toFixed(0),
  (r.wallMs / 1000).toFixed(1),
  String(r.agent.replicaTxid),
  String(r.agent.snapshots),
  String(r.agent.checkpoints),
  String(r.agent.warnings),
  String(r.agent.errors),
  String(Math.max(0, ...r.points.map((p) => p.lagMs))),
]);
const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
for (const line of [header, ...rows]) process.stdout.write(line.map((v, i) => v.padEnd(widths[i])).join('  ') + '\n');
const failed = cases.length - reports.filter((r) => r.ok).length;
process.stdout.write(`\n${reports.filter((r) => r.ok).length}/${cases.length} passed; total ${(reports.reduce((n, r) => n + r.wallMs, 0) / 1000).toFixed(0)} s\n`);
if (process.argv.includes('--json')) process.stdout.write(JSON.stringify(reports, null, 2) + '\n');
process.exit(failed > 0 ? 1 : 0);
