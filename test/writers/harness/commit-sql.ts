// role: the one transaction every matrix writer commits, as SQL shared by the Node, Python and shell writers.
//
// Each commit inserts one row carrying its writer's sequence number and the time SQLite saw inside the
// transaction (a lower bound of the commit time), and moves the writer's counter to that number in the same
// transaction, so a restore that holds half a transaction shows up as counter ≠ max(seq).

export const SCHEMA_SQL = [
  'CREATE TABLE IF NOT EXISTS commits (writer TEXT NOT NULL, seq INTEGER NOT NULL, t_ms INTEGER NOT NULL, body BLOB, PRIMARY KEY (writer, seq))',
  'CREATE TABLE IF NOT EXISTS counters (writer TEXT PRIMARY KEY, n INTEGER NOT NULL)',
  'CREATE TABLE IF NOT EXISTS scratch (id INTEGER PRIMARY KEY, junk BLOB)',
].join(';\n');

/** Milliseconds since the epoch as SQLite sees them (`unixepoch('subsec')` needs SQLite 3.42; Debian 12 has 3.40). */
export const NOW_MS_SQL = "CAST((julianday('now') - 2440587.5) * 86400000 AS INTEGER)";

/** Statements of one commit, parameters: writer, seq, body bytes. Written out for the sqlite3 CLI with literals. */
export function commitStatements(writer: string, seq: number, bodyBytes: number): string[] {
  const w = `'${writer.replace(/'/g, "''")}'`;
  return [
    `INSERT INTO commits (writer, seq, t_ms, body) VALUES (${w}, ${seq}, ${NOW_MS_SQL}, randomblob(${bodyBytes}))`,
    `INSERT INTO counters (writer, n) VALUES (${w}, ${seq}) ON CONFLICT (writer) DO UPDATE SET n = excluded.n`,
  ];
}
