// Unknown config keys are errors; -ignore-unknown (or STREAMBED_IGNORE_UNKNOWN=1) turns each into one note naming it.
import Database from 'better-sqlite3';
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ConfigError } from '../../core/errors.ts';
import { parseConfigText } from '../../core/config/load.ts';
import { cleanEnv, hasStackTrace, runCli } from './run-cli.ts';

const DIR = mkdtempSync(path.join(tmpdir(), 'streambed-ignore-unknown-'));
afterAll(() => rmSync(DIR, { recursive: true, force: true }));

/** A Litestream-style config with keys streambed does not know at every level (e.g. from a newer Litestream). */
function litestreamConfig(dbPath: string, replicaDir: string): string {
  return `# written for Litestream
future-global: true
logging:
  level: info
  colour: auto
levels:
  - interval: 30s
    jitter: 1s
snapshot:
  interval: 24h
  retention: 24h
dbs:
  - path: ${dbPath}
    page-cache: 64MiB
    replica:
      type: file
      path: ${replicaDir}
      upload-rate-limit: 10MiB
`;
}

const UNKNOWN = [
  ['future-global', 2],
  ['logging.colour', 5],
  ['levels[0].jitter', 8],
  ['dbs[0].page-cache', 14],
  ['dbs[0].replica.upload-rate-limit', 18],
] as const;

describe('parseConfigText', () => {
  const text = litestreamConfig('/var/lib/app.db', '/backups/app');

  it('refuses the first unknown key by default, naming file, line and key, and the way out', () => {
    let err: unknown;
    try {
      parseConfigText(text, '/etc/litestream.yml', { env: {} });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as Error).message).toMatch(/^\/etc\/litestream\.yml: line 2: key "future-global": unknown key in the top level.*-ignore-unknown/);
  });

  it('with ignoreUnknown: one note per key, naming the file, line and key; the rest of the file is read', () => {
    const c = parseConfigText(text, '/etc/litestream.yml', { env: {}, ignoreUnknown: true });
    const notes = (c.notes ?? []).filter((n) => n.includes('unknown key'));
    expect(notes).toHaveLength(UNKNOWN.length);
    for (const [key, line] of UNKNOWN) {
      expect(notes.filter((n) => n.startsWith(`/etc/litestream.yml:${line}: unknown key ${key} `) && n.endsWith('ignored (-ignore-unknown)'))).toHaveLength(1);
    }
    expect(c.dbs[0].replica.options).toEqual({ type: 'file', path: '/backups/app' });
    expect(c.levels).toEqual([30_000]);
  });

  it('STREAMBED_IGNORE_UNKNOWN=1 does the same; 0 or unset keeps errors; other values are refused', () => {
    expect(parseConfigText(text, 'l.yml', { env: { STREAMBED_IGNORE_UNKNOWN: '1' } }).notes).toHaveLength(UNKNOWN.length);
    expect(parseConfigText(text, 'l.yml', { env: { STREAMBED_IGNORE_UNKNOWN: 'true' } }).notes).toHaveLength(UNKNOWN.length);
    expect(() => parseConfigText(text, 'l.yml', { env: { STREAMBED_IGNORE_UNKNOWN: '0' } })).toThrow(/unknown key/);
    expect(() => parseConfigText(text, 'l.yml', { env: { STREAMBED_IGNORE_UNKNOWN: 'yes please' } })).toThrow(/STREAMBED_IGNORE_UNKNOWN="yes please" must be 1 or 0/);
  });

  it('still refuses known keys with bad values, and unsupported features', () => {
    expect(() => parseConfigText('unknown-x: 1\nlevels:\n  - interval: 1h\n  - interval: 30s\n', 'l.yml', { env: {}, ignoreUnknown: true })).toThrow(/must be longer/);
    expect(() => parseConfigText('dbs:\n  - path: /data/a.db\n    replica:\n      url: s3://b/p\n      age:\n        identities: [x]\n', 'l.yml', { env: {}, ignoreUnknown: true })).toThrow(/age encryption is not supported/);
  });
});

describe('the commands', () => {
  it('streambed config -ignore-unknown prints the config and a note per key on stderr; without it, exit 2', async () => {
    const file = path.join(DIR, 'litestream.yml');
    writeFileSync(file, litestreamConfig(path.join(DIR, 'app.db'), path.join(DIR, 'replica')));
    const refused = await runCli(['config', '-config', file]);
    expect(refused.code).toBe(2);
    expect(refused.stdout).toBe('');
    expect(refused.stderr).toMatch(/unknown key in the top level/);
    expect(hasStackTrace(refused.stderr)).toBe(false);

    const accepted = await runCli(['config', '-ignore-unknown', '-config', file]);
    expect(accepted.code).toBe(0);
    expect(JSON.parse(accepted.stdout)).toMatchObject({ dbs: [{ path: path.join(DIR, 'app.db') }] });
    for (const [key] of UNKNOWN) expect(accepted.stderr).toContain(`unknown key ${key} `);
    expect(accepted.stderr.match(/streambed: note: .*unknown key/g)).toHaveLength(UNKNOWN.length);

    const viaEnv = await runCli(['config', '-config', file], cleanEnv({ STREAMBED_IGNORE_UNKNOWN: '1' }));
    expect(viaEnv.code).toBe(0);
    expect(viaEnv.stdout).toBe(accepted.stdout);
  });

  it('streambed replicate -ignore-unknown replicates and logs a note per key naming it and the file', async () => {
    const dir = mkdtempSync(path.join(DIR, 'replicate-'));
    const dbPath = path.join(dir, 'app.db');
    const db = new Database(dbPath);
    db.pragma('journal_mode = WAL');
    db.exec('CREATE TABLE t (x); INSERT INTO t VALUES (1)');
    db.close();
    const file = path.join(dir, 'litestream.yml');
    writeFileSync(file, litestreamConfig(dbPath, path.join(dir, 'replica')));

    const refused = await runCli(['replicate', '-once', '-config', file]);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/future-global.*unknown key/);
    expect(existsSync(path.join(dir, 'replica'))).toBe(false);

    const r = await runCli(['replicate', '-once', '-ignore-unknown', '-config', file]);
    expect(r.stderr + r.stdout).not.toMatch(/error/i);
    expect(r.code).toBe(0);
    const logged = `${r.stdout}\n${r.stderr}`;
    for (const [key] of UNKNOWN) expect(logged).toContain(`unknown key ${key} `);
    expect(logged).toContain(file);
    expect(readdirSync(path.join(dir, 'replica', 'ltx', '0')).filter((n) => n.endsWith('.ltx')).length).toBeGreaterThan(0);
  });
});
