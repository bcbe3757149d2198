// Replica client for S3 and S3-compatible stores, in Litestream's layout `<path>/<%04x level>/<name>.ltx`.
import {
  CopyObjectCommand,
  DeleteObjectCommand,
  DeleteObjectsCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
} from '@aws-sdk/client-s3';
import type { _Object, PutObjectCommandInput, S3Client } from '@aws-sdk/client-s3';
import type { HttpHandlerOptions } from '@smithy/types';
import { Upload } from '@aws-sdk/lib-storage';
import { posix } from 'node:path';
import { Readable } from 'node:stream';
import type { TXID } from '../ltx/types.ts';
import { formatLtxFileName, s3LevelPrefix, s3LtxKey, tryParseLtxFileName, tryParseS3LtxKey } from '../layout/names.ts';
import { NotFoundError, PreconditionFailedError } from './client.ts';
import type { ByteRange, LtxFileInfo, LtxFileRef, ObjectInfo, ReplicaClient, WriteBody } from './client.ts';
import type { S3ReplicaOptions } from './options.ts';
import { peekLtxHeader } from './ltx-body.ts';
import { presignGetObject } from './s3-presign.ts';
import { S3_DELETE_BATCH, partSizeFor, resolvedS3Settings, s3Location } from './s3-config.ts';
import type { ResolvedS3Settings } from './s3-config.ts';
import { S3OperationError, httpStatusOf, isS3NotFound } from './s3-errors.ts';
import { contentMd5Middleware, createS3Client } from './s3-sdk.ts';
import { addOwnerThrottle, asOwner, sharedS3Clients } from './s3-client-pool.ts';
import type { RequestOwner } from './s3-client-pool.ts';
import type { RetryNotice } from './s3-retry.ts';
import { encryptionReadParams, encryptionWriteParams } from './s3-sse.ts';
import { formatRfc3339Nano, parseRfc3339 } from './timestamp.ts';

export const TIMESTAMP_METADATA_KEY = 'litestream-timestamp';

/** Counts bytes flowing through an upload body of unknown length. */
async function* counted(body: AsyncIterable<Uint8Array | string>, counter: { bytes: number }): AsyncGenerator<Buffer> {
  for await (const chunk of body) {
    const buf = typeof chunk === 'string' ? Buffer.from(chunk) : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    counter.bytes += buf.byteLength;
    yield buf;
  }
}

function rangeHeader(range: ByteRange): string {
  return range.length === undefined ? `bytes=${range.offset}-` : `bytes=${range.offset}-${range.offset + range.length - 1}`;
}

/** Builds the SDK client of a replica; createS3Client unless a test injects its own (to record requests). */
export type S3ClientFactory = (settings: ResolvedS3Settings, options: S3ReplicaOptions, onRetry: (notice: RetryNotice) => void) => S3Client;

/**
 * This replica client's view of an SDK client: the SDK client itself (by prototype, so lib-storage and the
 * presigner see its config and middleware), with `send` running as `owner`'s request, so retries and the request
 * cap of a shared client are this replica client's.
 */
function ownedView(sdk: S3Client, owner: RequestOwner): S3Client {
  const send = ((...args: Parameters<S3Client['send']>) => asOwner(owner, () => sdk.send(...args))) as S3Client['send'];
  return Object.create(sdk, { send: { value: send } }) as S3Client;
}

/** Options of putObject, for objects outside the LTX layout (leases, restored databases). */
export interface PutObjectOptions {
  contentType?: string;
  /** Write only if no object exists yet (`If-None-Match: *`); a PreconditionFailedError otherwise. */
  ifNoneMatch?: '*';
  /** Write only over the object with this ETag (`If-Match`); a PreconditionFailedError otherwise. */
  ifMatch?: string;
}

export class S3ReplicaClient implements ReplicaClient {
  readonly type = 's3';
  readonly location: string;
  readonly settings: ResolvedS3Settings;
  /**
   * The SDK client, seen through ownedView: only this class sends requests with it, so every caller goes through
   * the methods below. Shared with the other replica clients of the same endpoint, bucket and credentials
   * (s3-client-pool.ts) unless a factory was given.
   */
  readonly #s3: S3Client;
  readonly #release: () => void;
  /** Where this client's retry notices go and what its requests wait for (see RequestOwner). */
  readonly #owner: RequestOwner;
  /**
   * Aborted by close(): this client's requests still in flight (a hung endpoint, a retry pause) end instead of
   * holding the process; other replica clients of a shared SDK client are not touched.
   */
  readonly #closing = new AbortController();
  private retried: { reason: string; at: number } | undefined;

  /** Without `createClient`, the SDK client comes from the process's pool; with it, the client is this one's alone. */
  constructor(options: S3ReplicaOptions, createClient?: S3ClientFactory) {
    this.settings = resolvedS3Settings(options);
    this.location = s3Location(this.settings);
    this.#owner = {
      onRetry: (n) => {
        this.retried = { reason: `${n.reason} (attempt ${n.attempt}; retrying)`, at: n.at };
      },
    };
    if (createClient) {
      const own = createClient(this.settings, options, this.#owner.onRetry);
      addOwnerThrottle(own);
      this.#s3 = ownedView(own, this.#owner);
      let destroyed = false;
      this.#release = () => {
        if (!destroyed) own.destroy();
        destroyed = true;
      };
    } else {
      const shared = sharedS3Clients.acquire(this.settings, options, createS3Client);
      this.#s3 = ownedView(shared.client, this.#owner);
      this.#release = shared.release;
    }
  }

  /** Every request carries the close signal. */
  get #request(): HttpHandlerOptions {
    return { abortSignal: this.#closing.signal };
  }

  lastRetriedError(): { reason: string; at: number } | undefined {
    return this.retried;
  }

  private where(key: string): string {
    return s3Location(this.settings, key);
  }

  async *listLtxFiles(level: number, options: { minTXID?: TXID } = {}): AsyncIterable<LtxFileInfo> {
    const prefix = s3LevelPrefix(this.settings.path, level);
    const minTXID = options.minTXID ?? 0;
    // Fixed-width hex names sort in TXID order, so the listing can start right before the first wanted file.
    const startAfter = minTXID > 0 ? prefix + formatLtxFileName(minTXID, 0) : undefined;
    for await (const obj of this.listKeys(prefix, startAfter)) {
      const name = obj.Key?.slice(prefix.length) ?? '';
      if (name.includes('/')) continue;
      const parsed = tryParseLtxFileName(name);
      if (!parsed || parsed.minTXID < minTXID) continue;
      yield { level, ...parsed, size: obj.Size ?? 0, createdAt: obj.LastModified ?? new Date(0) };
    }
  }

  /** Every object below `prefix`, one ListObjectsV2 request per page of 1,000 keys, starting after `startAfter`. */
  private async *listKeys(prefix: string, startAfter?: string): AsyncIterable<_Object> {
    let token: string | undefined;
    do {
      let page;
      try {
        page = await this.#s3.send(
          new ListObjectsV2Command({ Bucket: this.settings.bucket, Prefix: prefix, ContinuationToken: token, StartAfter: token ? undefined : startAfter }),
          this.#request,
        );
      } catch (err) {
        throw new S3OperationError('ListObjectsV2', this.where(prefix), err);
      }
      yield* page.Contents ?? [];
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
  }

  /** One listing of `<path>/`; keys of other databases nested below this path are skipped, not returned. */
  async *listAllLtxFiles(): AsyncIterable<LtxFileInfo> {
    const prefix = `${this.settings.path}/`;
    for await (const obj of this.listKeys(prefix)) {
      const parsed = obj.Key ? tryParseS3LtxKey(obj.Key) : null;
      if (!parsed || `${parsed.path}/` !== prefix) continue;
      yield { level: parsed.level, minTXID: parsed.minTXID, maxTXID: parsed.maxTXID, size: obj.Size ?? 0, createdAt: obj.LastModified ?? new Date(0) };
    }
  }

  async openLtxFile(ref: LtxFileRef, range?: ByteRange): Promise<Readable> {
    const key = s3LtxKey(this.settings.path, ref);
    if (range?.length === 0) return Readable.from([]);
    try {
      const out = await this.#s3.send(
        new GetObjectCommand({
          Bucket: this.settings.bucket,
          Key: key,
          Range: range ? rangeHeader(range) : undefined,
          ...encryptionReadParams(this.settings.encryption),
        }),
        this.#request,
      );
      if (!out.Body) throw new Error('response has no body');
      return out.Body as Readable;
    } catch (err) {
      if (isS3NotFound(err)) throw new NotFoundError(this.where(key));
      throw new S3OperationError('GetObject', this.where(key), err);
    }
  }

  async statLtxFile(ref: LtxFileRef): Promise<{ size: number; timestamp: Date }> {
    const key = s3LtxKey(this.settings.path, ref);
    try {
      const out = await this.#s3.send(
        new HeadObjectCommand({ Bucket: this.settings.bucket, Key: key, ...encryptionReadParams(this.settings.encryption) }),
        this.#request,
      );
      const meta = out.Metadata?.[TIMESTAMP_METADATA_KEY];
      const timestamp = (meta ? parseRfc3339(meta) : null) ?? out.LastModified ?? new Date(0);
      return { size: out.ContentLength ?? 0, timestamp };
    } catch (err) {
      if (isS3NotFound(err)) throw new NotFoundError(this.where(key));
      throw new S3OperationError('HeadObject', this.where(key), err);
    }
  }

  async writeLtxFile(ref: LtxFileRef, ltx: WriteBody): Promise<LtxFileInfo> {
    const key = s3LtxKey(this.settings.path, ref);
    const { header, body } = await peekLtxHeader(ltx, this.where(key));
    const timestamp = new Date(header.timestamp);
    const startedAt = new Date();
    const params: PutObjectCommandInput = {
      Bucket: this.settings.bucket,
      Key: key,
      Metadata: { [TIMESTAMP_METADATA_KEY]: formatRfc3339Nano(timestamp) },
      ...(this.settings.storageClass ? { StorageClass: this.settings.storageClass as PutObjectCommandInput['StorageClass'] } : {}),
      ...encryptionWriteParams(this.settings.encryption),
    };
    let size: number;
    let etag: string | undefined;
    try {
      if (body instanceof Uint8Array && body.byteLength < this.settings.partSize) {
        const out = await this.#s3.send(new PutObjectCommand({ ...params, Body: body, ContentLength: body.byteLength }), this.#request);
        size = body.byteLength;
        etag = out.ETag;
      } else if (body instanceof Uint8Array) {
        etag = (await this.upload({ ...params, Body: body, ContentLength: body.byteLength }, partSizeFor(this.settings, body.byteLength))).ETag;
        size = body.byteLength;
      } else {
        const counter = { bytes: 0 };
        const stream = Readable.from(counted(body as AsyncIterable<Uint8Array | string>, counter), { objectMode: false });
        etag = (await this.upload({ ...params, Body: stream }, this.settings.partSize)).ETag;
        size = counter.bytes;
      }
    } catch (err) {
      throw new S3OperationError('upload', this.where(key), err);
    }
    if (!etag) throw new S3OperationError('upload', this.where(key), new Error('the server returned no ETag, so the write is not confirmed'));
    return { ...ref, size, createdAt: startedAt };
  }

  /**
   * Server-side copy (CopyObject): no byte passes through the agent, and the object keeps its metadata, so the
   * `litestream-timestamp` of the source stays with the copy. One request up to S3's 5 GiB CopyObject limit.
   */
  async copyLtxFile(src: LtxFileRef & { size?: number }, dst: LtxFileRef): Promise<LtxFileInfo> {
    const srcKey = s3LtxKey(this.settings.path, src);
    const key = s3LtxKey(this.settings.path, dst);
    const startedAt = new Date();
    const e = this.settings.encryption;
    const sseC = e.kind === 'sse-c' ? { CopySourceSSECustomerAlgorithm: e.algorithm, CopySourceSSECustomerKey: e.key } : {};
    let size: number;
    try {
      await this.#s3.send(
        new CopyObjectCommand({
          Bucket: this.settings.bucket,
          Key: key,
          CopySource: `${this.settings.bucket}/${srcKey.split('/').map(encodeURIComponent).join('/')}`,
          MetadataDirective: 'COPY',
          ...(this.settings.storageClass ? { StorageClass: this.settings.storageClass as PutObjectCommandInput['StorageClass'] } : {}),
          ...encryptionWriteParams(e),
          ...sseC,
        }),
        this.#request,
      );
      size = src.size ?? (await this.statLtxFile(dst)).size;
    } catch (err) {
      if (err instanceof NotFoundError) throw err;
      if (isS3NotFound(err)) throw new NotFoundError(this.where(srcKey));
      throw new S3OperationError('CopyObject', this.where(key), err);
    }
    return { ...dst, size, createdAt: startedAt };
  }

  /** A multipart upload (lib-storage), aborted when the client is closed while it runs. */
  private async upload(params: PutObjectCommandInput, partSize: number): Promise<{ ETag?: string }> {
    const upload = new Upload({ client: this.#s3, params, partSize, queueSize: this.settings.concurrency, leavePartsOnError: false });
    const abort = (): void => void upload.abort().catch(() => undefined);
    this.#closing.signal.addEventListener('abort', abort, { once: true });
    try {
      return await upload.done();
    } finally {
      this.#closing.signal.removeEventListener('abort', abort);
    }
  }

  async deleteLtxFiles(refs: readonly LtxFileRef[]): Promise<void> {
    const failures: string[] = [];
    let failed = 0;
    for (let i = 0; i < refs.length; i += S3_DELETE_BATCH) {
      const keys = refs.slice(i, i + S3_DELETE_BATCH).map((r) => s3LtxKey(this.settings.path, r));
      const command = new DeleteObjectsCommand({ Bucket: this.settings.bucket, Delete: { Objects: keys.map((Key) => ({ Key })), Quiet: true } });
      if (this.settings.requireContentMD5) {
        command.middlewareStack.addRelativeTo(contentMd5Middleware(), { name: 'streambedContentMd5', relation: 'before', toMiddleware: 'httpSigningMiddleware' });
      }
      let out;
      try {
        out = await this.#s3.send(command, this.#request);
      } catch (err) {
        throw new S3OperationError('DeleteObjects', `${this.where(keys[0])} (+${keys.length - 1} more)`, err);
      }
      for (const e of out.Errors ?? []) {
        if (e.Code === 'NoSuchKey') continue;
        failed += 1;
        if (failures.length < 5) failures.push(`${e.Key}: ${e.Code ?? 'Error'} ${e.Message ?? ''}`.trim());
      }
    }
    if (failed > 0) {
      throw new Error(`S3 DeleteObjects in ${this.location} failed for ${failed} key(s): ${failures.join('; ')}${failed > failures.length ? '; …' : ''}`);
    }
  }

  /** As Go's path.Join(path, rel), which Litestream v0.3 used for its keys (no leading `/` when path is empty). */
  private objectKey(rel: string): string {
    return this.settings.path ? posix.join(this.settings.path, rel) : rel;
  }

  async *listObjects(prefix: string): AsyncIterable<ObjectInfo> {
    const folder = prefix === '' || prefix.endsWith('/') ? prefix : `${prefix}/`;
    const base = this.objectKey(folder || '.');
    const keyPrefix = base === '.' ? '' : base.replace(/\/*$/, '/');
    for await (const obj of this.listKeys(keyPrefix)) {
      if (!obj.Key) continue;
      yield { path: folder + obj.Key.slice(keyPrefix.length), size: obj.Size ?? 0, createdAt: obj.LastModified ?? new Date(0) };
    }
  }

  async openObject(path: string): Promise<Readable> {
    const key = this.objectKey(path);
    try {
      const out = await this.#s3.send(new GetObjectCommand({ Bucket: this.settings.bucket, Key: key, ...encryptionReadParams(this.settings.encryption) }), this.#request);
      if (!out.Body) throw new Error('response has no body');
      return out.Body as Readable;
    } catch (err) {
      if (isS3NotFound(err)) throw new NotFoundError(this.where(key));
      throw new S3OperationError('GetObject', this.where(key), err);
    }
  }

  /**
   * The folders directly below `prefix` (a folder of the replica root, '' for the root itself), each as a path
   * below the root ending in `/`: ListObjectsV2 with a delimiter, so a bucket of many databases is walked without
   * listing their files.
   */
  async *listFolders(prefix: string): AsyncIterable<string> {
    const folder = prefix === '' || prefix.endsWith('/') ? prefix : `${prefix}/`;
    const base = this.objectKey(folder || '.');
    const keyPrefix = base === '.' ? '' : base.replace(/\/*$/, '/');
    let token: string | undefined;
    do {
      let page;
      try {
        page = await this.#s3.send(
          new ListObjectsV2Command({ Bucket: this.settings.bucket, Prefix: keyPrefix, Delimiter: '/', ContinuationToken: token }),
          this.#request,
        );
      } catch (err) {
        throw new S3OperationError('ListObjectsV2', this.where(keyPrefix), err);
      }
      for (const p of page.CommonPrefixes ?? []) if (p.Prefix) yield folder + p.Prefix.slice(keyPrefix.length);
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
  }

  /** A whole (small) object and its ETag, by its path below the replica root; a NotFoundError when it does not exist. */
  async getObject(path: string): Promise<{ body: Uint8Array; etag: string | undefined }> {
    const key = this.objectKey(path);
    try {
      const out = await this.#s3.send(
        new GetObjectCommand({ Bucket: this.settings.bucket, Key: key, ...encryptionReadParams(this.settings.encryption) }),
        this.#request,
      );
      if (!out.Body) throw new Error('response has no body');
      return { body: await out.Body.transformToByteArray(), etag: out.ETag };
    } catch (err) {
      if (isS3NotFound(err)) throw new NotFoundError(this.where(key));
      throw new S3OperationError('GetObject', this.where(key), err);
    }
  }

  /**
   * Writes an object outside the LTX layout by its path below the replica root: one PutObject for bytes (the only
   * form that takes the If-None-Match / If-Match conditions), a multipart upload for a stream. No storage class:
   * these are working objects (leases, restored copies), not backups.
   */
  async putObject(path: string, body: Uint8Array | string | Readable, options: PutObjectOptions = {}): Promise<{ etag: string | undefined }> {
    const key = this.objectKey(path);
    const params: PutObjectCommandInput = {
      Bucket: this.settings.bucket,
      Key: key,
      ...(options.contentType ? { ContentType: options.contentType } : {}),
      ...encryptionWriteParams(this.settings.encryption),
    };
    const conditional = options.ifMatch !== undefined || options.ifNoneMatch !== undefined;
    if (body instanceof Readable && conditional) throw new Error(`putObject ${this.where(key)}: a conditional write needs the body as bytes`);
    try {
      if (body instanceof Readable) return { etag: (await this.upload({ ...params, Body: body }, this.settings.partSize)).ETag };
      const conditions = { ...(options.ifNoneMatch ? { IfNoneMatch: options.ifNoneMatch } : {}), ...(options.ifMatch ? { IfMatch: options.ifMatch } : {}) };
      const out = await this.#s3.send(new PutObjectCommand({ ...params, Body: body, ...conditions }), this.#request);
      return { etag: out.ETag };
    } catch (err) {
      // 412: the condition did not hold; 409: a concurrent conditional write to the same key won.
      const status = httpStatusOf(err);
      if (conditional && (status === 412 || status === 409)) throw new PreconditionFailedError(this.where(key), { cause: err });
      throw new S3OperationError('PutObject', this.where(key), err);
    }
  }

  /** Deletes one object by its path below the replica root; a missing object is not an error. */
  async deleteObject(path: string): Promise<void> {
    const key = this.objectKey(path);
    try {
      await this.#s3.send(new DeleteObjectCommand({ Bucket: this.settings.bucket, Key: key }), this.#request);
    } catch (err) {
      if (isS3NotFound(err)) return;
      throw new S3OperationError('DeleteObject', this.where(key), err);
    }
  }

  /** A GET URL of an object below the replica root, signed with this client's credentials, valid for `expiresInSeconds`. */
  async presignGetUrl(path: string, expiresInSeconds: number): Promise<string> {
    return presignGetObject(this.#s3, this.settings.bucket, this.objectKey(path), expiresInSeconds);
  }

  /**
   * Makes every HTTP attempt of this client (retries, each listing page and upload part, as they are billed) wait
   * for `take` first; placed before signing, so a request never waits with a stale signature. The host's request cap.
   */
  throttle(take: () => Promise<void>): void {
    this.#owner.take = take;
  }

  /**
   * Ends this client's requests still in flight (their callers see them fail) and lets go of the SDK client: the
   * last replica client to close destroys it and its pooled sockets, so nothing of it keeps the process alive.
   * The client must not be used afterwards; closing twice is harmless.
   */
  async close(): Promise<void> {
    this.#closing.abort(new Error(`the replica client of ${this.location} was closed`));
    this.#release();
  }
}
