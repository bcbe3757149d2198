// Fixtures are read through ../shared relative to the project root (test/harness/shared.ts), never by an absolute path.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = join(import.meta.dirname, '..', '..');
/** A string literal holding an absolute path into a `shared` folder, e.g. '/work/shared/fixtures/…'. */
const ABSOLUTE_SHARED = /['"`]\/[^'"`\n]*\/shared\//;

function sources(dir: string): string[] {
  return readdirSync(join(ROOT, dir), { withFileTypes: true }).flatMap((e) => {
    const rel = `${dir}/${e.name}`;
    if (e.isDirectory()) return e.name === 'node_modules' ? [] : sources(rel);
    return /\.(ts|mjs|js|sh)$/.test(e.name) ? [rel] : [];
  });
}

describe('fixture paths', () => {
  it('recognises an absolute shared path', () => {
    expect(ABSOLUTE_SHARED.test("const F = '/work/shared/fixtures/x.ltx';")).toBe(true);
    expect(ABSOLUTE_SHARED.test("const F = sharedPath('fixtures/x.ltx');")).toBe(false);
  });

  it('has no absolute path to the shared fixtures in test/, bench/ or scripts/', () => {
    const bad = ['test', 'bench', 'scripts'].flatMap(sources).filter((f) => f !== 'test/architecture/fixtures.test.ts')
      .filter((f) => ABSOLUTE_SHARED.test(readFileSync(join(ROOT, f), 'utf8')));
    expect(bad, 'read fixtures with sharedPath() from test/harness/shared.ts').toEqual([]);
  });
});
