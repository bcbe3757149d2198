#!/usr/bin/env python3
# role: an outside reader process that holds one read transaction (pinning the WAL) for a while.
# Usage: python3 py-reader.py DB HOLD_MS
# Prints {"event":"reading",...} once the transaction holds its snapshot, and {"event":"done",...} with the
# row count seen at the start and at the end (equal: the snapshot stayed the same while writers went on).
import json
import sqlite3
import sys
import time

db, hold_ms = sys.argv[1], int(sys.argv[2])
conn = sqlite3.connect(db, timeout=5.0, isolation_level=None)
conn.execute("BEGIN")
first = conn.execute("SELECT count(*) FROM commits").fetchone()[0]
print(json.dumps({"event": "reading", "at": int(time.time() * 1000), "rows": first}), flush=True)
time.sleep(hold_ms / 1000)
last = conn.execute("SELECT count(*) FROM commits").fetchone()[0]
conn.execute("COMMIT")
conn.close()
print(json.dumps({"event": "done", "at": int(time.time() * 1000), "rowsAtStart": first, "rowsAtEnd": last}), flush=True)
