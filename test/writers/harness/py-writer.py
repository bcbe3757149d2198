#!/usr/bin/env python3
# role: the matrix writer in Python's sqlite3 module: one long connection, or bursts that close every connection.
# Usage: python3 py-writer.py '<PythonWriterOptions JSON>' (see writer-options.ts)
# Appends "seq<TAB>unix-ms" to the log right after each COMMIT returns; prints JSON events, the last one "done".
import json
import random
import sqlite3
import sys
import time

opts = json.loads(sys.argv[1])
rand = random.Random(opts.get("seed", 1))
writer = opts["writer"]
NOW_MS_SQL = "CAST((julianday('now') - 2440587.5) * 86400000 AS INTEGER)"
SCHEMA = [
    "CREATE TABLE IF NOT EXISTS commits (writer TEXT NOT NULL, seq INTEGER NOT NULL, t_ms INTEGER NOT NULL, body BLOB, PRIMARY KEY (writer, seq))",
    "CREATE TABLE IF NOT EXISTS counters (writer TEXT PRIMARY KEY, n INTEGER NOT NULL)",
    "CREATE TABLE IF NOT EXISTS scratch (id INTEGER PRIMARY KEY, junk BLOB)",
]
stats = {"commits": 0, "busyRetries": 0, "opens": 0}


def event(name, **fields):
    print(json.dumps({"event": name, "at": int(time.time() * 1000), **fields}), flush=True)


def now_ms():
    return int(time.time() * 1000)


def connect():
    # isolation_level=None: the script issues BEGIN/COMMIT itself, as the log must follow the real COMMIT.
    conn = sqlite3.connect(opts["db"], timeout=5.0, isolation_level=None)
    if conn.execute("PRAGMA journal_mode").fetchone()[0] != "wal":
        conn.execute("PRAGMA journal_mode = wal")
    stats["opens"] += 1
    return conn


def body_bytes():
    return rand.randint(50, 3000)


def commit(conn, seq):
    while True:
        try:
            conn.execute("BEGIN IMMEDIATE")
            try:
                conn.execute(f"INSERT INTO commits (writer, seq, t_ms, body) VALUES (?, ?, {NOW_MS_SQL}, randomblob(?))", (writer, seq, body_bytes()))
                conn.execute("INSERT INTO counters (writer, n) VALUES (?, ?) ON CONFLICT (writer) DO UPDATE SET n = excluded.n", (writer, seq))
                if seq > 10 and seq % 5 == 0:
                    conn.execute("UPDATE commits SET body = randomblob(?) WHERE writer = ? AND seq = ?", (body_bytes(), writer, seq - 1 - rand.randrange(10)))
                conn.execute("COMMIT")
            except BaseException:
                if conn.in_transaction:
                    conn.execute("ROLLBACK")
                raise
            return
        except sqlite3.OperationalError as err:
            if "locked" not in str(err) and "busy" not in str(err):
                raise
            stats["busyRetries"] += 1


def main():
    with open(opts["log"], "a", buffering=1) as log:
        first = connect()
        for stmt in SCHEMA:
            first.execute(stmt)
        conns = [first] + [connect() for _ in range(opts.get("connections", 1) - 1)]
        start = now_ms()
        end = start + opts.get("durationMs", 5000)
        burst_end = start + opts["burstMs"] if opts.get("burstMs") else None
        max_commits = opts.get("maxCommits")
        sleep_ms = opts.get("sleepMs", 0)
        seq = 0
        while now_ms() < end and (max_commits is None or seq < max_commits):
            seq += 1
            commit(conns[0], seq)
            log.write(f"{seq}\t{now_ms()}\n")
            stats["commits"] = seq
            for other in conns[1:]:
                other.execute("SELECT count(*) FROM commits").fetchone()
            if burst_end is not None and now_ms() >= burst_end:
                # The application restarts: every connection closes (the last one checkpoints and, when it is
                # alone, deletes the WAL), then it comes back.
                for c in conns:
                    c.close()
                event("closed", seq=seq)
                time.sleep(opts.get("pauseMs", 300) / 1000)
                conns = [connect() for _ in range(opts.get("connections", 1))]
                burst_end = now_ms() + opts["burstMs"]
            if sleep_ms:
                time.sleep(sleep_ms * (0.5 + rand.random()) / 1000)
        for c in conns:
            c.close()
    event("done", **stats)


main()
