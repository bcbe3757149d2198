// The unit/e2e split follows its rule: a test that starts a child process, itself or through a helper it calls, is e2e.
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { useTempDirs } from '../harness/tmp.ts';
import { testKinds } from './test-kinds.ts';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const tempDir = useTempDirs();

function writeTree(root: string, files: Record<string, string>): void {
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), text);
  }
}

describe('test projects', () => {
  it('follows helpers name by name: only the helper functions that spawn make a test e2e', async () => {
    const root = await tempDir('test-kinds');
    writeTree(root, {
      'test/x/run.ts': [
        "import { spawn } from 'node:child_process';",
        'export const BIN = "bin/x";',
        'function child(args: string[]) {',
        '  return spawn(process.execPath, [BIN, ...args]);',
        '}',
        'export function inProcess(args: string[]) {',
        '  return args.length;',
        '}',
        'export async function spawned(args: string[]) {',
        '  return child(args);',
        '}',
      ].join('\n'),
      'test/x/wrapper.ts': "import { spawned } from './run.ts';\nexport const viaWrapper = () => spawned([]);\n",
      'test/x/a.test.ts': "import { inProcess, BIN } from './run.ts';\ninProcess([BIN]);\n",
      'test/x/b.test.ts': "import { spawned } from './run.ts';\nawait spawned([]);\n",
      'test/x/c.test.ts': "import { viaWrapper } from './wrapper.ts';\nawait viaWrapper();\n",
      'test/x/d.test.ts': "import { execFileSync } from 'node:child_process';\nexecFileSync('true');\n",
      'test/x/e.test.ts': "// import { spawned } from './run.ts';\nimport type { Nothing } from './run.ts';\n",
    });
    expect(testKinds(root)).toEqual({
      unit: ['test/x/a.test.ts', 'test/x/e.test.ts'],
      e2e: ['test/x/b.test.ts', 'test/x/c.test.ts', 'test/x/d.test.ts'],
    });
  });

  it('splits this tree: every test file in exactly one project', () => {
    const kinds = testKinds(ROOT);
    expect(kinds.unit.filter((f) => kinds.e2e.includes(f))).toEqual([]);
    expect(kinds.unit).toContain('test/architecture/test-kinds.test.ts');
    expect(kinds.unit).toContain('test/ltx/database.test.ts');
    expect(kinds.unit).toContain('test/writers/commit-log.test.ts'); // the matrix's checker, in-process
    expect(kinds.e2e).toContain('test/writers/checkpoints.test.ts'); // through test/writers/harness
    expect(kinds.e2e).toContain('test/infra/bundle.test.ts');
    expect(kinds.e2e).toContain('test/bench/smoke.test.ts');
  });
});
