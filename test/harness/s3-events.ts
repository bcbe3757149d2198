// Builds AWS S3 event-notification JSON (the shape Lambda receives) from fauxqs spy events, for Lambda tests.
import type { S3Event, S3EventRecord } from 'aws-lambda';
import { randomBytes } from 'node:crypto';

export interface S3SpyEventLike {
  bucket: string;
  key: string;
  status: string;
  timestamp: number;
}

export interface PutEventOptions {
  eTag?: string;
  eventTime?: Date;
  region?: string;
  eventName?: string;
}

/** Encodes a key the way S3 notifications do: form-urlencoded with `+` for spaces, `/` left alone. */
export function encodeEventKey(key: string): string {
  return encodeURIComponent(key).replace(/%20/g, '+').replace(/%2F/g, '/');
}

/** Decodes an event key back to the object key (what a Lambda handler must do). */
export function decodeEventKey(key: string): string {
  return decodeURIComponent(key.replace(/\+/g, ' '));
}

let sequence = 0;

/** One `ObjectCreated:Put` record for bucket/key/size in the AWS S3 event notification shape (version 2.1). */
export function s3PutRecord(bucket: string, key: string, size: number, options: PutEventOptions = {}): S3EventRecord {
  const region = options.region ?? 'us-east-1';
  sequence += 1;
  return {
    eventVersion: '2.1',
    eventSource: 'aws:s3',
    awsRegion: region,
    eventTime: (options.eventTime ?? new Date()).toISOString(),
    eventName: options.eventName ?? 'ObjectCreated:Put',
    userIdentity: { principalId: 'AWS:STREAMBEDTEST' },
    requestParameters: { sourceIPAddress: '127.0.0.1' },
    responseElements: {
      'x-amz-request-id': randomBytes(8).toString('hex').toUpperCase(),
      'x-amz-id-2': randomBytes(32).toString('base64'),
    },
    s3: {
      s3SchemaVersion: '1.0',
      configurationId: 'streambed-test',
      bucket: { name: bucket, ownerIdentity: { principalId: 'STREAMBEDTEST' }, arn: `arn:aws:s3:::${bucket}` },
      object: {
        key: encodeEventKey(key),
        size,
        eTag: (options.eTag ?? randomBytes(16).toString('hex')).replace(/"/g, ''),
        sequencer: (Date.now() * 1000 + sequence).toString(16).toUpperCase().padStart(18, '0'),
      },
    },
  };
}

/** A whole S3 event with one put record. */
export function s3PutEvent(bucket: string, key: string, size: number, options: PutEventOptions = {}): S3Event {
  return { Records: [s3PutRecord(bucket, key, size, options)] };
}

/** Turns fauxqs `uploaded` spy events into one S3 event; sizes (and ETags) come from the caller, e.g. HeadObject. */
export function s3EventFromSpy(
  spies: readonly S3SpyEventLike[],
  describe: (spy: S3SpyEventLike) => { size: number; eTag?: string },
  region = 'us-east-1',
): S3Event {
  const records = spies
    .filter((s) => s.status === 'uploaded')
    .map((s) => {
      const { size, eTag } = describe(s);
      return s3PutRecord(s.bucket, s.key, size, { eTag, region, eventTime: new Date(s.timestamp) });
    });
  return { Records: records };
}
