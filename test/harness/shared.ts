// The shared fixtures beside the checkout (`../shared` relative to the project root), never an absolute path.
import { resolve } from 'node:path';

/** `<project root>/../shared`, where CI lays out the Litestream fixtures, spec and config corpus. */
export const SHARED_DIR = resolve(import.meta.dirname, '../../../shared');

/** A path below the shared folder, e.g. `sharedPath('fixtures/litestream/testdata/wal-reader')`. */
export function sharedPath(...parts: string[]): string {
  return resolve(SHARED_DIR, ...parts);
}
