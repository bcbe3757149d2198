// role: the matrix schema and SQL clock; py-writer.py and cli-writer.sh repeat the same statements in their language.
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

