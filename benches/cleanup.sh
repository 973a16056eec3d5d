#!/usr/bin/env bash
# Benchmark: `chatdb cleanup` against one plain DELETE of the same rows, side by side.
#
#   benches/cleanup.sh [TOTAL_ROWS] [ROUNDS]      (defaults: 2000000 rows, 2 rounds)
#
# One template database is built (assistant schema, TOTAL_ROWS messages, half of them 400+
# days old, VACUUM ANALYZEd); each round clones it twice (CREATE DATABASE ... TEMPLATE: the
# same pages, the same statistics), then deletes the old half once with
# `chatdb cleanup --older-than 30d` (batches of 5,000) and once with
# `DELETE FROM messages WHERE created_at < now() - interval '30 days'`, alternating which
# goes first. Prints rows/s for both, their ratio, chatdb's longest batch and peak RSS.
set -euo pipefail
cd "$(dirname "$0")/.."
TOTAL=${1:-2000000}
ROUNDS=${2:-2}
ADMIN=${CHATDB_TEST_PG_URL:-postgres://postgres@127.0.0.1:5432/postgres}
BASE=${ADMIN%/*}
cargo build --release --quiet
BIN=target/release/chatdb

setup() { # $1 = database name
  psql -q "$ADMIN" -c "DROP DATABASE IF EXISTS $1" -c "CREATE DATABASE $1"
  $BIN -d "$BASE/$1" -s assistant migrate >/dev/null
  psql -q "$BASE/$1" <<SQL
INSERT INTO "user" (id, email) VALUES ('f0000000-0000-4000-8000-000000000001', 'a@x');
INSERT INTO conversations (id, user_id) SELECT ('f1000000-0000-4000-8000-' || lpad(g::text, 12, '0')), 'f0000000-0000-4000-8000-000000000001' FROM generate_series(1, 1000) g;
INSERT INTO messages (conversation_id, role, content, created_at)
SELECT ('f1000000-0000-4000-8000-' || lpad((1 + g % 1000)::text, 12, '0')), 'user', repeat('x', 120),
       CASE WHEN g % 2 = 0 THEN now() - interval '400 days' - make_interval(secs => g) ELSE now() - make_interval(secs => g % 86400) END
FROM generate_series(1, $TOTAL) g;
VACUUM ANALYZE;
SQL
}

now_ms() { date +%s%3N; }

clone() { # $1 = database name
  psql -q "$ADMIN" -c "DROP DATABASE IF EXISTS $1" -c "CREATE DATABASE $1 TEMPLATE bench_cleanup_t"
}

setup bench_cleanup_t
for round in $(seq 1 "$ROUNDS"); do
  clone bench_cleanup_a
  clone bench_cleanup_b
  expired=$(psql -At "$BASE/bench_cleanup_a" -c "SELECT count(*) FROM messages WHERE created_at < now() - interval '30 days'")
  # Each side starts from a clean checkpoint, so neither pays for the other's dirty pages.
  run_chatdb() {
    local t0 t1
    psql -q "$BASE/$1" -c CHECKPOINT
    t0=$(now_ms)
    /usr/bin/time -f "%M" -o /tmp/chatdb_rss $BIN -d "$BASE/$1" -s assistant cleanup --older-than 30d --format json > /tmp/chatdb_cleanup.json
    t1=$(now_ms)
    chatdb_ms=$((t1 - t0))
  }
  run_plain() {
    local t0 t1
    psql -q "$BASE/$1" -c CHECKPOINT
    t0=$(now_ms)
    psql -q "$BASE/$1" -c "DELETE FROM messages WHERE created_at < now() - interval '30 days'"
    t1=$(now_ms)
    plain_ms=$((t1 - t0))
  }
  if [ $((round % 2)) -eq 1 ]; then run_chatdb bench_cleanup_a; run_plain bench_cleanup_b; else run_plain bench_cleanup_b; run_chatdb bench_cleanup_a; fi
  longest=$(python3 -c "import json; print(json.load(open('/tmp/chatdb_cleanup.json'))['policies'][0]['longest_batch_ms'])")
  batches=$(python3 -c "import json; print(json.load(open('/tmp/chatdb_cleanup.json'))['policies'][0]['batches'])")
  python3 - "$expired" "$chatdb_ms" "$plain_ms" "$longest" "$batches" "$(cat /tmp/chatdb_rss)" "$round" <<'PY'
import sys
rows, c, p, longest, batches, rss, rnd = map(int, sys.argv[1:])
print(f"round {rnd}: {rows} expired rows; chatdb {c} ms ({rows*1000//max(c,1)} rows/s, {batches} batches, longest {longest} ms, peak RSS {rss} KiB); "
      f"plain DELETE {p} ms ({rows*1000//max(p,1)} rows/s); ratio {p/max(c,1):.2f}x")
PY
done
psql -q "$ADMIN" -c "DROP DATABASE IF EXISTS bench_cleanup_a" -c "DROP DATABASE IF EXISTS bench_cleanup_b" \
  -c "DROP DATABASE IF EXISTS bench_cleanup_t"
