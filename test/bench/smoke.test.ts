// Short smoke runs of every benchmark: each must run end to end and print its figures (targets are judged by hand, not here).
import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';

const repo = new URL('../../', import.meta.url).pathname;

function bench(args: string[], timeout = 120_000): string {
  const run = spawnSync(process.execPath, args, { cwd: repo, encoding: 'utf8', timeout });
  if (run.status !== 0) throw new Error(`node ${args.join(' ')} exited ${run.status}\n${run.stdout}\n${run.stderr}`);
  return run.stdout;
}

/** Every number printed after `label` on its line. */
function figures(out: string, label: RegExp): number[] {
  const line = out.split('\n').find((l) => label.test(l));
  expect(line, `no line matching ${label} in:\n${out}`).toBeDefined();
  return (line!.replace(label, '').match(/\d+(\.\d+)?/g) ?? []).map(Number);
}

describe('benchmark smoke runs', () => {
  it('ltx-codec prints encode and decode throughput and ratios', () => {
    const out = bench(['bench/ltx-codec.ts', '--size-mib', '4', '--rounds', '1']);
    expect(figures(out, /^encodeLtx/)[0]).toBeGreaterThan(0);
    expect(figures(out, /^decode baseline/)[0]).toBeGreaterThan(0);
    expect(out).toMatch(/encode ratio \d+% of baseline/);
    expect(out).toMatch(/decode ratio \d+% of baseline/);
  });

  it('multipart-memory prints peak RSS beside the part-size x concurrency estimate', () => {
    const out = bench(['bench/multipart-memory.ts', '--size-mib', '12', '--part-mib', '5', '--concurrency', '2']);
    expect(figures(out, /RSS peak - baseline/)[0]).toBeGreaterThan(0);
    expect(figures(out, /documented estimate/)[0]).toBeCloseTo(10.5, 1);
  });

  it('restore prints restore and plain-GET throughput from the local S3', () => {
    const out = bench(['bench/restore.ts', '--size-mib', '8', '--l0', '20']);
    expect(figures(out, /^baseline: parallel GETs, discard/)[0]).toBe(21);
    expect(out).toMatch(/restore\/baseline throughput ratio: \d/);
  });

  it('compact prints compaction throughput and peak RSS', () => {
    const out = bench(['bench/compact.ts', '--size-mib', '8', '--l0', '20']);
    expect(figures(out, /^compact-l1/)[0]).toBe(20);
    expect(figures(out, /^snapshot/).length).toBeGreaterThanOrEqual(5);
  });

  it('cost prints requests per minute by kind, $/DB-month and restore bytes (streambed only: the Litestream peer runs by hand)', () => {
    const out = bench(['bench/cost.ts', '--smoke', '--only', 'streambed'], 240_000);
    expect(out).toMatch(/^streambed: S3 requests per minute/m);
    expect(figures(out, /^idle /).length).toBeGreaterThanOrEqual(9);
    expect(out).toMatch(/^streambed: restore .* fetched\/needed \d/m);
    // Every target of issue 8 is listed with a value and a verdict, or with the command that measures it.
    expect(out).toMatch(/^issue 8 targets/m);
    expect(out).toMatch(/^ {2}restore bytes fetched \/ needed .* \d\.\d\d {2}(met|MISSED)/m);
    expect(out).toMatch(/^ {2}agent start-up CPU \(replicate -once\) .* \d\.\d\d s {2}(met|MISSED)/m);
  });

  it('fleet prints start-up, requests per minute, CPU, RSS and lag for a directory of databases', () => {
    const out = bench(['bench/fleet.ts', '--smoke'], 180_000);
    expect(figures(out, /^\s+start:/)[0]).toBe(20);
    expect(out).toMatch(/all idle, .* requests\/min .* RSS \d/);
    expect(out).toMatch(/commit→ack lag over [1-9]\d* commits: p50/);
  });

  it('replication prints lag percentiles beside the local S3 PUT latency', () => {
    const out = bench(['bench/replication.ts', '--smoke'], 180_000);
    expect(out).toMatch(/PUT/);
    expect(out).toMatch(/p99/);
  });

  it('follow-lag prints commit-to-follower lag percentiles', () => {
    const out = bench(['bench/follow-lag.ts', '--smoke'], 120_000);
    expect(figures(out, /^10 \| 100 ms \| 100 ms \|/).length).toBeGreaterThanOrEqual(5);
  });
});
