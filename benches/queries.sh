#!/usr/bin/env bash
# Benchmark: the schema's hot queries on seeded data, p50 and p95 against the documented targets.
#
#   benches/queries.sh SCHEMA SCALE [RUNS]      (e.g. classroom 0.1 30; default RUNS 30)
#
# Creates bench_q_SCHEMA, migrates it, seeds it (`chatdb seed --scale SCALE --seed 1`, database
# clock, then ANALYZE), and runs `chatdb explain --analyze --format json` RUNS times. Each run
# executes every hot query once with its sample parameters (the seed makes the rows they name
# exist, with a typical share of children) and reports the server's own execution time
# (EXPLAIN ANALYZE on PostgreSQL). Prints, per query: the first run, p50, p95 and max over all
# runs, the rows returned, the plan's top nodes and the target. KEEP=1 keeps the database.
set -euo pipefail
cd "$(dirname "$0")/.."
SCHEMA=${1:?schema}
SCALE=${2:?scale}
RUNS=${3:-30}
ADMIN=${CHATDB_TEST_PG_URL:-postgres://postgres@127.0.0.1:5432/postgres}
BASE=${ADMIN%/*}
DB=bench_q_$SCHEMA
export PGOPTIONS="-c client_min_messages=warning"
cargo build --release --quiet
BIN=$PWD/target/release/chatdb
WORK=$(mktemp -d /tmp/chatdb-bench-queries.XXXXXX)
trap 'rm -rf "$WORK"' EXIT

psql -X -q "$ADMIN" -c "DROP DATABASE IF EXISTS $DB" -c "CREATE DATABASE $DB"
"$BIN" -d "$BASE/$DB" -s "$SCHEMA" migrate >/dev/null
"$BIN" -d "$BASE/$DB" -s "$SCHEMA" seed --scale "$SCALE" --seed 1 --format json >"$WORK/seed.json"
python3 -c "import json,sys; r=json.load(open(sys.argv[1])); print(f\"seeded {r['schema']} at scale {r['scale']}: {r['total_rows']} rows in {r['elapsed_ms']} ms, ANALYZE {r['analyze_ms']} ms\")" "$WORK/seed.json"
for i in $(seq 1 "$RUNS"); do
  "$BIN" -d "$BASE/$DB" -s "$SCHEMA" explain --analyze --format json >"$WORK/run$i.json" || true
done
python3 - "$WORK" "$RUNS" <<'PY'
import json, sys, statistics
work, runs = sys.argv[1], int(sys.argv[2])
times, last = {}, {}
for i in range(1, runs + 1):
    for q in json.load(open(f"{work}/run{i}.json"))["queries"]:
        m = (q.get("analyzed") or {}).get("measured") or {}
        if "execution_ms" in m:
            times.setdefault(q["name"], []).append(m["execution_ms"])
        last[q["name"]] = q
def pct(xs, p):
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(round(p / 100 * (len(xs) - 1))))]
print(f"| query | target | first run | p50 | p95 | max | rows | plan |")
print(f"|---|---|---|---|---|---|---|---|")
for name, q in last.items():
    xs = times.get(name, [])
    if not xs:
        print(f"| {name} | - | not measured | | | | | {q.get('top_nodes')} |")
        continue
    target = q.get("target_ms")
    t = f"{target} ms" if target is not None else "-"
    rows = ((q.get("analyzed") or {}).get("measured") or {}).get("rows")
    print(f"| {name} | {t} | {xs[0]:.3f} ms | {statistics.median(xs):.3f} ms | {pct(xs, 95):.3f} ms | {max(xs):.3f} ms | {rows} | {q.get('top_nodes')} |")
PY
if [ "${KEEP:-0}" != 1 ]; then psql -X -q "$ADMIN" -c "DROP DATABASE $DB"; fi
