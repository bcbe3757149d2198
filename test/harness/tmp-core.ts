// Temporary directories without test-runner hooks (usable from benchmarks and child processes).
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const created = new Set<string>();

/** Creates a fresh directory under the OS temp dir, e.g. `/tmp/streambed-<prefix>-XXXXXX`. */
export async function makeTempDir(prefix = 'test'): Promise<string> {
  const safe = prefix.replace(/[^A-Za-z0-9_.-]/g, '_');
  const dir = await mkdtemp(join(tmpdir(), `streambed-${safe}-`));
  created.add(dir);
  return dir;
}

/** Removes a directory made by makeTempDir (no error if it is already gone). */
export async function removeTempDir(dir: string): Promise<void> {
  created.delete(dir);
  await rm(dir, { recursive: true, force: true, maxRetries: 3 });
}

// A last resort for directories nobody removed: deleted when the process is about to exit normally.
process.once('beforeExit', () => {
  for (const dir of created) void rm(dir, { recursive: true, force: true });
});
