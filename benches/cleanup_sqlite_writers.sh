#!/usr/bin/env bash
# Benchmark: how long an application's SQLite writes wait while `chatdb cleanup` runs.
#
#   benches/cleanup_sqlite_writers.sh [EXPIRED_ROWS] [BATCH] [JOURNAL]
#                                      (defaults: 1000000 5000 delete)
#
# A SQLite file with the assistant schema gets EXPIRED_ROWS messages older than 400 days.
# An application process (Python's sqlite3, busy timeout 5 s, like an application would set)
# then writes throughout: one short transaction (`BEGIN IMMEDIATE`, one INSERT, `COMMIT`)
# every 5 ms. First alone for 3 s (the baseline: what a write costs here with nobody else),
# then while `chatdb cleanup --older-than 30d --batch-size BATCH` deletes every expired row.
# Each write's wall time, lock wait included, is recorded. Prints, for both phases: writes,
# failures ("database is locked"), p50, p99 and the longest write; and the cleanup's own
# time and longest batch. The target (issue 11): no application write waits more than
# 250 ms on cleanup's account.
# JOURNAL is the file's journal_mode (delete, the SQLite default, or wal).
set -euo pipefail
cd "$(dirname "$0")/.."
ROWS=${1:-1000000}
BATCH=${2:-5000}
JOURNAL=${3:-delete}
# CHATDB_BIN: another build to measure (side by side with this one, say); default: this tree's.
if [ -z "${CHATDB_BIN:-}" ]; then cargo build --release --quiet; fi
BIN=${CHATDB_BIN:-$PWD/target/release/chatdb}
WORK=$(mktemp -d /tmp/chatdb-bench-sqlite-writers.XXXXXX)
trap 'rm -rf "$WORK"' EXIT
DB=$WORK/app.sqlite3

$BIN -d "sqlite://$DB" -s assistant migrate >/dev/null
python3 - "$DB" "$ROWS" "$JOURNAL" <<'EOF'
import sqlite3, sys
db, rows, journal = sys.argv[1], int(sys.argv[2]), sys.argv[3]
c = sqlite3.connect(db)
c.execute(f"PRAGMA journal_mode = {journal}")
c.execute("INSERT INTO \"user\" (id, email) VALUES ('f0000000-0000-4000-8000-000000000001', 'a@x')")
c.execute("INSERT INTO conversations (id, user_id) VALUES ('f1000000-0000-4000-8000-000000000001', 'f0000000-0000-4000-8000-000000000001')")
c.execute(f"""INSERT INTO messages (conversation_id, role, content, created_at)
  WITH RECURSIVE g(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM g WHERE n < {rows})
  SELECT 'f1000000-0000-4000-8000-000000000001', 'user', printf('%0120d', n),
         datetime('now', '-400 days', printf('-%d seconds', n)) FROM g""")
c.commit()
c.execute("ANALYZE")
c.close()
EOF

cat >"$WORK/writer.py" <<'EOF'
# The application: one short write every 5 ms until the stop file appears (or for N s).
import os, sqlite3, sys, time, json
db, stop, seconds = sys.argv[1], sys.argv[2], float(sys.argv[3])
c = sqlite3.connect(db, timeout=5.0, isolation_level=None)
waits, parts, failures, i = [], [], 0, 0
end = time.monotonic() + seconds if seconds > 0 else None
while not os.path.exists(stop) and (end is None or time.monotonic() < end):
    t0 = time.monotonic()
    try:
        c.execute("BEGIN IMMEDIATE")
        t1 = time.monotonic()
        c.execute("INSERT INTO messages (conversation_id, role, content) VALUES ('f1000000-0000-4000-8000-000000000001', 'user', ?)", (f"app {i}",))
        t2 = time.monotonic()
        c.execute("COMMIT")
        t3 = time.monotonic()
        waits.append((t3 - t0) * 1000)
        parts.append(((t3 - t0) * 1000, (t1 - t0) * 1000, (t2 - t1) * 1000, (t3 - t2) * 1000))
    except sqlite3.OperationalError:
        failures += 1
        try:
            c.execute("ROLLBACK")
        except sqlite3.OperationalError:
            pass
    i += 1
    time.sleep(0.005)
waits.sort()
pick = lambda q: waits[min(len(waits) - 1, int(q * len(waits)))] if waits else 0
print(json.dumps({"writes": len(waits), "failures": failures, "p50_ms": round(pick(0.5), 1),
                  "p99_ms": round(pick(0.99), 1), "max_ms": round(waits[-1] if waits else 0, 1),
                  # The longest write's parts: waiting for the lock (BEGIN IMMEDIATE), the
                  # INSERT, and the COMMIT (its journal and fsyncs).
                  "longest_ms": dict(zip(["total", "begin", "insert", "commit"],
                                         [round(x, 1) for x in max(parts)] if parts else [])),
                  "commits_over_50ms": sum(1 for p in parts if p[3] > 50)}))
EOF

echo "baseline (application alone, 3 s):"
python3 "$WORK/writer.py" "$DB" "$WORK/stop" 3

python3 "$WORK/writer.py" "$DB" "$WORK/stop" 0 >"$WORK/during.json" &
WRITER=$!
sleep 0.5
t0=$(date +%s%3N)
$BIN -d "sqlite://$DB" -s assistant cleanup --older-than 30d --batch-size "$BATCH" \
  --format json >"$WORK/cleanup.json"
t1=$(date +%s%3N)
touch "$WORK/stop"
wait $WRITER
echo "during cleanup of $ROWS rows (batch $BATCH, journal $JOURNAL):"
cat "$WORK/during.json"
python3 - "$WORK/cleanup.json" $((t1 - t0)) <<'EOF'
import json, sys
r = json.load(open(sys.argv[1]))["policies"][0]
print(f"cleanup: {r['rows']} rows in {sys.argv[2]} ms, {r['batches']} batches, "
      f"longest batch {r['longest_batch_ms']} ms, expired left {r['remaining_rows']}")
EOF
