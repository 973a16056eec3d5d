#!/usr/bin/env bash
# Benchmark: `chatdb stats` on a migrated, seeded focusmate database, side by side with psql
# running the same queries in the same read-only transaction (the anchor: what the server
# takes to answer, plus a client's start-up and connection).
#
#   benches/stats.sh [SCALE] [RUNS]      (default SCALE 1, RUNS 30)
#
# Creates bench_stats (REUSE=1 keeps an existing one, already seeded), migrates focusmate and
# seeds it (`chatdb seed --scale SCALE --seed 1`, then ANALYZE). The psql script is made from
# chatdb's own SQL: the history read, and the SERVER and TABLES queries cut out of
# src/db/postgres/stats.rs with the schema's namespace and tables bound, so the two sides run
# the same statements. Then RUNS rounds, each running `chatdb -s focusmate stats --quiet` and
# `psql -X -q -f stats.sql` once (alternating, so load on the machine hits both alike), and
# prints mean ± σ, min and max of each in ms. KEEP=1 keeps the database.
set -euo pipefail
cd "$(dirname "$0")/.."
SCALE=${1:-1}
RUNS=${2:-30}
ADMIN=${CHATDB_TEST_PG_URL:-postgres://postgres@127.0.0.1:5432/postgres}
BASE=${ADMIN%/*}
DB=bench_stats
URL=$BASE/$DB
export PGOPTIONS="-c client_min_messages=warning"
cargo build --release --quiet
BIN=$PWD/target/release/chatdb
WORK=$(mktemp -d /tmp/chatdb-bench-stats.XXXXXX)
trap 'rm -rf "$WORK"' EXIT

if [ "${REUSE:-0}" = 1 ] && psql -X -qtA "$ADMIN" -c "SELECT 1 FROM pg_database WHERE datname = '$DB'" | grep -q 1; then
  echo "reusing $DB"
else
  psql -X -q "$ADMIN" -c "DROP DATABASE IF EXISTS $DB" -c "CREATE DATABASE $DB"
  "$BIN" -d "$URL" -s focusmate migrate >/dev/null
  "$BIN" -d "$URL" -s focusmate seed --scale "$SCALE" --seed 1 --format json >"$WORK/seed.json"
  python3 -c "import json,sys; r=json.load(open(sys.argv[1])); print(f\"seeded focusmate at scale {r['scale']}: {r['total_rows']} rows in {r['elapsed_ms']} ms\")" "$WORK/seed.json"
fi
"$BIN" -d "$URL" -s focusmate stats --format json >"$WORK/stats.json" || true
python3 - "$WORK" <<'PY'
import json, re, sys
work = sys.argv[1]
doc = json.load(open(f"{work}/stats.json"))
tables = [t["name"] for t in doc["tables"]]
src = open("src/db/postgres/stats.rs").read()
def const(name):
    m = re.search(r'const ' + name + r': &str = "(.*?)";', src, re.S)
    return m.group(1).replace('\\"', '"')
array = "ARRAY[" + ", ".join("'" + t + "'" for t in tables) + "]::text[]"
bind = lambda q: q.replace("$1", "'public'").replace("$2", array)
with open(f"{work}/stats.sql", "w") as f:
    f.write("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY;\nSET LOCAL statement_timeout = '10s';\n")
    f.write("SELECT version, name, applied_on, checksum FROM chatdb_history_focusmate ORDER BY version;\n")
    f.write(bind(const("SERVER")) + ";\n")
    f.write(bind(const("TABLES")) + ";\n")
    f.write("ROLLBACK;\n")
print(f"{len(tables)} tables; elapsed_ms in chatdb's own report: {doc['elapsed_ms']}")
PY
psql -X -q -v ON_ERROR_STOP=1 "$URL" -f "$WORK/stats.sql" >/dev/null
python3 - "$BIN" "$URL" "$WORK/stats.sql" "$RUNS" <<'PY'
import statistics, subprocess, sys, time
bin_, url, sql, runs = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
cmds = {
    "chatdb stats --quiet": [bin_, "-s", "focusmate", "-d", url, "stats", "--quiet"],
    "psql -f (same queries)": ["psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", url, "-f", sql],
}
times = {k: [] for k in cmds}
for k, c in cmds.items():  # warm-up
    for _ in range(3):
        subprocess.run(c, stdout=subprocess.DEVNULL, check=False)
for _ in range(runs):
    for k, c in cmds.items():
        t = time.perf_counter()
        r = subprocess.run(c, stdout=subprocess.DEVNULL)
        times[k].append((time.perf_counter() - t) * 1000)
        if r.returncode not in (0, 1):
            sys.exit(f"{k} exited {r.returncode}")
for k, xs in times.items():
    print(f"{k:24} {statistics.mean(xs):7.1f} ms ± {statistics.stdev(xs):5.1f}   min {min(xs):6.1f}   max {max(xs):6.1f}   ({runs} runs)")
PY
if [ "${KEEP:-0}" != 1 ]; then psql -X -q "$ADMIN" -c "DROP DATABASE $DB"; fi
