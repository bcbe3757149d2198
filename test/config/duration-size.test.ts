// Go duration syntax and byte sizes.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { formatDuration, parseDuration } from '../../core/util/duration.ts';
import { parseByteSize } from '../../core/config/size.ts';

describe('parseDuration', () => {
  it.each([
    ['1s', 1000], ['5m', 300_000], ['1h30m', 5_400_000], ['500ms', 500], ['24h', 86_400_000], ['0', 0],
    ['1.5h', 5_400_000], ['.5s', 500], ['1m30.5s', 90_500], ['2000us', 2], ['3000000ns', 3], ['1µs', 0.001],
    ['-1s', -1000], ['+10s', 10_000], ['1h1m1s1ms', 3_661_001],
  ])('%s → %d ms', (text, ms) => {
    expect(parseDuration(text)).toBeCloseTo(ms, 9);
  });

  it.each(['', '10', '1x', 's', '1.s5', '1h 30m', 'abc', '.s', '5 m'])('rejects %j', (text) => {
    expect(() => parseDuration(text)).toThrow();
  });

  it('round-trips formatDuration for whole milliseconds', () => {
    fc.assert(fc.property(fc.integer({ min: 0, max: 10 * 86_400_000 }), (ms) => parseDuration(formatDuration(ms)) === ms));
  });
});

describe('parseByteSize', () => {
  it.each([
    ['10485760', 10_485_760], ['5MB', 5_000_000], ['5MiB', 5_242_880], ['5mib', 5_242_880], ['64MiB', 67_108_864],
    ['1.5GB', 1_500_000_000], ['1 KiB', 1024], ['100B', 100], ['1k', 1000], ['2Ki', 2048], ['1,000', 1000], ['1_000', 1000],
  ])('%s → %d bytes', (text, bytes) => {
    expect(parseByteSize(text)).toBe(bytes);
  });

  it.each(['', 'MB', '5XB', '-5MB', 'five'])('rejects %j', (text) => {
    expect(() => parseByteSize(text)).toThrow();
  });
});
