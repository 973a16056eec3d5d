#!/usr/bin/env bash
# Benchmark: `chatdb cleanup` on SQLite against one plain DELETE of the same rows, side by side.
#
#   benches/cleanup_sqlite.sh [TOTAL_ROWS] [ROUNDS] [JOURNAL]   (defaults: 2000000 2 delete)
#
# One SQLite file with the assistant schema gets TOTAL_ROWS messages (120-byte content),
# every other one 400+ days old, and is ANALYZEd; each round copies it twice, then deletes
# the old half once with `chatdb cleanup --older-than 30d` (batches sized by time, a pause
# after each for the application's writers) and once with the sqlite3 shell's
# `DELETE FROM messages WHERE created_at < datetime('now', '-30 days')` (foreign keys on,
# as chatdb has them), alternating which goes first. Nobody else writes: this is the
# throughput; `benches/cleanup_sqlite_writers.sh` measures what writers wait meanwhile.
# JOURNAL is the file's journal_mode (delete, the SQLite default, or wal).
set -euo pipefail
cd "$(dirname "$0")/.."
TOTAL=${1:-2000000}
ROUNDS=${2:-2}
JOURNAL=${3:-delete}
# CHATDB_BIN: another build to measure (side by side with this one, say); default: this tree's.
if [ -z "${CHATDB_BIN:-}" ]; then cargo build --release --quiet; fi
BIN=${CHATDB_BIN:-$PWD/target/release/chatdb}
WORK=$(mktemp -d /tmp/chatdb-bench-sqlite.XXXXXX)
trap 'rm -rf "$WORK"' EXIT
SEED=$WORK/seed.sqlite3

$BIN -d "sqlite://$SEED" -s assistant migrate >/dev/null
sqlite3 "$SEED" <<SQL >/dev/null
PRAGMA journal_mode = $JOURNAL;
INSERT INTO "user" (id, email) VALUES ('f0000000-0000-4000-8000-000000000001', 'a@x');
WITH RECURSIVE g(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM g WHERE n < 1000)
INSERT INTO conversations (id, user_id)
SELECT 'f1000000-0000-4000-8000-' || printf('%012d', n), 'f0000000-0000-4000-8000-000000000001' FROM g;
WITH RECURSIVE g(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM g WHERE n < $TOTAL)
INSERT INTO messages (conversation_id, role, content, created_at)
SELECT 'f1000000-0000-4000-8000-' || printf('%012d', 1 + n % 1000), 'user', printf('%0120d', n),
       CASE WHEN n % 2 = 0 THEN datetime('now', '-400 days', printf('-%d seconds', n))
            ELSE datetime('now', printf('-%d seconds', n % 86400)) END
FROM g;
ANALYZE;
SQL

now_ms() { date +%s%3N; }

for round in $(seq 1 "$ROUNDS"); do
  cp "$SEED" "$WORK/a.sqlite3"
  cp "$SEED" "$WORK/b.sqlite3"
  expired=$(sqlite3 "$WORK/a.sqlite3" "SELECT count(*) FROM messages WHERE created_at < datetime('now', '-30 days')")
  run_chatdb() {
    local t0 t1
    t0=$(now_ms)
    /usr/bin/time -f "%M" -o "$WORK/rss" $BIN -d "sqlite://$WORK/a.sqlite3" -s assistant cleanup --older-than 30d --format json >"$WORK/cleanup.json"
    t1=$(now_ms)
    chatdb_ms=$((t1 - t0))
  }
  run_plain() {
    local t0 t1
    t0=$(now_ms)
    sqlite3 "$WORK/b.sqlite3" "PRAGMA foreign_keys = ON; DELETE FROM messages WHERE created_at < datetime('now', '-30 days')"
    t1=$(now_ms)
    plain_ms=$((t1 - t0))
  }
  if [ $((round % 2)) -eq 1 ]; then run_chatdb; run_plain; else run_plain; run_chatdb; fi
  left=$(sqlite3 "$WORK/a.sqlite3" "SELECT count(*) FROM messages")
  python3 - "$WORK/cleanup.json" "$expired" "$chatdb_ms" "$plain_ms" "$(cat "$WORK/rss")" "$round" "$left" <<'PY'
import json, sys
p = json.load(open(sys.argv[1]))["policies"][0]
rows, c, pl, rss, rnd, left = map(int, sys.argv[2:])
print(f"round {rnd}: {rows} expired rows ({left} rows left); chatdb {c} ms ({rows*1000//max(c,1)} rows/s, "
      f"{p['batches']} batches, longest {p['longest_batch_ms']} ms, peak RSS {rss} KiB); "
      f"plain DELETE {pl} ms ({rows*1000//max(pl,1)} rows/s); ratio {pl/max(c,1):.2f}x")
PY
done
