// A cheap "did anything change?" for an idle database: the identity, size and mtime of its file and WAL, by stat.
import { statSync } from 'node:fs';

/**
 * A file written this close to the stat (in ns) may be written again with the same size and mtime (the mtime is
 * a coarse clock, whole seconds or two on some filesystems), so its signature is not trusted.
 */
const RACY_NS = 2_000_000_000n;

function part(path: string, nowNs: bigint): string | null {
  const st = statSync(path, { bigint: true, throwIfNoEntry: false });
  if (!st) return '-';
  if (nowNs - st.mtimeNs < RACY_NS || nowNs - st.ctimeNs < RACY_NS) return null;
  return `${st.dev}:${st.ino}:${st.size}:${st.mtimeNs}:${st.ctimeNs}`;
}

/**
 * The signature of the database file and its WAL now, or null when either was written too recently for an
 * unchanged signature to prove that nothing changed since (the "racy clean" case of git's index). Equal
 * signatures mean neither file was written, replaced or deleted in between. Only stat: nothing is opened.
 */
export function quietSignature(dbPath: string, walPath: string, nowMs: number = Date.now()): string | null {
  const nowNs = BigInt(nowMs) * 1_000_000n;
  const db = part(dbPath, nowNs);
  if (db === null) return null;
  const wal = part(walPath, nowNs);
  return wal === null ? null : `${db}|${wal}`;
}
