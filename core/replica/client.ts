// The storage interface every caller (agent, Lambdas, CLI) uses to reach a replica, whatever its backend.
import type { Readable } from 'node:stream';
import type { TXID } from '../ltx/types.ts';
import type { LtxFileRef } from '../layout/file-ref.ts';

export type { LtxFileRef };

export interface LtxFileInfo extends LtxFileRef {
  /** Size in bytes. */
  size: number;
  /** When the object was written (S3 LastModified, file mtime). */
  createdAt: Date;
}

export interface ByteRange {
  offset: number;
  /** Omitted: to the end of the file. */
  length?: number;
}

/** One object of a replica outside the LTX layout (e.g. Litestream v0.3's `generations/` tree). */
export interface ObjectInfo {
  /** Path below the replica root, `/`-separated, e.g. `generations/0a1b2c3d4e5f6a7b/snapshots/00000000.snapshot.lz4`. */
  path: string;
  size: number;
  /** S3 LastModified, or the file's mtime rounded up to the millisecond (never earlier than the write). */
  createdAt: Date;
}

export type WriteBody = Uint8Array | Readable | AsyncIterable<Uint8Array>;

export interface ReplicaClient {
  /** 's3' or 'file'. */
  readonly type: string;
  /** A human-readable location for messages, e.g. `s3://bucket/path` or `file:///backups/db`. No secrets. */
  readonly location: string;

  /** Every parseable LTX file of a level, in TXID order, paging through the listing. Names that do not parse are skipped. */
  listLtxFiles(level: number, options?: { minTXID?: TXID }): AsyncIterable<LtxFileInfo>;

  /** Streams a file, or a byte range of it. Rejects with a NotFoundError when it does not exist. */
  openLtxFile(ref: LtxFileRef, range?: ByteRange): Promise<Readable>;

  /** The timestamp written with the file (`litestream-timestamp` metadata, or the file's mtime). */
  statLtxFile(ref: LtxFileRef): Promise<{ size: number; timestamp: Date }>;

  /**
   * Writes a whole file atomically: readers see all of it or nothing. The body is an LTX file, and its header's
   * timestamp is stored with it (`litestream-timestamp`, the file's mtime), as Litestream does; a body without a
   * valid LTX header is refused (LtxFormatError).
   */
  writeLtxFile(ref: LtxFileRef, body: WriteBody): Promise<LtxFileInfo>;

  /**
   * Copies a file to another level or name inside the replica without moving its bytes through the caller
   * (S3 CopyObject). Optional: callers without it write the bytes themselves. Pass the source's size when known
   * (a listing has it): S3 does not return it, and asking costs a request.
   */
  copyLtxFile?(src: LtxFileRef & { size?: number }, dst: LtxFileRef): Promise<LtxFileInfo>;

  /** Deletes files, in batches (1000 per request on S3). Missing files are not an error. */
  deleteLtxFiles(refs: readonly LtxFileRef[]): Promise<void>;

  /**
   * Every LTX file of every level in one listing (S3: one LIST request per 1,000 files instead of one per level).
   * Optional: ReplicaIndex falls back to a listing per level.
   */
  listAllLtxFiles?(): AsyncIterable<LtxFileInfo>;

  /**
   * Every object below a folder of the replica root (`prefix` ends in `/`), in no set order. Only for reading
   * layouts other than LTX (Litestream v0.3 backups); optional so wrappers and fakes need not provide it.
   */
  listObjects?(prefix: string): AsyncIterable<ObjectInfo>;

  /** Streams an object by its path below the replica root. Rejects with a NotFoundError when it does not exist. */
  openObject?(path: string): Promise<Readable>;

  /**
   * The newest failed attempt the client retried by itself (S3), so a caller can report a stall while a request
   * is still being retried; optional.
   */
  lastRetriedError?(): { reason: string; at: number } | undefined;

  /**
   * Releases what the client holds (S3: pooled keep-alive sockets, which otherwise keep the process alive). Whoever
   * opens a client closes it, or hands it to a wrapper that does; the client must not be used afterwards.
   */
  close(): Promise<void>;
}

/** Raised by openLtxFile/statLtxFile when the file does not exist. */
export class NotFoundError extends Error {
  readonly code = 'NotFound';
  readonly location: string;
  constructor(location: string) {
    super(`not found: ${location}`);
    this.name = 'NotFoundError';
    this.location = location;
  }
}

/** Raised by a conditional write (If-None-Match, If-Match) whose condition did not hold: another writer was first. */
export class PreconditionFailedError extends Error {
  readonly code = 'PreconditionFailed';
  readonly location: string;
  constructor(location: string, options?: ErrorOptions) {
    super(`precondition failed: ${location} was written by someone else first`, options);
    this.name = 'PreconditionFailedError';
    this.location = location;
  }
}
