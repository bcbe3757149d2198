# Test workload: an application process holding one sqlite3 connection (Python's module) open between commands.
# Usage: python3 held-connection.py <db>; reads one SQL statement per line from stdin, runs it in autocommit mode,
# answers "ok" or "error <message>" per line, and closes the connection at end of input.
import sqlite3
import sys

conn = sqlite3.connect(sys.argv[1], isolation_level=None, timeout=10)
print("ready", flush=True)
for line in sys.stdin:
    sql = line.strip()
    if not sql:
        continue
    try:
        rows = conn.execute(sql).fetchall()
        print("ok " + repr(rows), flush=True)
    except Exception as exc:  # reported to the test, which fails on it
        print("error " + str(exc).replace("\n", " "), flush=True)
conn.close()
