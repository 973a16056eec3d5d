#!/bin/sh
# Catalog queries `check` reads a namespace with, before and after a change, side by side: the
# query text of $BASE (default: main) and of the working tree, each run by pgbench on the same
# migrated focusmate database, interleaved over $ROUNDS rounds. $QUERIES names the constants of
# src/db/postgres/introspect.rs to run, in one pgbench transaction (default: INDEXES, the index
# query before and after the per-key-column operator class and collation arrays); a constant
# $BASE lacks is left out of its side. Results: BENCHMARKS.md ("check: the index catalog
# query", "check: the whole-schema catalog queries").
#
#   benches/check_index_query.sh            # from the repository root, PostgreSQL running
#   QUERIES="TABLES CHECKS FOREIGN_KEYS SEQUENCES EXTENSIONS" benches/check_index_query.sh
#
# Needs psql, pgbench and a built chatdb ($B, default target/debug/chatdb: the binary only
# migrates the database here; the query's time does not depend on the build).
set -eu
ADMIN=${ADMIN:-postgres://postgres@127.0.0.1:5432/postgres}
DB=${DB:-chatdb_bench_index_query}
PG=${ADMIN%/*}/$DB
B=${B:-$PWD/target/debug/chatdb}
BASE=${BASE:-main}
ROUNDS=${ROUNDS:-3}
TX=${TX:-300}
QUERIES=${QUERIES:-INDEXES}
work=$(mktemp -d)
trap 'rm -rf "$work"; psql -q "$ADMIN" -c "DROP DATABASE IF EXISTS $DB" >/dev/null' EXIT

# The constants $QUERIES of src/db/postgres/introspect.rs (on stdin), one statement a line,
# with the namespace and the history prefix ($1, $2) as literals (pgbench scripts take no
# bind parameters).
extract() {
    src=$(cat)
    for q in $QUERIES; do
        printf '%s\n' "$src" | sed -n "/^const $q: &str = \"/,/\";\$/p" |
            sed "1s/^const $q: &str = \"//; \$s/\";\$/;/" |
            sed "s/\\\$1/'public'/g; s/\\\$2/'chatdb_history_'/g" |
            tr '\n' ' '
        echo
    done | grep -v '^ *$' || true
}
git show "$BASE:src/db/postgres/introspect.rs" | extract >"$work/before.sql"
extract <src/db/postgres/introspect.rs >"$work/after.sql"

psql -q "$ADMIN" -c "DROP DATABASE IF EXISTS $DB" -c "CREATE DATABASE $DB" >/dev/null
(cd "$work" && "$B" -s focusmate -d "$PG" migrate --quiet)
echo "indexes in the namespace: $(psql -At "$PG" -c "SELECT count(*) FROM pg_indexes WHERE schemaname = 'public'")"
for round in $(seq "$ROUNDS"); do
    for side in before after; do
        # As chatdb runs it: JIT off (introspect.rs sets it for the catalog reads). The
        # per-transaction log (-l) gives each run's latency in microseconds (3rd field).
        rm -f "$work"/log.*
        (cd "$work" && PGOPTIONS='-c jit=off' pgbench -n -l --log-prefix=log -t "$TX" \
            -f "$work/$side.sql" "$PG" >/dev/null 2>&1)
        cat "$work"/log.* | awk '{print $3 / 1000}' | sort -n >>"$work/$side.ms"
        cat "$work"/log.* | awk '{print $3 / 1000}' | sort -n |
            awk -v r="$round" -v s="$side" '{v[NR] = $1}
                END {printf "round %s %-6s min %.1f ms, median %.1f ms (%d runs)\n", r, s, v[1], v[int((NR + 1) / 2)], NR}'
    done
done
for side in before after; do
    sort -n "$work/$side.ms" | awk -v s="$side" '{v[NR] = $1}
        END {printf "all    %-6s min %.1f ms, median %.1f ms (%d runs)\n", s, v[1], v[int((NR + 1) / 2)], NR}'
done
