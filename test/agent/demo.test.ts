// The demo runs end to end (write, replicate, compact, restore, verify) on a file replica and on local S3.
import { PassThrough } from 'node:stream';
import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { commitLags, summarizeLag } from '../../agent/lag.ts';
import { runDemo } from '../../agent/demo.ts';
import type { UploadEvent } from '../../agent/replicator.ts';

function capture(): { out: PassThrough; text: () => string } {
  const out = new PassThrough();
  let text = '';
  out.on('data', (c: Buffer) => (text += c.toString()));
  return { out, text: () => text };
}

describe('demo', () => {
  it('replicates to a file replica, compacts, restores and verifies', async () => {
    const { out, text } = capture();
    const result = await runDemo({ seconds: 1.5, rate: 100, out });
    expect(result.ok).toBe(true);
    expect(result.transactions).toBeGreaterThan(50);
    expect(result.sourceRows).toBe(result.transactions);
    expect(result.restoredChecksum).toBe(result.sourceChecksum);
    expect(result.lag.count).toBe(result.transactions);
    expect(result.lag.p99).toBeGreaterThanOrEqual(result.lag.p50);
    // One maintenance pass: every level compacted, a snapshot, and L0 pruned to its newest file.
    expect(result.filesPerLevel).toEqual({ 0: 1, 1: 1, 2: 1, 3: 1, 9: 1 });
    expect(text()).toMatch(/verify: .* -> OK/);
    expect(text()).toMatch(/p50 [\d.]+ ms, p99 [\d.]+ ms/);
    expect(existsSync(result.dir)).toBe(false);
  });

  it('works against local S3 (fauxqs)', async () => {
    const result = await runDemo({ s3: true, seconds: 1, rate: 50, out: null });
    expect(result.ok).toBe(true);
    expect(result.replica).toMatch(/^s3:\/\/streambed-demo\/app.db/);
  });

  it('charges each commit to the first file whose sync started after it', () => {
    const up = (txid: number, syncStartedAt: number, ackAt: number): UploadEvent => ({ db: 'x', txid, bytes: 1, snapshot: false, syncStartedAt, ackAt });
    expect(commitLags([5, 10, 11, 25], [up(2, 12, 20), up(1, 0, 3), up(3, 30, 40)])).toEqual([15, 10, 9, 15]);
    expect(commitLags([50], [up(1, 0, 3)])).toEqual([]);
    expect(summarizeLag([3, 1, 2, 100])).toEqual({ count: 4, p50: 2, p99: 100, max: 100 });
  });
});
