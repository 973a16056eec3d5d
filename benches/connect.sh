#!/usr/bin/env bash
# Benchmark (issue 16): what connecting costs chatdb, against psql, Alembic and dbmate, in ONE run.
#
#   benches/connect.sh [ROUNDS] [RUNS] [SSLMODE]     (defaults: 9 30 prefer)
#
# 1. Fresh migrate of all four schemas, ROUNDS rounds: chatdb (`migrate` per schema, each in its
#    own namespace: four processes) against four `psql -X -q -1 -v ON_ERROR_STOP=1 -f` over the
#    same migration files concatenated after `CREATE SCHEMA`/`SET search_path` (as
#    benches/migrate.sh), fresh databases each round, the order alternating; medians and ratio.
# 2. No-op migrate (everything applied), RUNS runs each after 3 warm-ups, the four commands
#    interleaved round-robin so load on the machine hits them alike: `chatdb -s classroom
#    migrate`, `alembic upgrade head` (Alembic from PyPI, one revision holding the same
#    classroom SQL), `dbmate up` (dbmate from the npm registry, whose `dbmate` package ships
#    the binary through `@dbmate/linux-x64`; the same SQL as one migration), and
#    `chatdb --version` (starting the process, no database) and `psql -c 'SELECT 1'` for scale
#    (the machine's load average is printed: on a shared machine it moves every figure). Median, min, max wall time and the median user+sys CPU of
#    each.
#
# SSLMODE goes into every URL (`prefer` is the default of libpq and chatdb). dbmate's driver
# (lib/pq) has no `prefer`: it gets `require` then, which is what `prefer` ends in against a
# server with TLS on. The tools are installed on first use under target/bench-tools (a venv
# with alembic and psycopg; `npm install dbmate`), pinned below. Not part of the test gate.
set -euo pipefail
cd "$(dirname "$0")/.."
ROUNDS=${1:-9}
RUNS=${2:-30}
SSLMODE=${3:-prefer}
ALEMBIC_VERSION=1.20.1
PSYCOPG_VERSION=3.3.9
DBMATE_VERSION=2.36.0
ADMIN=${CHATDB_TEST_PG_URL:-postgres://postgres@127.0.0.1:5432/postgres}
BASE=${ADMIN%/*}
HOSTPART=${BASE#postgres://}
SCHEMAS="chat focusmate classroom assistant"
export PGOPTIONS="-c client_min_messages=warning"

TOOLS=$PWD/target/bench-tools
if [ ! -x "$TOOLS/venv/bin/alembic" ]; then
  python3 -m venv "$TOOLS/venv"
  "$TOOLS/venv/bin/pip" install -q "alembic==$ALEMBIC_VERSION" "psycopg[binary]==$PSYCOPG_VERSION"
fi
if [ ! -x "$TOOLS/node_modules/.bin/dbmate" ]; then
  npm install --prefix "$TOOLS" --no-audit --no-fund "dbmate@$DBMATE_VERSION" >/dev/null
fi
cargo build --release --quiet
BIN=$PWD/target/release/chatdb
ALEMBIC=$TOOLS/venv/bin/alembic
DBMATE=$TOOLS/node_modules/.bin/dbmate
WORK=$(mktemp -d /tmp/chatdb-bench-connect.XXXXXX)
DBS="bench_connect_a bench_connect_b bench_noop_chatdb bench_noop_alembic bench_noop_dbmate"
cleanup() {
  for db in $DBS; do psql -X -q "$ADMIN" -c "DROP DATABASE IF EXISTS $db" >/dev/null 2>&1 || true; done
  rm -rf "$WORK"
}
trap cleanup EXIT

for s in $SCHEMAS; do
  { echo "CREATE SCHEMA $s; SET search_path TO $s;"; ls sql/postgres/$s/V*.sql | sort -t V -k 2 -n | xargs cat; } >"$WORK/$s.sql"
done
fresh() { psql -X -q "$ADMIN" -c "DROP DATABASE IF EXISTS $1" -c "CREATE DATABASE $1"; }
now_us() { date +%s%6N; }

# 1. Fresh migrate against psql -1 -f.
chatdb_run() {
  local t0; t0=$(now_us)
  for s in $SCHEMAS; do "$BIN" -d "$BASE/bench_connect_a?sslmode=$SSLMODE" -s "$s" --namespace "$s" migrate >/dev/null; done
  echo $(( $(now_us) - t0 )) >>"$WORK/chatdb"
}
psql_run() {
  local t0; t0=$(now_us)
  for s in $SCHEMAS; do psql -X -q -1 -v ON_ERROR_STOP=1 "$BASE/bench_connect_b?sslmode=$SSLMODE" -f "$WORK/$s.sql" >/dev/null; done
  echo $(( $(now_us) - t0 )) >>"$WORK/psql"
}
echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
for round in $(seq 1 "$ROUNDS"); do
  fresh bench_connect_a
  fresh bench_connect_b
  if [ $((round % 2)) -eq 1 ]; then chatdb_run; psql_run; else psql_run; chatdb_run; fi
done
python3 - "$WORK/chatdb" "$WORK/psql" "$SSLMODE" <<'PY'
import statistics, sys
c = [int(x) / 1000 for x in open(sys.argv[1])]
p = [int(x) / 1000 for x in open(sys.argv[2])]
mc, mp = statistics.median(c), statistics.median(p)
print(f"fresh migrate (sslmode={sys.argv[3]}), 4 schemas, {len(c)} rounds: chatdb median {mc:.0f} ms (min {min(c):.0f}, max {max(c):.0f}); "
      f"psql -1 -f median {mp:.0f} ms (min {min(p):.0f}, max {max(p):.0f}); chatdb / psql = {mc / mp:.2f}x")
PY

# 2. No-op migrate: each tool's own database, migrated once, then timed doing nothing.
for db in bench_noop_chatdb bench_noop_alembic bench_noop_dbmate; do fresh "$db"; done
CLASSROOM_SQL=$(ls sql/postgres/classroom/V*.sql | sort -t V -k 2 -n | xargs cat)
mkdir -p "$WORK/alembic/versions" "$WORK/dbmate"
cat >"$WORK/alembic/env.py" <<'PY'
from alembic import context
from sqlalchemy import create_engine

config = context.config
engine = create_engine(config.get_main_option("sqlalchemy.url"))
with engine.connect() as connection:
    context.configure(connection=connection, target_metadata=None)
    with context.begin_transaction():
        context.run_migrations()
PY
cat >"$WORK/alembic/versions/0001_classroom.py" <<PY
from alembic import op

revision = "0001"
down_revision = None
SQL = r'''$CLASSROOM_SQL'''

def upgrade():
    op.execute(SQL)
PY
cat >"$WORK/alembic.ini" <<INI
[alembic]
script_location = $WORK/alembic
sqlalchemy.url = postgresql+psycopg://$HOSTPART/bench_noop_alembic?sslmode=$SSLMODE
INI
{ echo "-- migrate:up"; echo "$CLASSROOM_SQL"; echo "-- migrate:down"; } >"$WORK/dbmate/20260101000000_classroom.sql"
DBMATE_SSLMODE=$SSLMODE
case "$SSLMODE" in prefer | allow) DBMATE_SSLMODE=require ;; esac

CHATDB_CMD="$BIN -d $BASE/bench_noop_chatdb?sslmode=$SSLMODE -s classroom migrate"
ALEMBIC_CMD="$ALEMBIC -c $WORK/alembic.ini upgrade head"
DBMATE_CMD="$DBMATE --url $BASE/bench_noop_dbmate?sslmode=$DBMATE_SSLMODE --migrations-dir $WORK/dbmate --no-dump-schema up"
PSQL_CMD="psql -X -q $BASE/bench_noop_chatdb?sslmode=$SSLMODE -c SELECT\\ 1"
# The first run of each applies the migration; the timed runs are no-ops.
$CHATDB_CMD >/dev/null
$ALEMBIC_CMD >/dev/null 2>&1
$DBMATE_CMD >/dev/null

python3 - "$RUNS" "$SSLMODE" "$DBMATE_SSLMODE" "$CHATDB_CMD" "$ALEMBIC_CMD" "$DBMATE_CMD" <<'PY'
import os, resource, shlex, statistics, subprocess, sys, time

runs, sslmode, dbmate_ssl = int(sys.argv[1]), sys.argv[2], sys.argv[3]
cmds = {
    "chatdb migrate (no-op)": shlex.split(sys.argv[4]),
    "alembic upgrade head (no-op)": shlex.split(sys.argv[5]),
    f"dbmate up (no-op, sslmode={dbmate_ssl})": shlex.split(sys.argv[6]),
    "chatdb --version (the process floor)": [shlex.split(sys.argv[4])[0], "--version"],
    "psql -c 'SELECT 1' (for scale)": ["psql", "-X", "-q", f"{os.environ.get('CHATDB_TEST_PG_URL', 'postgres://postgres@127.0.0.1:5432/postgres').rsplit('/', 1)[0]}/bench_noop_chatdb?sslmode={sslmode}", "-c", "SELECT 1"],
}
wall = {k: [] for k in cmds}
cpu = {k: [] for k in cmds}

def once(name, argv, record):
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    subprocess.run(argv, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    t = time.perf_counter() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if record:
        wall[name].append(t * 1000)
        cpu[name].append((after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime) * 1000)

for _ in range(3):
    for name, argv in cmds.items():
        once(name, argv, False)
for _ in range(runs):
    for name, argv in cmds.items():
        once(name, argv, True)
print(f"no-op migrate (sslmode={sslmode}), {runs} runs each, interleaved, after 3 warm-ups; load average {open('/proc/loadavg').read().split()[0]}:")
for name in cmds:
    w = wall[name]
    print(f"  {name:<44} median {statistics.median(w):7.1f} ms  (min {min(w):6.1f}, max {max(w):6.1f}; "
          f"CPU user+sys median {statistics.median(cpu[name]):6.1f} ms)")
PY
