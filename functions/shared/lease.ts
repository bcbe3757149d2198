// One maintenance pass per database at a time: a lease object written with S3 conditional writes.
import { DeleteObjectCommand, GetObjectCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { leaseKey } from './lease-key.ts';

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

function statusOf(err: unknown): number | undefined {
  return (err as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
}

/** 412 (the condition failed) and 409 (a concurrent conditional write won) both mean: someone else has it. */
function lostRace(err: unknown): boolean {
  const status = statusOf(err);
  return status === 412 || status === 409;
}

async function readLease(s3: S3Client, bucket: string, key: string): Promise<{ body: LeaseBody; etag: string | undefined } | undefined> {
  try {
    const out = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
    const body = JSON.parse((await out.Body?.transformToString()) ?? '{}') as Partial<LeaseBody>;
    return { body: { owner: String(body.owner ?? ''), expires: String(body.expires ?? new Date(0).toISOString()) }, etag: out.ETag };
  } catch (err) {
    if ((err as Error).name === 'NoSuchKey' || (statusOf(err) === 404 && (err as Error).name !== 'NoSuchBucket')) return undefined;
    throw err;
  }
}

/**
 * Takes the lease of `dbPath` unless another pass holds an unexpired one. S3 makes this exclusive: the first
 * write is `If-None-Match: *`, a takeover `If-Match: <etag of the expired lease>`, so of two racing passes one
 * gets 412. A store that ignores the conditions (the local emulator) lets both write; the read-back then stops the
 * one whose write was overwritten, and if both still pass, the cost is one duplicate pass: compaction writes each
 * key with the same bytes whoever runs it.
 */
export async function acquireLease(s3: S3Client, bucket: string, dbPath: string, options: LeaseOptions): Promise<LeaseResult> {
  const key = leaseKey(dbPath);
  const now = options.now?.() ?? new Date();
  const current = await readLease(s3, bucket, key);
  if (current && current.body.owner !== options.owner && Date.parse(current.body.expires) > now.getTime()) {
    return { acquired: false, heldBy: current.body.owner, until: current.body.expires };
  }
  const body: LeaseBody = { owner: options.owner, expires: new Date(now.getTime() + options.ttlMs).toISOString() };
  try {
    await s3.send(
      new PutObjectCommand({
        Bucket: bucket,
        Key: key,
        Body: JSON.stringify(body),
        ContentType: 'application/json',
        ...(current ? (current.etag ? { IfMatch: current.etag } : {}) : { IfNoneMatch: '*' }),
      }),
    );
  } catch (err) {
    if (lostRace(err)) return { acquired: false, heldBy: 'another pass (conditional write lost)', until: body.expires };
    throw err;
  }
  const check = await readLease(s3, bucket, key);
  if (check && check.body.owner !== options.owner) return { acquired: false, heldBy: check.body.owner, until: check.body.expires };
  return {
    acquired: true,
    // DELETE costs nothing on S3 (a PUT would cost as much as the pass's own writes). Only a pass that outlived
    // its lease could remove a successor's, and the ttl is the function's whole remaining time.
    async release() {
      await s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: key }));
    },
  };
}
