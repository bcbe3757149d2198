// The full check: restore the newest restorable state to a temporary file and run PRAGMA integrity_check on it.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ReplicaClient } from '../replica/client.ts';
import { formatTXID, IntegrityCheckError, restoreDatabase } from '../restore/index.ts';
import type { TXID } from '../ltx/types.ts';
import { fileProblem, type VerifyProblem, type VerifyReport } from './report.ts';

/**
 * Restores exactly `txid` (the newest restorable TXID the file checks found) without the files they found unusable
 * (`exclude`, refKey()s), and runs PRAGMA integrity_check on the result.
 */
export async function fullRestoreCheck(
  client: ReplicaClient,
  txid: TXID,
  exclude: ReadonlySet<string>,
  tmpDir?: string,
): Promise<{ restore?: VerifyReport['restore']; problems: VerifyProblem[] }> {
  const dir = await mkdtemp(join(tmpDir ?? tmpdir(), 'streambed-verify-'));
  try {
    const result = await restoreDatabase(client, { outputPath: join(dir, 'restored.db'), txid, exclude, integrityCheck: 'full', force: true });
    // A file that passed its own checks but failed in the restore (e.g. a page size differing from the files before it).
    const problems = result.skipped.map((s) => fileProblem(client, s.file, 'checksum', `restore had to skip this file: ${s.reason}`));
    return { restore: { txid: result.txid, pageSize: result.pageSize, pages: result.commit, integrity: 'ok' }, problems };
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    if (err instanceof IntegrityCheckError) {
      return { restore: undefined, problems: [{ kind: 'integrity', severity: 'error', message }] };
    }
    return { problems: [{ kind: 'missing', severity: 'error', message: `full restore to TXID ${formatTXID(txid)} failed: ${message}` }] };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
