// Where a database's maintenance lease lives: one small object next to its level directories.

/** `<path>/streambed.lease`; Litestream and the restore code only list level directories, so they never see it. */
export const LEASE_OBJECT_NAME = 'streambed.lease';

export function leaseKey(dbPath: string): string {
  return dbPath === '' ? LEASE_OBJECT_NAME : `${dbPath}/${LEASE_OBJECT_NAME}`;
}
