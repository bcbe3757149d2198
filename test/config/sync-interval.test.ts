// sync-interval on a replica: 0 selects low-latency mode, negative durations are rejected.
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../core/errors.ts';
import { parseConfigText } from '../../core/config/load.ts';

const withInterval = (value: string): string =>
  `dbs:\n  - path: /data/app.db\n    replica:\n      url: s3://bucket/app\n      sync-interval: ${value}\n`;

const parse = (text: string) => parseConfigText(text, '/etc/test.yml', { env: {} });

describe('replica sync-interval', () => {
  it('accepts 0 (low-latency mode) in any duration spelling', () => {
    for (const zero of ['0', '0s', '0ms']) {
      expect(parse(withInterval(zero)).dbs[0].replica.syncInterval).toBe(0);
    }
  });

  it('accepts 0 as a top-level default for every replica', () => {
    const text = `sync-interval: 0s\ndbs:\n  - path: /data/app.db\n    replica:\n      url: s3://bucket/app\n`;
    expect(parse(text).dbs[0].replica.syncInterval).toBe(0);
  });

  it('still reads positive durations', () => {
    expect(parse(withInterval('250ms')).dbs[0].replica.syncInterval).toBe(250);
  });

  it('rejects a negative duration, naming the line and key', () => {
    let caught: unknown;
    try {
      parse(withInterval('-1s'));
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(ConfigError);
    expect((caught as Error).message).toMatch(/line 5.*sync-interval.*negative/);
  });
});
