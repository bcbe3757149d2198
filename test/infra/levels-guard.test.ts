// One validator for maintenance settings: the agent's YAML, the Lambda environment and the CDK construct refuse alike.
import { describe, expect, it } from 'vitest';
import { DEFAULT_MAINTENANCE_SETTINGS, levelsProblem } from '../../core/compact/settings.ts';
import { parseConfigText } from '../../core/config/load.ts';
import { maintenanceSettingsFromEnv } from '../../functions/shared/settings.ts';
import { maintenanceEnvironment, resolveBackupProps } from '../../infra/backup-props.ts';

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
  [['30s', '5m', '1m'], /L3 interval 1m must be longer than L2's 5m/],
  [['0s'], /L1 interval 0s must be a positive duration/],
  [['30s', '0'], /L2 interval 0s must be a positive duration/],
  [['-30s', '5m'], /L1 interval -30s must be a positive duration/],
  [['30s', '5m', '1h', '2h', '3h', '4h', '5h', '6h', '7h'], /9 levels given; at most 8/],
];
const GOOD = [['30s', '5m', '1h'], ['10s'], ['1m', '1h', '24h'], ['500ms', '1s'], ['1m30s', '1h30m']];

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

  it('a malformed duration is refused by all three, each naming its setting', () => {
    const errors = { yaml: yamlError(['30s', '5x']), env: envError(['30s', '5x']), construct: constructError(['30s', '5x']) };
    for (const e of Object.values(errors)) expect(e).toMatch(/unknown unit "x"/);
    expect(errors.yaml).toMatch(/levels\[1\]\.interval/);
    expect(errors.env).toMatch(/LEVELS/);
    expect(errors.construct).toMatch(/StreambedBackup levels\[1\]/);
  });

  it('the core rule itself', () => {
    expect(levelsProblem([3_600_000, 30_000])).toMatch(/must be longer/);
    expect(levelsProblem([0])).toMatch(/positive/);
    expect(levelsProblem([])).toBeUndefined();
  });
});

/** The other maintenance durations: one rule (core/compact/settings.ts) behind the YAML key, env variable and prop. */
const DURATIONS = [
  { yaml: (v: string) => `snapshot:\n  interval: ${v}\n`, env: 'SNAPSHOT_INTERVAL', prop: 'snapshotInterval' },
  { yaml: (v: string) => `snapshot:\n  retention: ${v}\n`, env: 'SNAPSHOT_RETENTION', prop: 'snapshotRetention' },
  { yaml: (v: string) => `l0-retention: ${v}\n`, env: 'L0_RETENTION', prop: 'l0Retention' },
] as const;

function allErrors(d: (typeof DURATIONS)[number], value: string): string[] {
  const attempt = (f: () => unknown): string => {
    try {
      f();
      return '';
    } catch (err) {
      return (err as Error).message;
    }
  };
  return [
    attempt(() => parseConfigText(d.yaml(value), '/etc/streambed.yml', { env: {} })),
    attempt(() => maintenanceSettingsFromEnv({ [d.env]: value })),
    attempt(() => resolveBackupProps({ [d.prop]: value })),
  ];
}

describe('snapshot interval, snapshot retention and L0 retention are validated by one core rule everywhere', () => {
  it.each(DURATIONS)('$prop: YAML, env and construct refuse and accept the same values', (d) => {
    const zeroAllowed = d.prop === 'l0Retention';
    for (const e of allErrors(d, '-1m')) expect(e).toMatch(/-1m must be (zero or )?a positive duration/);
    for (const e of allErrors(d, '0s')) expect(e === '').toBe(zeroAllowed);
    expect(allErrors(d, '2h')).toEqual(['', '', '']);
  });
});

describe('the defaults are core\'s', () => {
  it('the construct, the Lambda environment and the YAML loader default to the same maintenance settings', () => {
    const fromEnv = maintenanceSettingsFromEnv({});
    const fromYaml = parseConfigText('dbs: []\n', '/etc/streambed.yml', { env: {} });
    const fromProps = resolveBackupProps({});
    expect(fromEnv).toMatchObject(DEFAULT_MAINTENANCE_SETTINGS);
    expect({ levels: fromYaml.levels, ...fromYaml.snapshot, l0: fromYaml.l0Retention, enabled: fromYaml.retention.enabled })
      .toEqual({ levels: DEFAULT_MAINTENANCE_SETTINGS.levels, interval: DEFAULT_MAINTENANCE_SETTINGS.snapshotInterval, retention: DEFAULT_MAINTENANCE_SETTINGS.snapshotRetention, l0: DEFAULT_MAINTENANCE_SETTINGS.l0Retention, enabled: DEFAULT_MAINTENANCE_SETTINGS.retentionEnabled });
    expect(maintenanceSettingsFromEnv(maintenanceEnvironment(fromProps, 'bucket'))).toMatchObject(DEFAULT_MAINTENANCE_SETTINGS);
    expect(fromProps.levels).toEqual(['30s', '5m', '1h']);
  });
});
