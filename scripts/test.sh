#!/usr/bin/env bash
# The whole test suite: lint, type check, then pytest on SQLite and on a throwaway PostgreSQL
# (the two at once).
# Installs the Debian packages it needs (PostgreSQL server, Chromium) when they are missing.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/apt.sh
BIN=.venv/bin
export PATH="$PWD/$BIN:$PATH"

apt_install postgresql-15=15.20-0+deb12u1 chromium=156.0.8078.79-1~deb12u1 \
  libpango-1.0-0 libpangoft2-1.0-0

echo "== ruff"
ruff check .
ruff format --check .
echo "== mypy"
mypy heatwatch
echo "== import direction (import-linter, pyproject.toml)"
lint-imports --no-cache pyproject.toml

# The two suites run side by side (one per core), each with its own var directory (secrets,
# media, static) so that neither sees the other's files; their output goes to var/pytest-*.log
# and is printed when both are done.
PYTEST_ARGS=("$@")
mkdir -p var
start_suite() {
  local name=$1; shift
  echo "== pytest on $name (log: var/pytest-$name.log)"
  env HEATWATCH_VAR_DIR="$PWD/var/test-$name" "$@" pytest -q "${PYTEST_ARGS[@]}" \
    >"var/pytest-$name.log" 2>&1 &
  pids[$name]=$!
}
summary() {
  grep -E '^[0-9]+ (passed|failed)|^=+ .*(passed|failed|error)' "var/pytest-$1.log" | tail -n 1 | tr -d '=' | xargs
}

declare -A pids results
scripts/pg.sh start
trap 'scripts/pg.sh stop' EXIT
start_suite sqlite DATABASE_URL="sqlite:///:memory:"
start_suite postgresql DATABASE_URL="postgres://postgres@127.0.0.1:${PGPORT:-54329}/heatwatch"

status=0
for name in sqlite postgresql; do
  set +e
  wait "${pids[$name]}"
  rc=$?
  set -e
  echo
  echo "== pytest on $name: exit $rc"
  cat "var/pytest-$name.log"
  results[$name]="$(summary "$name") (exit $rc)"
  [ "$rc" = 0 ] || status=1
done

echo
echo "== summary"
echo "SQLite:     ${results[sqlite]}"
echo "PostgreSQL: ${results[postgresql]}"
exit $status
