// One maintenance pass per database at a time: a lease object written with S3 conditional writes.
import { NotFoundError, PreconditionFailedError } from '../../core/replica/client.ts';
import type { PutObjectOptions } from '../../core/replica/s3.ts';
import { LEASE_OBJECT_NAME } from './lease-key.ts';

export interface LeaseBody {
  owner: string;
  /** ISO time after which anyone may take the lease over. */
  expires: string;
}

export type LeaseResult =
  | { acquired: true; release(): Promise<void> }
  | { acquired: false; heldBy: string; until: string };

export interface LeaseOptions {
  /** This pass (the Lambda request id). */
  owner: string;
  /** How long the lease lasts: the function's remaining time, so a crashed pass frees it by itself. */
  ttlMs: number;
  now?: () => Date;
}

/**
 * What the lease needs of the database's replica client (S3ReplicaClient): objects by path below the replica root,
 * conditional writes that fail with a PreconditionFailedError, reads that fail with a NotFoundError.
 */
export interface LeaseObjects {
  getObject(path: string): Promise<{ body: Uint8Array; etag: string | undefined }>;
  putObject(path: string, body: string, options: PutObjectOptions): Promise<{ etag: string | undefined }>;
  deleteObject(path: string): Promise<void>;
}

async function readLease(objects: LeaseObjects): Promise<{ body: LeaseBody; etag: string | undefined } | undefined> {
  let out;
  try {
    out = await objects.getObject(LEASE_OBJECT_NAME);
  } catch (err) {
    if (err instanceof NotFoundError) return undefined;
    throw err;
  }
  const body = JSON.parse(Buffer.from(out.body).toString() || '{}') as Partial<LeaseBody>;
  return { body: { owner: String(body.owner ?? ''), expires: String(body.expires ?? new Date(0).toISOString()) }, etag: out.etag };
}

/**
 * Takes the lease of the database whose replica `objects` is, unless another pass holds an unexpired one. S3 makes
 * this exclusive: the first write is `If-None-Match: *`, a takeover `If-Match: <etag of the expired lease>`, so of
 * two racing passes one gets 412. A store that ignores the conditions (the local emulator) lets both write; the
 * read-back then stops the one whose write was overwritten, and if both still pass, the cost is one duplicate
 * pass: compaction writes each key with the same bytes whoever runs it.
 */
export async function acquireLease(objects: LeaseObjects, options: LeaseOptions): Promise<LeaseResult> {
  const now = options.now?.() ?? new Date();
  const current = await readLease(objects);
  if (current && current.body.owner !== options.owner && Date.parse(current.body.expires) > now.getTime()) {
    return { acquired: false, heldBy: current.body.owner, until: current.body.expires };
  }
  const body: LeaseBody = { owner: options.owner, expires: new Date(now.getTime() + options.ttlMs).toISOString() };
  try {
    await objects.putObject(LEASE_OBJECT_NAME, JSON.stringify(body), {
      contentType: 'application/json',
      ...(current ? (current.etag ? { ifMatch: current.etag } : {}) : { ifNoneMatch: '*' }),
    });
  } catch (err) {
    if (err instanceof PreconditionFailedError) return { acquired: false, heldBy: 'another pass (conditional write lost)', until: body.expires };
    throw err;
  }
  const check = await readLease(objects);
  if (check && check.body.owner !== options.owner) return { acquired: false, heldBy: check.body.owner, until: check.body.expires };
  return {
    acquired: true,
    // DELETE costs nothing on S3 (a PUT would cost as much as the pass's own writes). Only a pass that outlived
    // its lease could remove a successor's, and the ttl is the function's whole remaining time.
    async release() {
      await objects.deleteObject(LEASE_OBJECT_NAME);
    },
  };
}
