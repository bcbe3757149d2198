// Starts fauxqs in-process on 127.0.0.1 as a local S3 for tests, with helpers for buckets, options and events.
import { HeadObjectCommand, S3Client } from '@aws-sdk/client-s3';
import type { S3Event } from 'aws-lambda';
import type { FauxqsServer } from 'fauxqs';
import { randomBytes } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import type { S3ReplicaOptions } from '../../core/replica/options.ts';
import { withLoopbackListen } from './listen-loopback.ts';
import { s3EventFromSpy } from './s3-events.ts';
import type { S3SpyEventLike } from './s3-events.ts';

export interface LocalS3 {
  /** `http://127.0.0.1:<port>` */
  endpoint: string;
  region: 'us-east-1';
  credentials: { accessKeyId: string; secretAccessKey: string };
  /** The socket address fauxqs is bound to (always 127.0.0.1). */
  address: AddressInfo;
  server: FauxqsServer;
  createBucket(name?: string): Promise<string>;
  /** Replica options pointing at this server; `extra` overrides any field. */
  s3Options(bucket: string, path?: string, extra?: Partial<S3ReplicaOptions>): S3ReplicaOptions;
  /** A plain SDK client for checking what a test wrote (path-style, static credentials). */
  client(): S3Client;
  /** Waits for fauxqs to report `key` uploaded, then returns the S3 `ObjectCreated:Put` event for it. */
  waitForPutEvent(bucket: string, key: string, timeoutMs?: number): Promise<S3Event>;
  stop(): Promise<void>;
}

export interface LocalS3Options {
  /** Keep objects as files in this directory instead of memory. */
  s3StorageDir?: string;
  /** How many spy events fauxqs keeps (default 1000). */
  spyBufferSize?: number;
}

const TEST_CREDENTIALS = { accessKeyId: 'AKIASTREAMBEDTEST', secretAccessKey: 'streambed-test-secret' };
let bucketCounter = 0;

/** One per test file: call in beforeAll and `stop()` in afterAll. */
export async function startLocalS3(options: LocalS3Options = {}): Promise<LocalS3> {
  const { startFauxqs } = await import('fauxqs');
  const { value: server, bound } = await withLoopbackListen(() =>
    startFauxqs({
      port: 0,
      logger: false,
      messageSpies: { bufferSize: options.spyBufferSize ?? 1000 },
      ...(options.s3StorageDir ? { s3StorageDir: options.s3StorageDir } : {}),
    }),
  );
  const address = bound.find((a) => a.port === server.port);
  if (!address || address.address !== '127.0.0.1') {
    await server.stop();
    throw new Error(`fauxqs did not bind 127.0.0.1 (bound: ${JSON.stringify(bound)})`);
  }
  const endpoint = `http://127.0.0.1:${server.port}`;
  let sdkClient: S3Client | undefined;
  const client = (): S3Client =>
    (sdkClient ??= new S3Client({
      endpoint,
      region: 'us-east-1',
      forcePathStyle: true,
      credentials: TEST_CREDENTIALS,
      requestChecksumCalculation: 'WHEN_REQUIRED',
      responseChecksumValidation: 'WHEN_REQUIRED',
    }));

  return {
    endpoint,
    region: 'us-east-1',
    credentials: { ...TEST_CREDENTIALS },
    address,
    server,
    async createBucket(name) {
      bucketCounter += 1;
      const bucket = name ?? `test-${process.pid}-${bucketCounter}-${randomBytes(3).toString('hex')}`;
      server.createBucket(bucket);
      return bucket;
    },
    s3Options(bucket, path = '', extra = {}) {
      return {
        type: 's3',
        bucket,
        path,
        region: 'us-east-1',
        endpoint,
        forcePathStyle: true,
        accessKeyId: TEST_CREDENTIALS.accessKeyId,
        secretAccessKey: TEST_CREDENTIALS.secretAccessKey,
        ...extra,
      };
    },
    client,
    async waitForPutEvent(bucket, key, timeoutMs = 10_000) {
      const spy = (await server.spy.waitForMessage(
        (m) => m.service === 's3' && m.bucket === bucket && m.key === key && m.status === 'uploaded',
        undefined,
        timeoutMs,
      )) as S3SpyEventLike;
      const head = await client().send(new HeadObjectCommand({ Bucket: bucket, Key: key }));
      return s3EventFromSpy([spy], () => ({ size: head.ContentLength ?? 0, eTag: head.ETag }));
    },
    async stop() {
      sdkClient?.destroy();
      await server.stop();
    },
  };
}
