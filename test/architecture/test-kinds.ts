// Which vitest project a test file belongs to: `e2e` when it starts child processes, `unit` when it runs in-process.
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { importSpecifiers } from './import-graph.ts';

/** Modules through which a test starts another process. */
const PROCESS_MODULES = new Set(['node:child_process', 'child_process']);
/** Test helpers are followed; product code is not (the agent's `exec` child is the product's own business). */
const HELPER_ROOTS = ['test/', 'bench/', 'scripts/'];

function spawnsThrough(root: string, file: string, seen: Set<string>): boolean {
  if (seen.has(file)) return false;
  seen.add(file);
  const path = join(root, file);
  if (!existsSync(path)) return false;
  for (const spec of importSpecifiers(readFileSync(path, 'utf8'))) {
    if (PROCESS_MODULES.has(spec)) return true;
    if (!spec.startsWith('.')) continue;
    const target = relative(root, resolve(root, dirname(file), spec)).split('\\').join('/');
    if (HELPER_ROOTS.some((r) => target.startsWith(r)) && spawnsThrough(root, target, seen)) return true;
  }
  return false;
}

/**
 * The rule: a test file is end-to-end when it, or a test/bench helper it imports (transitively), imports
 * node:child_process. Everything else runs in the vitest worker and belongs to the unit project.
 */
export function startsProcesses(root: string, testFile: string): boolean {
  return spawnsThrough(root, testFile, new Set());
}

function testFiles(root: string, dir = 'test'): string[] {
  return readdirSync(join(root, dir), { withFileTypes: true }).flatMap((e) => {
    const rel = `${dir}/${e.name}`;
    if (e.isDirectory()) return testFiles(root, rel);
    return e.name.endsWith('.test.ts') ? [rel] : [];
  });
}

/** Every test file under test/, split by the rule above, as project-relative paths. */
export function testKinds(root: string): { unit: string[]; e2e: string[] } {
  const files = testFiles(root).sort();
  const e2e = files.filter((f) => startsProcesses(root, f));
  return { unit: files.filter((f) => !e2e.includes(f)), e2e };
}
