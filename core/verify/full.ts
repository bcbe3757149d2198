// The full check: restore the newest state to a temporary file and run PRAGMA integrity_check on it.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ReplicaClient } from '../replica/client.ts';
import { IntegrityCheckError, restoreDatabase } from '../restore/index.ts';
import type { VerifyProblem, VerifyReport } from './report.ts';

export async function fullRestoreCheck(client: ReplicaClient, tmpDir?: string): Promise<{ restore?: VerifyReport['restore']; problems: VerifyProblem[] }> {
  const dir = await mkdtemp(join(tmpDir ?? tmpdir(), 'streambed-verify-'));
  try {
    const result = await restoreDatabase(client, { outputPath: join(dir, 'restored.db'), integrityCheck: 'full', force: true });
    const problems: VerifyProblem[] = result.skipped.map((s) => ({
      kind: 'checksum' as const,
      severity: 'error' as const,
      level: s.file.level,
      minTXID: s.file.minTXID,
      maxTXID: s.file.maxTXID,
      message: `restore had to skip this file: ${s.reason}`,
    }));
    return { restore: { txid: result.txid, pageSize: result.pageSize, pages: result.commit, integrity: 'ok' }, problems };
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    if (err instanceof IntegrityCheckError) {
      return { restore: undefined, problems: [{ kind: 'integrity', severity: 'error', message }] };
    }
    return { problems: [{ kind: 'missing', severity: 'error', message: `full restore failed: ${message}` }] };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
