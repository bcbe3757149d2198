// LTX file names, level directories and keys in the Litestream v0.5 layouts (S3, file replica, local staging).
import { dirname, basename, join } from 'node:path';
import type { LtxFileRef } from './file-ref.ts';
import { MAX_LEVEL, txidHex } from '../ltx/types.ts';
import type { TXID } from '../ltx/types.ts';
import { LayoutError } from './errors.ts';

export { LayoutError };

export const LTX_FILE_NAME_PATTERN = /^[0-9a-f]{16}-[0-9a-f]{16}\.ltx$/;
const LEVEL_DIR_PATTERN = /^[0-9a-f]{4}$/;
const TWO_POW_32 = 0x1_0000_0000;

/** A TXID as 16 lowercase hex digits, as in file names and Litestream's CLI output. */
export function formatTXID(txid: TXID): string {
  if (!Number.isSafeInteger(txid) || txid < 0) {
    throw new LayoutError(`TXID ${String(txid)} is not an integer between 0 and ${Number.MAX_SAFE_INTEGER}`, String(txid));
  }
  return txidHex(txid);
}

/**
 * Parses a TXID as typed on a command line or in a request: exactly 16 hex digits, as Litestream's `-txid` takes it
 * (ltx.ParseTXID) and as every streambed output prints it. Shorter forms are refused: `62` could be the hex TXID
 * 0x62 or the decimal 62 that older outputs printed, and guessing would restore the wrong point.
 */
export function parseTXID(text: string): TXID {
  if (!/^[0-9a-fA-F]{16}$/.test(text)) {
    const hint = /^\d{1,15}$/.test(text)
      ? ` (for hex ${text} write ${text.padStart(16, '0')}; for decimal ${text} write ${formatTXID(Number(text))})`
      : /^[0-9a-fA-F]{1,15}$/.test(text) ? ` (write ${text.toLowerCase().padStart(16, '0')})` : '';
    throw new LayoutError(`TXID "${text}" is not 16 hex digits such as 000000000000002a${hint}`, text);
  }
  const txid = parseHex16(text.toLowerCase(), text, `TXID ${text}`);
  if (txid < 1) throw new LayoutError(`TXID ${text} is out of range: TXIDs start at 0000000000000001`, text);
  return txid;
}

/** Parses 16 lowercase hex digits; refuses values above 2^53-1 rather than lose precision. */
function parseHex16(hex: string, name: string, what = `LTX file name "${name}"`): TXID {
  const high = Number.parseInt(hex.slice(0, 8), 16);
  const low = Number.parseInt(hex.slice(8), 16);
  if (high > 0x1f_ffff) throw new LayoutError(`${what}: TXID ${hex} exceeds 2^53-1, which streambed does not support`, name);
  return high * TWO_POW_32 + low;
}

function checkLevel(level: number): void {
  if (!Number.isInteger(level) || level < 0 || level > MAX_LEVEL) {
    throw new LayoutError(`level ${String(level)} is out of range: expected an integer from 0 to ${MAX_LEVEL}`, String(level));
  }
}

/** `%016x-%016x.ltx`, e.g. `0000000000000005-0000000000000005.ltx`. */
export function formatLtxFileName(minTXID: TXID, maxTXID: TXID): string {
  return `${formatTXID(minTXID)}-${formatTXID(maxTXID)}.ltx`;
}

export function parseLtxFileName(name: string): { minTXID: TXID; maxTXID: TXID } {
  if (!LTX_FILE_NAME_PATTERN.test(name)) {
    throw new LayoutError(`"${name}" is not an LTX file name: expected ${LTX_FILE_NAME_PATTERN.source}`, name);
  }
  return { minTXID: parseHex16(name.slice(0, 16), name), maxTXID: parseHex16(name.slice(17, 33), name) };
}

/** Like parseLtxFileName, but null for anything that does not parse (listings skip such names). */
export function tryParseLtxFileName(name: string): { minTXID: TXID; maxTXID: TXID } | null {
  try {
    return parseLtxFileName(name);
  } catch {
    return null;
  }
}

/** The S3 level directory: 4 lowercase hex digits (`0000`, `0009`). */
export function formatLevelDir(level: number): string {
  checkLevel(level);
  return level.toString(16).padStart(4, '0');
}

/** Parses an S3 level directory (`0000`..`0009`). */
export function parseLevel(dir: string): number {
  if (!LEVEL_DIR_PATTERN.test(dir)) {
    throw new LayoutError(`"${dir}" is not a level directory: expected 4 lowercase hex digits (${LEVEL_DIR_PATTERN.source})`, dir);
  }
  const level = Number.parseInt(dir, 16);
  checkLevel(level);
  return level;
}

/** `<path>/<%04x>/`; an empty path gives a leading `/`, exactly as Litestream builds it. */
export function s3LevelPrefix(path: string, level: number): string {
  return `${path}/${formatLevelDir(level)}/`;
}

export function s3LtxKey(path: string, ref: LtxFileRef): string {
  return s3LevelPrefix(path, ref.level) + formatLtxFileName(ref.minTXID, ref.maxTXID);
}

/**
 * Splits `<path>/<%04x>/<name>.ltx` back into its parts. The path is '' both for `/0000/…` (empty path, as
 * written by Litestream) and for `0000/…`.
 */
export function parseS3LtxKey(key: string): LtxFileRef & { path: string } {
  const parts = key.split('/');
  if (parts.length < 2) {
    throw new LayoutError(`S3 key "${key}" is not an LTX key: expected <path>/<4-hex level>/<16-hex>-<16-hex>.ltx`, key);
  }
  const name = parts[parts.length - 1];
  const levelDir = parts[parts.length - 2];
  let level: number;
  let txids: { minTXID: TXID; maxTXID: TXID };
  try {
    level = parseLevel(levelDir);
    txids = parseLtxFileName(name);
  } catch (err) {
    throw new LayoutError(`S3 key "${key}" is not an LTX key: ${(err as Error).message}`, key);
  }
  return { path: parts.slice(0, -2).join('/'), level, ...txids };
}

export function tryParseS3LtxKey(key: string): (LtxFileRef & { path: string }) | null {
  try {
    return parseS3LtxKey(key);
  } catch {
    return null;
  }
}

/** `<root>/ltx/<decimal level>` (file replicas use decimal levels, unlike S3). */
export function fileReplicaLevelDir(root: string, level: number): string {
  checkLevel(level);
  return join(root, 'ltx', String(level));
}

export function fileReplicaLtxPath(root: string, ref: LtxFileRef): string {
  return join(fileReplicaLevelDir(root, ref.level), formatLtxFileName(ref.minTXID, ref.maxTXID));
}

/** The agent's staging directory next to the database: `<dbdir>/.<dbfile>-streambed`. */
export function defaultMetaPath(dbPath: string): string {
  return join(dirname(dbPath), `.${basename(dbPath)}-streambed`);
}

/** `<meta>/ltx/<decimal level>/<name>.ltx` (same shape as a file replica). */
export function localLtxPath(metaPath: string, ref: LtxFileRef): string {
  return fileReplicaLtxPath(metaPath, ref);
}

/** `<meta>/ltx/<decimal level>` */
export function localLevelDir(metaPath: string, level: number): string {
  return fileReplicaLevelDir(metaPath, level);
}
