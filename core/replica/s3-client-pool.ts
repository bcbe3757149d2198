// One SDK S3Client per (endpoint, region, bucket, credentials, provider settings), shared by the replica clients that use it.
import type { S3Client } from '@aws-sdk/client-s3';
import type { FinalizeRequestMiddleware, MetadataBearer } from '@smithy/types';
import { AsyncLocalStorage } from 'node:async_hooks';
import { createHash } from 'node:crypto';
import type { S3ReplicaOptions } from './options.ts';
import type { ResolvedS3Settings } from './s3-config.ts';
import type { RetryNotice } from './s3-retry.ts';

/**
 * What belongs to one replica client while one of its requests runs through a shared SDK client: where retry
 * notices go and what each attempt waits for (the request cap). Carried by AsyncLocalStorage, so the SDK
 * client's retry strategy and middleware reach the replica client that sent the request, not another database's.
 */
export interface RequestOwner {
  onRetry(notice: RetryNotice): void;
  take?: () => Promise<void>;
}

const owners = new AsyncLocalStorage<RequestOwner>();

/** Runs `fn` (a send, an upload) as `owner`'s request. */
export function asOwner<T>(owner: RequestOwner, fn: () => T): T {
  return owners.run(owner, fn);
}

/** The retry callback for a shared SDK client: the notice goes to the replica client whose request is retried. */
export function notifyOwner(notice: RetryNotice): void {
  owners.getStore()?.onRetry(notice);
}

/**
 * Makes every HTTP attempt (retries, each listing page and upload part, as they are billed) wait for the
 * requesting replica client's `take`, if it has one; before signing, so a request never waits with a stale
 * signature. Idempotent (added by name).
 */
export function addOwnerThrottle(client: S3Client): void {
  const wait: FinalizeRequestMiddleware<object, MetadataBearer> = (next) => async (args) => {
    const take = owners.getStore()?.take;
    if (take) await take();
    return next(args);
  };
  client.middlewareStack.addRelativeTo(wait, { name: 'streambedRequestCap', relation: 'before', toMiddleware: 'httpSigningMiddleware', override: true });
}

/** Builds an SDK client; its retry notices must go through notifyOwner. */
export type SharedClientFactory = (settings: ResolvedS3Settings, options: S3ReplicaOptions, onRetry: (notice: RetryNotice) => void) => S3Client;

interface Entry {
  client: S3Client;
  refs: number;
}

/**
 * What the SDK client is built from. Per-request settings (path, storage class, part size, concurrency,
 * encryption) are left out; credentials are hashed so that no secret sits in a key.
 */
export function poolKey(settings: ResolvedS3Settings, options: S3ReplicaOptions): string {
  const { path: _path, storageClass: _sc, partSize: _ps, concurrency: _c, encryption: _e, ...client } = settings;
  const credentials = createHash('sha256')
    .update(JSON.stringify([options.accessKeyId ?? '', options.secretAccessKey ?? '', options.sessionToken ?? '']))
    .digest('base64');
  return JSON.stringify({ ...client, extraHeaders: Object.entries(client.extraHeaders).sort(), credentials });
}

/** Reference-counted SDK clients: the last release destroys the client (its sockets), so nothing keeps the process. */
export class S3ClientPool {
  private readonly entries = new Map<string, Entry>();

  /** The shared client for these settings (made on first use); call release() exactly once when done with it. */
  acquire(settings: ResolvedS3Settings, options: S3ReplicaOptions, create: SharedClientFactory): { client: S3Client; release: () => void } {
    const key = poolKey(settings, options);
    let entry = this.entries.get(key);
    if (!entry) {
      const client = create(settings, options, notifyOwner);
      addOwnerThrottle(client);
      entry = { client, refs: 0 };
      this.entries.set(key, entry);
    }
    entry.refs += 1;
    const held = entry;
    let released = false;
    return {
      client: held.client,
      release: () => {
        if (released) return;
        released = true;
        held.refs -= 1;
        if (held.refs > 0) return;
        if (this.entries.get(key) === held) this.entries.delete(key);
        held.client.destroy();
      },
    };
  }

  /** SDK clients alive now (tests, diagnostics). */
  get size(): number {
    return this.entries.size;
  }
}

/** The process's (or worker thread's) pool, used by every S3ReplicaClient that is not given its own factory. */
export const sharedS3Clients = new S3ClientPool();
