// Directory replication as Litestream v0.5 does it: which files a `dir` entry matches, and each one's settings.
import path from 'node:path';
import { defaultMetaPath } from '../layout/names.ts';
import type { DbConfig, DirConfig } from './types.ts';

/**
 * A file-name matcher with the syntax of Go's filepath.Match, which Litestream applies to the base name:
 * `*` and `?` (never across a separator), `[abc]`, `[a-z]`, `[^a-z]`, and `\` escaping the next character.
 * Throws on a malformed pattern (an unclosed `[`, a trailing `\`), as filepath.Match returns ErrBadPattern.
 */
export function globMatcher(pattern: string): (name: string) => boolean {
  let source = '';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i];
    if (c === '*') source += '[^/]*';
    else if (c === '?') source += '[^/]';
    else if (c === '\\') {
      if (i + 1 >= pattern.length) throw new Error('ends with an unfinished escape (\\)');
      source += escapeRegExp(pattern[++i]);
    } else if (c === '[') {
      const end = classEnd(pattern, i);
      source += classSource(pattern.slice(i + 1, end));
      i = end;
    } else source += escapeRegExp(c);
  }
  const re = new RegExp(`^${source}$`, 's');
  return (name) => re.test(name);
}

function escapeRegExp(c: string): string {
  return c.replace(/[.*+?^${}()|[\]\\/-]/g, '\\$&');
}

/** Index of the `]` closing the class opened at `start`. */
function classEnd(pattern: string, start: number): number {
  let i = start + 1;
  if (pattern[i] === '^') i++;
  for (let first = true; i < pattern.length; i++, first = false) {
    if (pattern[i] === '\\') i++;
    else if (pattern[i] === ']' && !first) return i;
  }
  throw new Error('has a `[` without its closing `]`');
}

function classSource(body: string): string {
  let out = '[';
  let i = 0;
  if (body[0] === '^') {
    out += '^';
    i = 1;
  }
  const members: string[] = [];
  for (; i < body.length; i++) {
    let c = body[i];
    if (c === '\\') c = body[++i];
    if (body[i + 1] === '-' && i + 2 < body.length) {
      let hi = body[i + 2];
      i += 2;
      if (hi === '\\') hi = body[++i];
      if (hi < c) throw new Error(`has the empty range ${c}-${hi}`);
      members.push(`${escapeRegExp(c)}-${escapeRegExp(hi)}`);
    } else members.push(escapeRegExp(c));
  }
  if (members.length === 0) throw new Error('has an empty character class `[]`');
  return `${out}${members.join('')}]`;
}

/**
 * The settings of one database found under a `dir` entry. As Litestream's cloneReplicaConfigWithRelativePath,
 * the replica path is the entry's replica path joined with the database's path relative to `dir` (slashes on S3),
 * so `s3://bucket/tenants` + `/data/team-a/x.db` under `/data` replicates to `s3://bucket/tenants/team-a/x.db`,
 * which a stock Litestream restores as a database of its own. With `meta-path` on the entry, the staging
 * directory is derived below it as Litestream's deriveMetaPathForDirectoryEntry does (`<base>/<rel dir>/.<file>-streambed`).
 */
export function dbConfigForDirEntry(entry: DirConfig, dbPath: string): DbConfig {
  const rel = path.relative(entry.dir, dbPath);
  if (rel === '' || rel.startsWith('..') || path.isAbsolute(rel)) throw new Error(`${dbPath} is not inside ${entry.dir}`);
  const t = entry.template;
  const base = t.replica.options;
  const options = base.type === 'file'
    ? { ...base, path: path.join(base.path, rel) }
    : { ...base, path: path.posix.join(base.path, rel.split(path.sep).join('/')) };
  // The URL as written names the base path, not this database's: it is not carried over.
  const { url: _url, ...replica } = t.replica;
  const metaPath = entry.metaBase ? defaultMetaPath(path.join(entry.metaBase, rel)) : defaultMetaPath(dbPath);
  return { ...t, path: dbPath, metaPath, replica: { ...replica, options } };
}

/**
 * The `dir` entry that serves `dbPath` (inside its directory, below it only when recursive, its file name matching
 * the pattern), whether or not the file exists: `restore DB_PATH` must work for a database that was deleted.
 */
export function dirEntryFor(dirs: readonly DirConfig[], dbPath: string): DirConfig | undefined {
  return dirs.find((entry) => {
    const rel = path.relative(entry.dir, dbPath);
    if (rel === '' || rel.startsWith('..') || path.isAbsolute(rel)) return false;
    if (!entry.recursive && rel.includes(path.sep)) return false;
    return globMatcher(entry.pattern)(path.basename(dbPath));
  });
}
