// `streambed restore -remote FUNCTION`: the restore Lambda rebuilds the database; this downloads and checks it.
import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import cliProgress from 'cli-progress';
import { existsSync } from 'node:fs';
import { open, rename, rm } from 'node:fs/promises';
import { resolveTarget } from '../core/config/resolve.ts';
import { UsageError } from '../core/errors.ts';
import { checksumDatabaseFile } from '../core/ltx/database.ts';
import { formatTXID } from '../core/layout/names.ts';
import type { TXID } from '../core/ltx/types.ts';
import { mapLimit } from '../core/util/map-limit.ts';
import type { RestoreResponse } from '../functions/restore/handler.ts';
import { hex16 } from '../core/ltx/decoder.ts';

export interface RemoteRestoreOptions {
  functionName: string;
  /** DB_PATH from the config, or a replica URL: names the database path inside the bucket. */
  target: string;
  txid?: TXID;
  timestamp?: Date;
  output?: string;
  configPath?: string;
  expandEnv?: boolean;
  force?: boolean;
  ifDbNotExists?: boolean;
  json?: boolean;
}

/** The function runs for up to 15 minutes; the response must be awaited longer than that, and never re-sent. */
export const INVOKE_READ_TIMEOUT_MS = 16 * 60_000;
export const RANGE_SIZE = 8 * 1024 * 1024;
export const DOWNLOAD_PARALLELISM = 4;

/**
 * One attempt only: a retried Invoke would start a second restore while the first still runs. Region and
 * credentials come from the SDK's default chain; AWS_ENDPOINT_URL_LAMBDA points it elsewhere (tests).
 */
export function lambdaClient(): LambdaClient {
  const endpoint = process.env.AWS_ENDPOINT_URL_LAMBDA;
  return new LambdaClient({
    maxAttempts: 1,
    requestHandler: new NodeHttpHandler({ connectionTimeout: 10_000, requestTimeout: INVOKE_READ_TIMEOUT_MS }),
    ...(endpoint ? { endpoint } : {}),
  });
}

async function databasePath(options: RemoteRestoreOptions): Promise<{ path: string; output: string }> {
  const resolved = await resolveTarget(options.target, { configPath: options.configPath, expandEnv: options.expandEnv !== false });
  const replica = resolved.replica.options;
  if (replica.type !== 's3') throw new UsageError(`-remote restores S3 replicas; ${options.target} has a ${replica.type} replica`);
  const output = options.output ?? resolved.db?.path;
  if (!output) throw new UsageError('restoring from a replica URL needs an output path: add -o PATH');
  return { path: replica.path, output };
}

/** The function's answer, or its error as ours: bad input (UsageError/ConfigError) exits 2, the rest 1. */
export async function invokeRestore(client: LambdaClient, functionName: string, request: Record<string, string>): Promise<RestoreResponse> {
  const out = await client.send(new InvokeCommand({ FunctionName: functionName, InvocationType: 'RequestResponse', Payload: new TextEncoder().encode(JSON.stringify(request)) }));
  const text = new TextDecoder().decode(out.Payload ?? new Uint8Array());
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    throw new Error(`restore function ${functionName} answered with something that is not JSON: ${text.slice(0, 200)}`);
  }
  if (out.FunctionError) {
    const { errorType, errorMessage } = body as { errorType?: string; errorMessage?: string };
    const message = `restore function ${functionName} failed: ${errorMessage ?? text.slice(0, 500)}`;
    if (errorType === 'UsageError' || errorType === 'ConfigError') throw new UsageError(message);
    throw new Error(message);
  }
  const r = body as Partial<RestoreResponse>;
  for (const field of ['bucket', 'key', 'txid', 'timestamp', 'checksum', 'url'] as const) {
    if (typeof r[field] !== 'string') throw new Error(`restore function ${functionName} answered without "${field}": is it a streambed restore function of this version?`);
  }
  if (typeof r.bytes !== 'number') throw new Error(`restore function ${functionName} answered without "bytes"`);
  return r as RestoreResponse;
}

function progressBar(total: number): { add: (n: number) => void; stop: () => void } {
  if (!process.stderr.isTTY) return { add: () => undefined, stop: () => undefined };
  const bar = new cliProgress.SingleBar({ stream: process.stderr, format: 'downloading [{bar}] {percentage}% | {value}/{total} bytes', hideCursor: true }, cliProgress.Presets.shades_classic);
  bar.start(total, 0);
  let done = 0;
  return { add: (n) => bar.update((done += n)), stop: () => bar.stop() };
}

/** Parallel ranged GETs of the presigned URL, each range written at its offset. */
export async function downloadRanges(url: string, bytes: number, path: string, onBytes: (n: number) => void, rangeSize = RANGE_SIZE): Promise<void> {
  const file = await open(path, 'w');
  try {
    const ranges: Array<[number, number]> = [];
    for (let start = 0; start < bytes; start += rangeSize) ranges.push([start, Math.min(bytes, start + rangeSize) - 1]);
    await mapLimit(ranges, DOWNLOAD_PARALLELISM, async ([start, end]) => {
      const res = await fetch(url, { headers: { Range: `bytes=${start}-${end}` } });
      if (res.status !== 206 && !(res.status === 200 && start === 0 && end === bytes - 1)) {
        throw new Error(`downloading the restored database failed: HTTP ${res.status} for bytes ${start}-${end} (${(await res.text()).slice(0, 200)})`);
      }
      const data = new Uint8Array(await res.arrayBuffer());
      if (data.length !== end - start + 1) throw new Error(`downloading the restored database failed: got ${data.length} bytes for range ${start}-${end}`);
      await file.write(data, 0, data.length, start);
      onBytes(data.length);
    });
    await file.sync();
  } finally {
    await file.close();
  }
}

export async function runRemoteRestore(options: RemoteRestoreOptions, client: LambdaClient = lambdaClient()): Promise<void> {
  const { path, output } = await databasePath(options);
  if (existsSync(output)) {
    if (options.ifDbNotExists) {
      if (options.json) process.stdout.write(JSON.stringify({ output, skipped: 'database exists' }) + '\n');
      else process.stderr.write(`database ${output} already exists, skipping restore\n`);
      return;
    }
    if (!options.force) throw new UsageError(`output ${output} already exists; add -force to overwrite it`);
  }
  const request: Record<string, string> = { path };
  if (options.txid !== undefined) request.txid = formatTXID(options.txid);
  if (options.timestamp !== undefined) request.timestamp = options.timestamp.toISOString();
  const result = await invokeRestore(client, options.functionName, request);
  const tmp = `${output}.streambed-download-${process.pid}`;
  const bar = progressBar(result.bytes);
  try {
    await downloadRanges(result.url, result.bytes, tmp, bar.add);
    bar.stop();
    const checksum = hex16(await checksumDatabaseFile(tmp));
    if (checksum !== result.checksum) {
      throw new Error(`downloaded database checksum ${checksum} differs from the restored one ${result.checksum} (s3://${result.bucket}/${result.key}); nothing was written to ${output}`);
    }
    await rename(tmp, output);
  } catch (err) {
    bar.stop();
    await rm(tmp, { force: true });
    throw err;
  }
  if (options.json) process.stdout.write(JSON.stringify({ output, ...result, url: undefined, remote: options.functionName }, null, 2) + '\n');
  else process.stdout.write(`restored ${output} to TXID ${result.txid} (${result.timestamp}) through ${options.functionName}: ${result.bytes} bytes, checksum ${result.checksum} verified\n`);
}
