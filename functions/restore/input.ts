// Validates the restore function's direct-invocation payload, naming the field at fault.
import { UsageError } from '../../core/errors.ts';
import { LayoutError, parseTXID } from '../../core/layout/names.ts';
import { parseRfc3339 } from '../../core/replica/timestamp.ts';
import type { TXID } from '../../core/ltx/types.ts';

export interface RestoreRequest {
  /** Database path inside the bucket (the replica's `path`). */
  path: string;
  /** 16 hex digits, as Litestream prints TXIDs. */
  txid?: string;
  /** RFC 3339, e.g. 2026-11-26T10:00:00Z. */
  timestamp?: string;
  /** Key of the restored database; default `restores/<path>/<txid>.db`. */
  outputKey?: string;
}

export interface RestoreTargetInput {
  path: string;
  txid?: TXID;
  timestamp?: Date;
  outputKey?: string;
}

const FIELDS = new Set(['path', 'txid', 'timestamp', 'outputKey']);

function optionalString(input: Record<string, unknown>, field: string): string | undefined {
  const value = input[field];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string' || value.trim() === '') throw new UsageError(`restore input: "${field}" must be a non-empty string, got ${JSON.stringify(value)}`);
  return value.trim();
}

export function parseRestoreRequest(input: unknown): RestoreTargetInput {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) {
    throw new UsageError('restore input must be a JSON object like {"path": "app.db", "txid": "0000000000000042"}');
  }
  const fields = input as Record<string, unknown>;
  const unknown = Object.keys(fields).filter((k) => !FIELDS.has(k));
  if (unknown.length > 0) throw new UsageError(`restore input: unknown field(s) ${unknown.map((k) => `"${k}"`).join(', ')}; expected path, txid, timestamp, outputKey`);
  const path = optionalString(fields, 'path');
  if (path === undefined) throw new UsageError('restore input: "path" is required (the database path inside the bucket, e.g. "app.db")');
  const txidText = optionalString(fields, 'txid');
  const timestampText = optionalString(fields, 'timestamp');
  if (txidText !== undefined && timestampText !== undefined) throw new UsageError('restore input: give "txid" or "timestamp", not both');
  let txid: TXID | undefined;
  if (txidText !== undefined) {
    try {
      txid = parseTXID(txidText);
    } catch (err) {
      if (err instanceof LayoutError) throw new UsageError(`restore input: "txid": ${err.message}`);
      throw err;
    }
  }
  let timestamp: Date | undefined;
  if (timestampText !== undefined) {
    timestamp = parseRfc3339(timestampText) ?? undefined;
    if (!timestamp) throw new UsageError(`restore input: "timestamp" must be RFC 3339 like 2026-11-26T10:00:00Z, got ${JSON.stringify(timestampText)}`);
  }
  const outputKey = optionalString(fields, 'outputKey');
  if (outputKey !== undefined && (outputKey.startsWith('/') || outputKey.endsWith('/') || outputKey.endsWith('.ltx'))) {
    throw new UsageError(`restore input: "outputKey" ${JSON.stringify(outputKey)} must be an object key, not start or end with "/", and not end in .ltx`);
  }
  return { path: path.replace(/^\/+|\/+$/g, ''), ...(txid !== undefined ? { txid } : {}), ...(timestamp ? { timestamp } : {}), ...(outputKey ? { outputKey } : {}) };
}
