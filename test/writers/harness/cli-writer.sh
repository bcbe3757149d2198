#!/usr/bin/env bash
# role: the matrix writer as a shell loop of Debian's sqlite3 CLI, one process (one connection) per transaction.
# Usage: cli-writer.sh DB LOG WRITER DURATION_MS SLEEP_SECONDS [SQLITE3]
# Appends "seq<TAB>unix-ms" to LOG after each sqlite3 process exits 0 (its COMMIT returned). A busy database
# (exit 5 after .timeout) repeats the same seq, so the log has no holes.
set -euo pipefail
db=$1 log=$2 writer=$3 duration_ms=$4 pause=$5 sqlite=${6:-/usr/bin/sqlite3}
# $EPOCHREALTIME (bash 5) gives the time without forking date; each transaction already forks sqlite3.
now_ms() { local t=${EPOCHREALTIME/[.,]/}; ms=${t:0:${#t}-3}; }
now_ms
end=$(( ms + duration_ms ))
"$sqlite" -cmd '.timeout 5000' "$db" >/dev/null <<SQL
PRAGMA journal_mode = wal;
CREATE TABLE IF NOT EXISTS commits (writer TEXT NOT NULL, seq INTEGER NOT NULL, t_ms INTEGER NOT NULL, body BLOB, PRIMARY KEY (writer, seq));
CREATE TABLE IF NOT EXISTS counters (writer TEXT PRIMARY KEY, n INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS scratch (id INTEGER PRIMARY KEY, junk BLOB);
SQL
seq=0 busy=0
while now_ms && [ "$ms" -lt "$end" ]; do
  seq=$((seq + 1))
  bytes=$(( 50 + RANDOM % 2951 ))
  until "$sqlite" -bail -cmd '.timeout 5000' "$db" <<SQL
BEGIN IMMEDIATE;
INSERT INTO commits (writer, seq, t_ms, body) VALUES ('$writer', $seq, CAST((julianday('now') - 2440587.5) * 86400000 AS INTEGER), randomblob($bytes));
INSERT INTO counters (writer, n) VALUES ('$writer', $seq) ON CONFLICT (writer) DO UPDATE SET n = excluded.n;
COMMIT;
SQL
  do
    busy=$((busy + 1))
    [ "$busy" -lt 100 ] || { echo "cli-writer: seq $seq failed 100 times" >&2; exit 1; }
  done
  now_ms
  printf '%s\t%s\n' "$seq" "$ms" >> "$log"
  [ "$pause" = 0.000 ] || sleep "$pause"
done
now_ms
printf '{"event":"done","at":%s,"commits":%s,"busyRetries":%s}\n' "$ms" "$seq" "$busy"
