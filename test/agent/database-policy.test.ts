// Checkpoint policy: Litestream's priority order and thresholds in bytes (32 + (24 + pageSize) * pages).
import { describe, expect, it } from 'vitest';
import { chooseCheckpoint } from '../../agent/wal/checkpoint.ts';
import type { CheckpointPolicy } from '../../agent/wal/checkpoint.ts';

const policy: CheckpointPolicy = { minCheckpointPageCount: 1000, truncatePageN: 121_359, checkpointInterval: 60_000 };
const frames = (n: number): number => 32 + 4120 * n;
const base = { pageSize: 4096, syncedSinceCheckpoint: false, lastCheckpointAt: 0, now: 1_000 };

describe('chooseCheckpoint', () => {
  it('uses the byte thresholds at their exact boundaries', () => {
    expect(chooseCheckpoint(policy, { ...base, walBytes: frames(999) })).toBeNull();
    expect(chooseCheckpoint(policy, { ...base, walBytes: frames(1000) })).toBe('PASSIVE');
    expect(chooseCheckpoint(policy, { ...base, walBytes: frames(121_358) })).toBe('PASSIVE');
    expect(chooseCheckpoint(policy, { ...base, walBytes: frames(121_359) })).toBe('TRUNCATE');
  });

  it('truncate-page-n 0 disables TRUNCATE', () => {
    expect(chooseCheckpoint({ ...policy, truncatePageN: 0 }, { ...base, walBytes: frames(500_000) })).toBe('PASSIVE');
  });

  it('interval checkpoints need synced data, elapsed time and more than one frame', () => {
    const late = { ...base, now: 61_000, walBytes: frames(5) };
    expect(chooseCheckpoint(policy, late)).toBeNull();
    expect(chooseCheckpoint(policy, { ...late, syncedSinceCheckpoint: true })).toBe('PASSIVE');
    expect(chooseCheckpoint(policy, { ...late, syncedSinceCheckpoint: true, now: 59_999 })).toBeNull();
    expect(chooseCheckpoint(policy, { ...late, syncedSinceCheckpoint: true, walBytes: frames(1) })).toBeNull();
    expect(chooseCheckpoint({ ...policy, checkpointInterval: 0 }, { ...late, syncedSinceCheckpoint: true })).toBeNull();
  });
});
