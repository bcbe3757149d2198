// Database and replica path normalisation as Litestream does it: strip sqlite:// prefixes, expand ~, make absolute.
import { homedir } from 'node:os';
import path from 'node:path';

export function stripSqlitePrefix(p: string): string {
  for (const prefix of ['sqlite3://', 'sqlite://']) if (p.startsWith(prefix)) return p.slice(prefix.length);
  return p;
}

/**
 * Absolute form of a configured path. Relative paths resolve against the current working directory, not the
 * config file's directory: that is what Litestream does (Go filepath.Abs), and existing configs rely on it.
 */
export function expandPath(p: string, cwd: string = process.cwd()): string {
  const s = stripSqlitePrefix(p);
  if (s === '~') return homedir();
  if (s.startsWith('~/')) return path.join(homedir(), s.slice(2));
  return path.resolve(cwd, s);
}
