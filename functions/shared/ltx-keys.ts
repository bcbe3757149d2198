// Which object keys from S3 events are L0 LTX files, and of which database path.
import { tryParseS3LtxKey } from '../../core/layout/names.ts';

/** S3 notifications form-encode keys (`+` for space, %XX for the rest, `/` kept). */
export function decodeEventKey(key: string): string {
  return decodeURIComponent(key.replace(/\+/g, ' '));
}

/**
 * The database path of an L0 LTX key, or null for anything else. Higher levels are skipped on purpose: the
 * compaction function writes them itself, and reacting to its own output would only re-run a pass with nothing due.
 */
export function dbPathOfL0Key(key: string): string | null {
  const ref = tryParseS3LtxKey(key);
  return ref && ref.level === 0 ? ref.path : null;
}
