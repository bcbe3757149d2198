// Copies the files a commit of this tree would hold, for tests that need a pristine checkout (pack, fresh machine).
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const repoRoot = fileURLToPath(new URL('../../', import.meta.url));

/** Tracked files, and untracked ones that are not ignored, copied from the repository to `to` (no node_modules). */
export function copyTree(to: string): void {
  const listed = spawnSync('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard'], { cwd: repoRoot, encoding: 'utf8' });
  if (listed.status !== 0) throw new Error(`git ls-files failed in ${repoRoot}: ${listed.stderr}`);
  // A git worktree may hold node_modules as a symlink, which a `node_modules/` ignore rule does not match.
  for (const file of listed.stdout.split('\0').filter((f) => f && f !== 'node_modules' && !f.startsWith('node_modules/'))) {
    // A file deleted in the work tree but still tracked is not part of the next commit.
    if (existsSync(join(repoRoot, file))) cpSync(join(repoRoot, file), join(to, file), { recursive: true, verbatimSymlinks: true });
  }
}
