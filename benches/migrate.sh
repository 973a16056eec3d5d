#!/usr/bin/env bash
# Benchmark: `chatdb migrate` of all four schemas into a fresh PostgreSQL database against
# `psql -1 -f` over the same SQL, side by side; then a no-op migrate and `chatdb --version`.
#
#   benches/migrate.sh [ROUNDS] [SSLMODE]     (defaults: 15 prefer)
#
# SSLMODE goes into every URL of both sides (`?sslmode=prefer` is what libpq and chatdb do
# by default; `disable` shows the cost of TLS set-up).
#
# Each round creates two fresh databases. chatdb runs `migrate` once per schema, each into its
# own namespace (four processes: refinery, history tables, checksums, the advisory lock).
# psql runs four `psql -X -q -1 -v ON_ERROR_STOP=1 -f <schema>.sql`, each file being
# `CREATE SCHEMA <schema>; SET search_path TO <schema>;` and that schema's migration files
# concatenated (the same SQL, no history). The order alternates between rounds; medians and
# the ratio are printed. Then hyperfine times a no-op `migrate` (everything applied), the
# `psql -c 'SELECT 1'` round trip it compares with, and `chatdb --version`.
set -euo pipefail
cd "$(dirname "$0")/.."
ROUNDS=${1:-15}
SSLMODE=${2:-prefer}
ADMIN=${CHATDB_TEST_PG_URL:-postgres://postgres@127.0.0.1:5432/postgres}
BASE=${ADMIN%/*}
SCHEMAS="chat focusmate classroom assistant"
export PGOPTIONS="-c client_min_messages=warning"
cargo build --release --quiet
BIN=$PWD/target/release/chatdb
WORK=$(mktemp -d /tmp/chatdb-bench-migrate.XXXXXX)
trap 'rm -rf "$WORK"' EXIT

for s in $SCHEMAS; do
  { echo "CREATE SCHEMA $s; SET search_path TO $s;"; ls sql/postgres/$s/V*.sql | sort -t V -k 2 -n | xargs cat; } >"$WORK/$s.sql"
done

fresh() { psql -X -q "$ADMIN" -c "DROP DATABASE IF EXISTS $1" -c "CREATE DATABASE $1"; }
now_us() { date +%s%6N; }
chatdb_run() {
  local t0; t0=$(now_us)
  for s in $SCHEMAS; do "$BIN" -d "$BASE/bench_migrate_a?sslmode=$SSLMODE" -s "$s" --namespace "$s" migrate >/dev/null; done
  echo $(( $(now_us) - t0 )) >>"$WORK/chatdb"
}
psql_run() {
  local t0; t0=$(now_us)
  for s in $SCHEMAS; do psql -X -q -1 -v ON_ERROR_STOP=1 "$BASE/bench_migrate_b?sslmode=$SSLMODE" -f "$WORK/$s.sql" >/dev/null; done
  echo $(( $(now_us) - t0 )) >>"$WORK/psql"
}

for round in $(seq 1 "$ROUNDS"); do
  fresh bench_migrate_a
  fresh bench_migrate_b
  if [ $((round % 2)) -eq 1 ]; then chatdb_run; psql_run; else psql_run; chatdb_run; fi
done
python3 - "$WORK/chatdb" "$WORK/psql" "$SSLMODE" <<'PY'
import statistics, sys
c = [int(x) / 1000 for x in open(sys.argv[1])]
p = [int(x) / 1000 for x in open(sys.argv[2])]
mc, mp = statistics.median(c), statistics.median(p)
print(f"migrate (sslmode={sys.argv[3]}), 4 schemas, {len(c)} rounds: chatdb median {mc:.0f} ms (min {min(c):.0f}, max {max(c):.0f}); "
      f"psql -1 -f median {mp:.0f} ms (min {min(p):.0f}, max {max(p):.0f}); chatdb / psql = {mc / mp:.2f}x")
PY

hyperfine -N --warmup 3 --runs 30 --export-json "$WORK/noop.json" \
  "$BIN -d $BASE/bench_migrate_a?sslmode=$SSLMODE -s classroom --namespace classroom migrate" \
  "psql -X -q $BASE/bench_migrate_a?sslmode=$SSLMODE -c 'SELECT 1'" \
  "$BIN --version" | grep -v '^ *$'
psql -X -q "$ADMIN" -c "DROP DATABASE bench_migrate_a" -c "DROP DATABASE bench_migrate_b"
