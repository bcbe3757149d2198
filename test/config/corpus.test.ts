// Runs every case of the shared config corpus (../shared/configs) through `streambed config` as a child process.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { cleanEnv, hasStackTrace, REPO_ROOT, runCli } from './run-cli.ts';

const CORPUS = path.resolve(REPO_ROOT, '../shared/configs');

function readEnvFile(file: string): Record<string, string> {
  if (!existsSync(file)) return {};
  const env: Record<string, string> = {};
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    const m = /^\s*([A-Za-z_][A-Za-z0-9_]*)=(.*)$/.exec(line);
    if (m) env[m[1]] = m[2];
  }
  return env;
}

/** Every key of `expected` must be in `actual` with that value; lists must match element by element. */
function subsetMismatch(actual: unknown, expected: unknown, at = '$'): string | undefined {
  if (Array.isArray(expected)) {
    if (!Array.isArray(actual)) return `${at}: expected a list, got ${JSON.stringify(actual)}`;
    if (actual.length !== expected.length) return `${at}: expected ${expected.length} items, got ${actual.length}`;
    for (let i = 0; i < expected.length; i++) {
      const m = subsetMismatch(actual[i], expected[i], `${at}[${i}]`);
      if (m) return m;
    }
    return undefined;
  }
  if (expected !== null && typeof expected === 'object') {
    if (actual === null || typeof actual !== 'object' || Array.isArray(actual)) return `${at}: expected an object, got ${JSON.stringify(actual)}`;
    for (const [k, v] of Object.entries(expected)) {
      if (!(k in actual)) return `${at}.${k}: missing`;
      const m = subsetMismatch((actual as Record<string, unknown>)[k], v, `${at}.${k}`);
      if (m) return m;
    }
    return undefined;
  }
  return actual === expected ? undefined : `${at}: expected ${JSON.stringify(expected)}, got ${JSON.stringify(actual)}`;
}

const cases = existsSync(CORPUS) ? readdirSync(CORPUS).filter((f) => f.endsWith('.yml')).sort() : [];

describe('shared config corpus', () => {
  it('is present and has cases', () => {
    expect(existsSync(CORPUS), `${CORPUS} must exist`).toBe(true);
    expect(cases.length).toBeGreaterThan(0);
  });

  it('the subset matcher rejects a wrong value and a missing key', () => {
    expect(subsetMismatch({ a: { b: 1 } }, { a: { b: 2 } })).toMatch(/expected 2/);
    expect(subsetMismatch({ a: {} }, { a: { b: 1 } })).toMatch(/missing/);
    expect(subsetMismatch({ a: [{ b: 1, c: 2 }] }, { a: [{ b: 1 }] })).toBeUndefined();
  });

  for (const yml of cases) {
    const name = yml.slice(0, -'.yml'.length);
    const expectFile = path.join(CORPUS, `${name}.expect.json`);
    const errorFile = path.join(CORPUS, `${name}.error`);
    it.concurrent(name, async () => {
      const env = cleanEnv(readEnvFile(path.join(CORPUS, `${name}.env`)));
      const result = await runCli(['config', '-config', path.join(CORPUS, yml)], env);
      if (existsSync(expectFile)) {
        expect(result.stderr.includes('Error') && hasStackTrace(result.stderr), result.stderr).toBe(false);
        expect(result.code, result.stderr).toBe(0);
        const expected: unknown = JSON.parse(readFileSync(expectFile, 'utf8'));
        expect(subsetMismatch(JSON.parse(result.stdout), expected)).toBeUndefined();
      } else {
        expect(existsSync(errorFile), `${name} needs ${name}.expect.json or ${name}.error`).toBe(true);
        expect(result.code, result.stdout).not.toBe(0);
        expect(hasStackTrace(result.stderr), result.stderr).toBe(false);
        const output = result.stderr.toLowerCase();
        for (const line of readFileSync(errorFile, 'utf8').split('\n').map((l) => l.trim()).filter(Boolean)) {
          expect(output, `stderr should contain "${line}"`).toContain(line.toLowerCase());
        }
      }
    });
  }
});

describe('streambed config command', () => {
  it('honours -no-expand-env and STREAMBED_CONFIG', async () => {
    const file = path.join(CORPUS, 'env-expansion.yml');
    const env = cleanEnv({ ...readEnvFile(path.join(CORPUS, 'env-expansion.env')), STREAMBED_CONFIG: file });
    const expanded = await runCli(['config'], env);
    expect(expanded.code, expanded.stderr).toBe(0);
    expect(JSON.parse(expanded.stdout).dbs[0].replica.bucket).toBe('acme-backups');
    const raw = await runCli(['config', '-config', file, '-no-expand-env'], env);
    expect(raw.code, raw.stderr).toBe(0);
    expect(JSON.parse(raw.stdout).dbs[0].replica.bucket).toBe('$BACKUP_BUCKET');
  });

  it('a missing file exits 2 with a one-line message', async () => {
    const r = await runCli(['config', '-config', '/nonexistent/streambed.yml']);
    expect(r.code).toBe(2);
    expect(r.stderr.trim()).toMatch(/^streambed: \/nonexistent\/streambed\.yml: config file not found/);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
  });
});
