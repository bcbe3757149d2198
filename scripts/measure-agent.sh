#!/usr/bin/env bash
# Measures the bundled agent (dist/streambed.mjs): peak RSS and CPU of `streambed replicate` with N databases
# written to for S seconds against a local S3 (fauxqs in its own process), and the CPU of one `replicate --once`.
# Usage: scripts/measure-agent.sh [N=1] [SECONDS=10]   (run `npm run build` first; needs sqlite3 and GNU time)
set -euo pipefail
cd "$(dirname "$0")/.."
n=${1:-1}
seconds=${2:-10}
cli=${STREAMBED:-dist/streambed.mjs}
[ -f "$cli" ] || { echo "measure-agent: dist/streambed.mjs is missing: run npm run build" >&2; exit 2; }
work=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$work"' EXIT

coproc S3 { exec node test/harness/local-s3-process.ts --bucket measure; }
read -r line <&"${S3[0]}"
endpoint=$(node -p "JSON.parse(process.argv[1]).endpoint" "$line")

{
  echo "addr: 127.0.0.1:0"
  [ -z "${LOG_JSON:-}" ] || printf "logging:\n  type: json\n"
  echo "dbs:"
  for i in $(seq 1 "$n"); do
    sqlite3 "$work/db$i.db" 'PRAGMA journal_mode=WAL; CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT);' >/dev/null
    printf '  - path: %s\n    replica:\n      url: s3://measure/db%s\n      endpoint: %s\n      force-path-style: true\n      region: us-east-1\n' \
      "$work/db$i.db" "$i" "$endpoint"
  done
} >"$work/streambed.yml"
export AWS_ACCESS_KEY_ID=AKIASTREAMBEDTEST AWS_SECRET_ACCESS_KEY=streambed-test-secret

# One write a second per database from a long-lived connection outside the agent, as an application would.
for i in $(seq 1 "$n"); do
  ( echo 'PRAGMA busy_timeout=5000;'
    for _ in $(seq 1 "$seconds"); do echo 'INSERT INTO t (v) VALUES (hex(randomblob(512)));'; sleep 1; done
    # Stay connected until the agent has stopped: the last connection to close deletes the WAL.
    sleep 30 ) | sqlite3 "$work/db$i.db" >/dev/null &
done

/usr/bin/time -f '%M %U %S' -o "$work/time" node "$cli" replicate -config "$work/streambed.yml" -log-level "${LOG_LEVEL:-warn}" &
agent=$!
sleep "$seconds"
kill -TERM "$(pgrep -P "$agent")"
status=0
wait "$agent" || status=$?
# GNU time puts "Command exited with non-zero status N" before its figures.
read -r rss user sys < <(tail -n 1 "$work/time")
/usr/bin/time -f '%U %S' -o "$work/once" node "$cli" replicate -config "$work/streambed.yml" -once -log-level warn
read -r ouser osys < <(tail -n 1 "$work/once")
printf 'databases=%s seconds=%s exit=%s peak_rss_mib=%.1f cpu_s=%.2f (user %s, sys %s); replicate -once cpu_s=%.2f; load %s\n' \
  "$n" "$seconds" "$status" "$(echo "$rss / 1024" | bc -l)" "$(echo "$user + $sys" | bc -l)" "$user" "$sys" "$(echo "$ouser + $osys" | bc -l)" "$(cut -d' ' -f1-3 /proc/loadavg)"
