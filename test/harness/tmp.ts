// Temporary directories for tests, always removed afterwards (vitest hooks) even when a test fails.
import { afterAll, afterEach, onTestFinished } from 'vitest';
import { makeTempDir, removeTempDir } from './tmp-core.ts';

export { makeTempDir, removeTempDir };

/**
 * Registers vitest hooks that delete every directory made through the returned function: a directory made inside
 * a test is removed after that test (or at the end of the file with `{ scope: 'file' }`); one made in
 * beforeAll/describe is removed after the file.
 */
export function useTempDirs(options: { scope?: 'test' | 'file' } = {}): (prefix?: string) => Promise<string> {
  const perTest: string[] = [];
  const perFile: string[] = [];
  const remove = async (list: string[]): Promise<void> => {
    const dirs = list.splice(0);
    await Promise.all(dirs.map((d) => removeTempDir(d)));
  };
  afterEach(() => remove(perTest));
  afterAll(async () => {
    await remove(perTest);
    await remove(perFile);
  });
  return async (prefix = 'test') => {
    const dir = await makeTempDir(prefix);
    let inTest = true;
    try {
      // Only callable while a test runs; in beforeAll or a describe body it throws.
      onTestFinished(() => undefined);
    } catch {
      inTest = false;
    }
    (inTest && options.scope !== 'file' ? perTest : perFile).push(dir);
    return dir;
  };
}
