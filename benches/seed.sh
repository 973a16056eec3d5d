#!/usr/bin/env bash
# Benchmark: `chatdb seed` against `psql \copy` of the same rows from CSV, side by side.
#
#   benches/seed.sh [SCHEMA] [SCALE] [ROUNDS]      (defaults: classroom 0.1 2)
#
# Each round loads the same rows twice into fresh, migrated databases:
#   chatdb: `chatdb seed --scale SCALE --seed 1 --now <fixed>` (binary COPY, one transaction,
#           then ANALYZE); wall time and peak RSS of the process, and the report's own load and
#           ANALYZE times;
#   psql:   the tables chatdb wrote, dumped to CSV once (`\copy t TO ... CSV`, not timed), loaded
#           by one `psql -1` session (`\copy t FROM ... CSV` per table in the same order, one
#           transaction), then `ANALYZE` of the same tables: the limit chatdb is held against.
# The order alternates between rounds. Prints rows/s of both and their ratio, for the load
# alone and end to end (ANALYZE included).
set -euo pipefail
cd "$(dirname "$0")/.."
SCHEMA=${1:-classroom}
SCALE=${2:-0.1}
ROUNDS=${3:-2}
ADMIN=${CHATDB_TEST_PG_URL:-postgres://postgres@127.0.0.1:5432/postgres}
BASE=${ADMIN%/*}
NOW="2026-01-01 00:00:00"
export PGOPTIONS="-c client_min_messages=warning"
cargo build --release --quiet
BIN=$PWD/target/release/chatdb
WORK=$(mktemp -d /tmp/chatdb-bench-seed.XXXXXX)
trap 'rm -rf "$WORK"' EXIT

fresh() { # $1 = database
  psql -X -q "$ADMIN" -c "DROP DATABASE IF EXISTS $1" -c "CREATE DATABASE $1"
  $BIN -d "$BASE/$1" -s "$SCHEMA" migrate >/dev/null
}
now_ms() { date +%s%3N; }

run_chatdb() {
  fresh bench_seed_a
  local t0 t1
  t0=$(now_ms)
  /usr/bin/time -f "%M" -o "$WORK/rss" "$BIN" -d "$BASE/bench_seed_a" -s "$SCHEMA" \
    seed --scale "$SCALE" --seed 1 --now "$NOW" --format json >"$WORK/report.json"
  t1=$(now_ms)
  chatdb_ms=$((t1 - t0))
  if [ ! -f "$WORK/load.sql" ]; then
    # The same rows as CSV, once, in chatdb's table order.
    python3 -c "import json,sys; [print(t['table']) for t in json.load(open(sys.argv[1]))['tables']]" "$WORK/report.json" >"$WORK/tables"
    : >"$WORK/load.sql"
    while read -r t; do
      psql -X -q "$BASE/bench_seed_a" -c "\\copy \"$t\" TO '$WORK/$t.csv' CSV"
      echo "\\copy \"$t\" FROM '$WORK/$t.csv' CSV" >>"$WORK/load.sql"
    done <"$WORK/tables"
    sed 's/.*/ANALYZE "&";/' "$WORK/tables" >"$WORK/analyze.sql"
    du -sh "$WORK" | awk '{print "CSV size: " $1}'
  fi
  psql -X -q "$ADMIN" -c "DROP DATABASE bench_seed_a"
}

run_psql() {
  fresh bench_seed_b
  local t0 t1 t2
  t0=$(now_ms)
  psql -X -q -1 -v ON_ERROR_STOP=1 "$BASE/bench_seed_b" -f "$WORK/load.sql"
  t1=$(now_ms)
  psql -X -q -v ON_ERROR_STOP=1 "$BASE/bench_seed_b" -f "$WORK/analyze.sql"
  t2=$(now_ms)
  psql_load_ms=$((t1 - t0))
  psql_ms=$((t2 - t0))
  psql -X -q "$ADMIN" -c "DROP DATABASE bench_seed_b"
}

for round in $(seq 1 "$ROUNDS"); do
  if [ ! -f "$WORK/load.sql" ] || [ $((round % 2)) -eq 1 ]; then
    run_chatdb; run_psql
  else
    run_psql; run_chatdb
  fi
  python3 - "$WORK/report.json" "$chatdb_ms" "$psql_load_ms" "$psql_ms" "$(cat "$WORK/rss")" "$round" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
chatdb_ms, psql_load_ms, psql_ms, rss, rnd = map(int, sys.argv[2:])
rows = r["total_rows"]
load_ms = r["elapsed_ms"]
def rate(ms): return rows * 1000 // max(ms, 1)
print(f"round {rnd}: {r['schema']} scale {r['scale']}: {rows} rows")
print(f"  load only:  chatdb {load_ms} ms ({rate(load_ms)} rows/s), psql \\copy {psql_load_ms} ms ({rate(psql_load_ms)} rows/s): {psql_load_ms / max(load_ms, 1):.2f}x")
print(f"  end to end: chatdb {chatdb_ms} ms ({rate(chatdb_ms)} rows/s, ANALYZE {r['analyze_ms']} ms, peak RSS {rss} KiB), "
      f"psql {psql_ms} ms ({rate(psql_ms)} rows/s): {psql_ms / max(chatdb_ms, 1):.2f}x")
for t in r["tables"]:
    print(f"    {t['table']}: {t['rows']} rows, {t['elapsed_ms']} ms, {t['rows_per_second']} rows/s")
PY
done
