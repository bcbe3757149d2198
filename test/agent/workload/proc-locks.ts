// Test helpers: the POSIX locks a process holds on a file (Linux /proc/locks) and descriptors of deleted files.
import { existsSync, readFileSync, readdirSync, readlinkSync, statSync } from 'node:fs';

export const HAVE_PROC_LOCKS = process.platform === 'linux' && existsSync('/proc/locks');

export interface HeldLock {
  kind: string;
  type: string;
  start: string;
  end: string;
  line: string;
}

/** glibc's dev_t split, printed by /proc/locks as hex `MAJ:MIN`. */
function devKey(dev: bigint): string {
  const major = ((dev >> 8n) & 0xfffn) | ((dev >> 32n) & ~0xfffn);
  const minor = (dev & 0xffn) | ((dev >> 12n) & ~0xffn);
  return `${major.toString(16).padStart(2, '0')}:${minor.toString(16).padStart(2, '0')}`;
}

/**
 * Locks held (not waited for) by `pid` on the file at `path`, matched by device and inode (stat opens no
 * descriptor, so looking does not disturb the locks).
 */
export function locksHeldOn(path: string, pid = process.pid): HeldLock[] {
  const st = statSync(path, { bigint: true });
  const id = `${devKey(st.dev)}:${st.ino}`;
  const held: HeldLock[] = [];
  for (const line of readFileSync('/proc/locks', 'utf8').split('\n')) {
    const f = line.trim().split(/\s+/);
    if (f.length < 8 || f[1] === '->') continue;
    // id: KIND MODE TYPE PID MAJ:MIN:INODE START END
    if (Number(f[4]) === pid && f[5] === id) held.push({ kind: f[1], type: f[3], start: f[6], end: f[7], line });
  }
  return held;
}

/** SQLite's SHARED lock: a read lock on the shared byte range (from 1 GiB + 2), held while a connection is open in WAL mode. */
export function holdsSqliteSharedLock(path: string, pid = process.pid): boolean {
  return locksHeldOn(path, pid).some((l) => l.kind === 'POSIX' && l.type === 'READ' && l.start === String(0x40000002));
}

/** Paths this process still has open although they were deleted (`/proc/self/fd` shows "<path> (deleted)"). */
export function openDeletedFiles(prefix: string): string[] {
  const out: string[] = [];
  for (const fd of readdirSync('/proc/self/fd')) {
    try {
      const target = readlinkSync(`/proc/self/fd/${fd}`);
      if (target.startsWith(prefix) && target.endsWith(' (deleted)')) out.push(target);
    } catch {
      // the descriptor was closed meanwhile
    }
  }
  return out;
}
