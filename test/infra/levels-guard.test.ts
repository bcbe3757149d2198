// One validator for compaction levels: the agent's YAML, the Lambda environment and the CDK construct refuse alike.
import { describe, expect, it } from 'vitest';
import { levelsProblem } from '../../core/compact/settings.ts';
import { parseConfigText } from '../../core/config/load.ts';
import { maintenanceSettingsFromEnv } from '../../functions/shared/settings.ts';
import { resolveBackupProps } from '../../infra/backup-props.ts';

/** The three entry points, each given the same intervals as Go durations; each returns its error message or ''. */
function yamlError(levels: string[]): string {
  try {
    parseConfigText(`levels:\n${levels.map((l) => `  - interval: ${l}\n`).join('')}`, '/etc/streambed.yml', { env: {} });
    return '';
  } catch (err) {
    return (err as Error).message;
  }
}

function envError(levels: string[]): string {
  try {
    maintenanceSettingsFromEnv({ LEVELS: levels.join(',') });
    return '';
  } catch (err) {
    return (err as Error).message;
  }
}

function constructError(levels: string[]): string {
  try {
    resolveBackupProps({ levels });
    return '';
  } catch (err) {
    return (err as Error).message;
  }
}

const BAD: Array<[string[], RegExp]> = [
  [['1h', '30s'], /L2 interval 30s must be longer than L1's 1h/],
  [['30s', '30s'], /L2 interval 30s must be longer than L1's 30s/],
  [['30s', '5m', '1h', '2h', '3h', '4h', '5h', '6h', '7h'], /9 levels given; at most 8/],
];
const GOOD = [['30s', '5m', '1h'], ['10s'], ['1m', '1h', '24h']];

describe('compaction levels are validated by one core rule everywhere', () => {
  it.each(BAD)('%j is refused by YAML, Lambda env and construct with the same reason', (levels, reason) => {
    const errors = { yaml: yamlError(levels), env: envError(levels), construct: constructError(levels) };
    expect(errors.yaml).toMatch(reason);
    expect(errors.env).toMatch(reason);
    expect(errors.construct).toMatch(reason);
    // Each names where the setting came from.
    expect(errors.yaml).toMatch(/levels/);
    expect(errors.env).toMatch(/LEVELS/);
    expect(errors.construct).toMatch(/StreambedBackup levels/);
  });

  it.each(GOOD)('%j is accepted by all three', (...levels) => {
    expect([yamlError(levels), envError(levels), constructError(levels)]).toEqual(['', '', '']);
  });

  it('the core rule itself', () => {
    expect(levelsProblem([3_600_000, 30_000])).toMatch(/must be longer/);
    expect(levelsProblem([0])).toMatch(/positive/);
    expect(levelsProblem([])).toBeUndefined();
  });
});
