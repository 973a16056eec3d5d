#!/usr/bin/env bash
# Benchmark: peak memory (RSS) of `chatdb seed` and `chatdb cleanup` at several scales, to show
# it does not grow with the data.
#
#   benches/memory.sh [SCHEMA] [SCALE...]      (defaults: classroom 0.01 0.1)
#   SQLITE=1 benches/memory.sh classroom 0.01 0.03
#
# Per scale: a fresh database bench_mem (with SQLITE=1: a SQLite file in a temp dir), migrated; `chatdb seed --scale S` under
# `/usr/bin/time -f %M`; then `chatdb cleanup` (the schema's default retention policies, on
# the seeded year of data) under `/usr/bin/time -f %M`. Prints rows, time and peak RSS of both.
set -euo pipefail
cd "$(dirname "$0")/.."
SCHEMA=${1:-classroom}
shift || true
SCALES=${*:-0.01 0.1}
ADMIN=${CHATDB_TEST_PG_URL:-postgres://postgres@127.0.0.1:5432/postgres}
BASE=${ADMIN%/*}
export PGOPTIONS="-c client_min_messages=warning"
cargo build --release --quiet
BIN=$PWD/target/release/chatdb
WORK=$(mktemp -d /tmp/chatdb-bench-memory.XXXXXX)
trap 'rm -rf "$WORK"' EXIT

for scale in $SCALES; do
  if [ "${SQLITE:-0}" = 1 ]; then
    URL="sqlite://$WORK/bench_mem.sqlite3"
    rm -f "$WORK/bench_mem.sqlite3"
  else
    URL="$BASE/bench_mem"
    psql -X -q "$ADMIN" -c "DROP DATABASE IF EXISTS bench_mem" -c "CREATE DATABASE bench_mem"
  fi
  "$BIN" -d "$URL" -s "$SCHEMA" migrate >/dev/null
  /usr/bin/time -f "%M %e" -o "$WORK/seed.time" "$BIN" -d "$URL" -s "$SCHEMA" \
    seed --scale "$scale" --format json >"$WORK/seed.json"
  /usr/bin/time -f "%M %e" -o "$WORK/cleanup.time" "$BIN" -d "$URL" -s "$SCHEMA" \
    cleanup --format json >"$WORK/cleanup.json"
  python3 - "$WORK" "$scale" <<'PY'
import json, sys
work, scale = sys.argv[1], sys.argv[2]
seed = json.load(open(f"{work}/seed.json"))
cleanup = json.load(open(f"{work}/cleanup.json"))
s_rss, s_wall = open(f"{work}/seed.time").read().split()
c_rss, c_wall = open(f"{work}/cleanup.time").read().split()
deleted = sum(p["rows"] + p["cascaded_rows"] for p in cleanup["policies"])
longest = max((p["longest_batch_ms"] for p in cleanup["policies"]), default=0)
print(f"{seed['schema']} ({seed['database'].split(':')[0]}) scale {scale}: seed {seed['total_rows']} rows in {s_wall} s, peak RSS {int(s_rss) / 1024:.1f} MiB; "
      f"cleanup {deleted} rows (cascades included) in {c_wall} s, longest batch {longest} ms, peak RSS {int(c_rss) / 1024:.1f} MiB")
PY
  if [ "${SQLITE:-0}" != 1 ]; then psql -X -q "$ADMIN" -c "DROP DATABASE bench_mem"; fi
done
