// The readiness answer of `/readyz`: not ready while any database has committed changes waiting too long for the replica.
import { formatTXID } from '../core/layout/names.ts';
import type { LatenessReport } from './lateness.ts';

export interface DatabaseReadiness {
  db: string;
  ready: boolean;
  /** How long the oldest unreplicated change has waited; 0 for an idle or caught-up database. */
  waitingSeconds: number;
  lateAfterSeconds: number;
  waitingSince?: string;
  /** 16 hex digits. */
  replicaTXID?: string;
  lastUploadAt?: string;
}

export interface Readiness {
  ready: boolean;
  /** The databases that make the agent not ready. */
  late: string[];
  databases: DatabaseReadiness[];
}

/** Each database by path, with its lateness as its replicator reports it now. */
export type ReadinessSource = () => ReadonlyArray<{ db: string; lateness: LatenessReport }>;

const iso = (ms: number | undefined): string | undefined => (ms === undefined ? undefined : new Date(ms).toISOString());

export function readinessOf(reports: ReadonlyArray<{ db: string; lateness: LatenessReport }>): Readiness {
  const databases = reports.map(({ db, lateness: r }) => ({
    db,
    ready: !r.late,
    waitingSeconds: Math.round(r.waitingMs / 100) / 10,
    lateAfterSeconds: r.lateAfterMs / 1000,
    waitingSince: iso(r.waitingSince),
    replicaTXID: r.replicaTXID === undefined ? undefined : formatTXID(r.replicaTXID),
    lastUploadAt: iso(r.lastUploadAt),
  }));
  const late = databases.filter((d) => !d.ready).map((d) => d.db);
  return { ready: late.length === 0, late, databases };
}
