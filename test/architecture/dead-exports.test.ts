// Guards against dead exports: every exported name of product code is imported somewhere or is a listed entry point.
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { deadExports, ENTRY_POINTS } from './dead-exports.ts';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

describe('exports', () => {
  it('finds the entry points when they are not listed (the check can fail)', () => {
    const found = deadExports(ROOT, { entryPoints: {} }).map((d) => `${d.file}#${d.name}`);
    expect(found).toContain('functions/restore/handler.ts#handler');
    expect(found.some((k) => k.startsWith('infra/index.ts#'))).toBe(true);
  });

  it('has no exported name that nothing imports, outside the entry points', () => {
    const dead = deadExports(ROOT).map((d) => `${d.file}\t${d.name}\t${d.kind}`);
    expect(dead, `remove these exports, or list a real entry point in ENTRY_POINTS (dead-exports.ts):\n${dead.join('\n')}`).toEqual([]);
  });

  it('lists only files that exist', () => {
    const listed = Object.keys(ENTRY_POINTS);
    const declared = new Set(deadExports(ROOT, { entryPoints: {}, all: true }).map((d) => d.file));
    expect(listed.filter((file) => !declared.has(file))).toEqual([]);
  });
});
