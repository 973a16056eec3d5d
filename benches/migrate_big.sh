#!/usr/bin/env bash
# Benchmark: one SQLite migration of N statements through `chatdb migrate`, against the
# sqlite3 shell running the same statements in one transaction (`BEGIN; ...; COMMIT;`).
#
#   benches/migrate_big.sh [STATEMENTS] [ROUNDS]      (defaults: 200000 statements, 3 rounds)
#
# The migration is one CREATE TABLE and STATEMENTS-1 single-row INSERTs (about 50 bytes
# each). Applying it must be linear in its size: issue 11 measured 60 s against the shell's
# 0.57 s, because SQLite copied the rest of the file for every statement.
set -euo pipefail
cd "$(dirname "$0")/.."
N=${1:-200000}
ROUNDS=${2:-3}
cargo build --release --quiet
BIN=$PWD/target/release/chatdb
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
mkdir -p "$WORK/sql/sqlite/big" "$WORK/sql/postgres/big" "$WORK/schemas"
python3 - "$N" "$WORK" <<'PY'
import sys
n, work = int(sys.argv[1]), sys.argv[2]
lines = ["CREATE TABLE t (id INTEGER PRIMARY KEY, a TEXT, b INTEGER);"]
lines += ["INSERT INTO t (a, b) VALUES ('row %d', %d);" % (i, i) for i in range(n - 1)]
body = "\n".join(lines) + "\n"
for d in ("sqlite", "postgres"):
    open(f"{work}/sql/{d}/big/V1__big.sql", "w").write(body)
open(f"{work}/shell.sql", "w").write("BEGIN;\n" + body + "COMMIT;\n")
open(f"{work}/schemas/big.toml", "w").write('description = "benchmark"\n')
PY
ms() { python3 -c 'import sys,time; print(int((time.time()-float(sys.argv[1]))*1000))' "$1"; }
for r in $(seq 1 "$ROUNDS"); do
  rm -f "$WORK"/*.db
  t=$(date +%s.%N); sqlite3 "$WORK/shell.db" < "$WORK/shell.sql"; shell=$(ms "$t")
  t=$(date +%s.%N)
  (cd "$WORK" && "$BIN" -d "sqlite://$WORK/chatdb.db" -s big --schema-dir . migrate >/dev/null)
  chatdb=$(ms "$t")
  echo "round $r: $N statements: chatdb migrate ${chatdb} ms, sqlite3 shell ${shell} ms"
done
