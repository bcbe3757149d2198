// Restore function (direct invocation): rebuilds a database at a TXID or time into /tmp and uploads it to the bucket.
import type { Context } from 'aws-lambda';
import { createReadStream } from 'node:fs';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { formatTXID, restoreDatabase } from '../../core/restore/index.ts';
import { withHexTXIDs } from '../../core/layout/txid-json.ts';
import type { Env } from '../shared/env.ts';
import { optionalEnv } from '../shared/env.ts';
import { restoresPrefix } from '../shared/db-paths.ts';
import { coreLogger, createObservability, type Observability } from '../shared/powertools.ts';
import { bucketFromEnv, replicaClientFor } from '../shared/replica.ts';
import { UsageError } from '../../core/errors.ts';
import { parseRestoreRequest, type RestoreRequest } from './input.ts';
import { hex16 } from '../../core/ltx/decoder.ts';

export type { RestoreRequest };

export interface RestoreResponse {
  /** BUCKET_NAME, where the restored database was uploaded. */
  bucket: string;
  /** 16 hex digits. */
  txid: string;
  /** Time of the restored transaction (RFC 3339). */
  timestamp: string;
  /** The restored database's key, always under RESTORES_PREFIX (which the bucket's lifecycle expires). */
  key: string;
  /** Size of the restored database file. */
  bytes: number;
  /** LTX database checksum of the restored file, 16 hex digits (what `streambed ltxfile` and Litestream print). */
  checksum: string;
  /** Presigned GET of `key`, valid for 15 minutes: `streambed restore -remote` downloads through it. */
  url: string;
}

/** How long the returned URL works. */
export const URL_EXPIRY_SECONDS = 15 * 60;

export interface RestoreHandlerOptions {
  env?: Env;
  observability?: Observability;
}

export type RestoreHandler = (event: RestoreRequest, context?: Context) => Promise<RestoreResponse>;

/** INTEGRITY_CHECK: none | quick (default) | full; the bundle runs it with node:sqlite (functions/shared/sqlite-adapter.ts). */
function integrityCheck(env: Env): 'none' | 'quick' | 'full' {
  const mode = optionalEnv(env, 'INTEGRITY_CHECK') ?? 'quick';
  if (mode === 'none' || mode === 'quick' || mode === 'full') return mode;
  throw new Error(`environment variable INTEGRITY_CHECK="${mode}" must be none, quick or full`);
}

export function createRestoreHandler(options: RestoreHandlerOptions = {}): RestoreHandler {
  const env = options.env ?? process.env;
  const { logger } = options.observability ?? createObservability('streambed-restore');
  return async (event, context) => {
    if (context) logger.addContext(context);
    const request = parseRestoreRequest(event);
    const prefix = restoresPrefix(env);
    if (request.outputKey !== undefined && !request.outputKey.startsWith(prefix)) {
      throw new UsageError(`restore input: "outputKey" ${JSON.stringify(request.outputKey)} must be under ${prefix} (the only prefix this function may write, and the one that expires)`);
    }
    const bucket = bucketFromEnv(env);
    const client = replicaClientFor(env, bucket, request.path);
    // The output key is a path in the bucket, so it goes through a client at the bucket root.
    const bucketRoot = replicaClientFor(env, bucket, '');
    let dir: string | undefined;
    try {
      dir = await mkdtemp(join(tmpdir(), 'streambed-restore-'));
      const outputPath = join(dir, 'restored.db');
      const result = await restoreDatabase(client, {
        outputPath,
        txid: request.txid,
        timestamp: request.timestamp,
        integrityCheck: integrityCheck(env),
        computeChecksum: true,
        logger: coreLogger(logger),
      });
      const txid = formatTXID(result.txid);
      const key = request.outputKey ?? `${prefix}${request.path ? `${request.path}/` : ''}${txid}.db`;
      const bytes = (await stat(outputPath)).size;
      await bucketRoot.putObject(key, createReadStream(outputPath), { contentType: 'application/vnd.sqlite3' });
      const checksum = hex16(result.checksum ?? 0n);
      const url = await bucketRoot.presignGetUrl(key, URL_EXPIRY_SECONDS);
      logger.info('restored', { db: client.location, txid, key, bytes, files: result.files.length, skipped: withHexTXIDs(result.skipped) });
      return { bucket, key, txid, timestamp: result.timestamp.toISOString(), bytes, checksum, url };
    } finally {
      await Promise.all([dir ? rm(dir, { recursive: true, force: true }) : undefined, client.close(), bucketRoot.close()]);
    }
  };
}

export const handler: RestoreHandler = createRestoreHandler();
