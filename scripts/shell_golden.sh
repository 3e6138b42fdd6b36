#!/usr/bin/env bash
# Writes the golden outputs the shell's tests compare boundlite against
# (std-shim/tests/golden/*.out and *.err) by running the real sqlite3 on
# each case: a fresh database built by golden/setup.sql, then
# golden/cases/NAME.sql piped in, with the options in NAME.args (one a
# line), run in golden/cases (where the CSV files are).
#
# The outputs are sqlite3 3.40.1's (Debian 12's); golden/VERSION records
# the version that wrote them. Run it again after changing a case:
#   scripts/shell_golden.sh [path/to/sqlite3]
set -euo pipefail
cd "$(dirname "$0")/../std-shim/tests/golden"
sqlite3=${1:-sqlite3}
"$sqlite3" -version | cut -d' ' -f1 > VERSION
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
for case in cases/*.sql; do
  name=$(basename "$case" .sql)
  rm -f "$work"/db*
  HOME=$work "$sqlite3" "$work/db" < setup.sql
  args=()
  if [[ -f cases/$name.args ]]; then
    mapfile -t args < "cases/$name.args"
  fi
  (cd cases && HOME=$work "$sqlite3" "${args[@]}" "$work/db" < "$name.sql" > "../$name.out" 2> "../$name.err" || true)
done
echo "golden outputs written by sqlite3 $(cat VERSION)"
