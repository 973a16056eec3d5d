#!/usr/bin/env bash
# Runs squawk (the PostgreSQL migration linter) over the lint corpus and prints, per example,
# what chatdb's lint says (by construction: `tests/validate.rs` asserts that each unsafe*.sql
# trips its directory's rule alone and each safe*.sql passes) and which squawk rules fire.
# Not part of the gate (it needs squawk): `npm install squawk-cli` somewhere, then
#   SQUAWK=/path/to/node_modules/.bin/squawk bash tests/squawk_compare.sh
# Squawk's timeout rules are left out (chatdb sets lock_timeout on every migration statement
# itself: `--ddl-lock-timeout`), as are its type-style rules (prefer-bigint, prefer-text...),
# which are not about locks. A file starting with `-- chatdb:no-transaction` is linted as
# squawk lints a file outside a transaction; any other with --assume-in-transaction, as chatdb
# runs it.
set -euo pipefail
SQUAWK=${SQUAWK:-squawk}
cd "$(dirname "$0")/lint_corpus"
EXCLUDE=require-lock-timeout,require-statement-timeout,require-timeout-settings,prefer-bigint-over-int,prefer-bigint-over-smallint,prefer-identity,prefer-text-field,prefer-timestamptz,ban-char-field
echo "| example | chatdb | squawk |"
echo "|---|---|---|"
for f in */*.sql; do
  case "$f" in *.sqlite.sql) continue ;; esac
  rule=${f%%/*}
  case "$(basename "$f")" in unsafe*) ours="\`$rule\`" ;; *) ours="-" ;; esac
  flags=(--exclude="$EXCLUDE" --reporter json)
  head -1 "$f" | grep -q '^-- chatdb:no-transaction' || flags+=(--assume-in-transaction)
  theirs=$("$SQUAWK" "${flags[@]}" "$f" 2>/dev/null | python3 -c '
import json, sys
text = sys.stdin.read().strip() or "[]"
names = sorted({v["rule_name"] for v in json.loads(text)})
print(", ".join("`%s`" % n for n in names) or "-")' || true)
  echo "| \`$f\` | $ours | $theirs |"
done
