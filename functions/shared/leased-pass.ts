// A maintenance pass run under the database's lease, so two invocations never work on one database at once.
import type { Context } from 'aws-lambda';
import { randomUUID } from 'node:crypto';
import { runMaintenance, type MaintenanceReport, type MaintenanceSettings } from '../../core/compact/index.ts';
import { IndexedReplicaClient } from '../../core/replica/indexed.ts';
import type { S3ReplicaClient } from '../../core/replica/s3.ts';
import { acquireLease } from './lease.ts';

export type PassOutcome =
  | { skipped: false; report: MaintenanceReport }
  /** Another pass holds the lease: it (or the next sweep) does this database's work. */
  | { skipped: true; heldBy: string; until: string };

/** Without a Lambda context (tests, local runs): the compaction function's timeout. */
const DEFAULT_TTL_MS = 5 * 60_000;

export interface PassIdentity {
  owner: string;
  ttlMs: number;
}

/** The request id owns the lease until the function would time out, so a crashed pass frees it by itself. */
export function passIdentity(context: Context | undefined): PassIdentity {
  return {
    owner: context?.awsRequestId ?? randomUUID(),
    ttlMs: (context ? context.getRemainingTimeInMillis() : DEFAULT_TTL_MS) + 10_000,
  };
}

export async function leasedMaintenance(
  client: S3ReplicaClient,
  settings: MaintenanceSettings,
  now: Date,
  identity: PassIdentity,
): Promise<PassOutcome> {
  const lease = await acquireLease(client, { owner: identity.owner, ttlMs: identity.ttlMs, now: () => now });
  if (!lease.acquired) return { skipped: true, heldBy: lease.heldBy, until: lease.until };
  try {
    // Under the lease this pass is the only writer above L0, so one listing at its start serves every step
    // (compaction of each level, the snapshot, retention): 1 LIST instead of one per level per step. L0 files the
    // agent uploads meanwhile are left for the next pass, as a listing taken at the start would leave them.
    // The wrapper is not closed: the client is the caller's (cached across invocations). The first image goes to L9
    // by a server-side copy, as the agent does it, so no level uploads it again.
    return { skipped: false, report: await runMaintenance(new IndexedReplicaClient(client), { ...settings, promoteFirstSnapshot: true }, now) };
  } finally {
    await lease.release();
  }
}
