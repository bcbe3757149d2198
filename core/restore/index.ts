// Public entry of the restore module: restore a replica (the plan, listing and errors live in their own files).
export { restoreDatabase } from './restore.ts';
export { NoBackupsError, IntegrityCheckError } from './errors.ts';
export { formatTXID } from './refs.ts';
