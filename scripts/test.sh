#!/usr/bin/env bash
# The whole test suite: lint, type check, then pytest on SQLite and on a throwaway PostgreSQL.
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

declare -A results
run_suite() {
  local name=$1; shift
  echo "== pytest on $name"
  local log=var/pytest-$name.log
  mkdir -p var
  set +e
  env "$@" pytest -q "${PYTEST_ARGS[@]}" 2>&1 | tee "$log"
  local rc=${PIPESTATUS[0]}
  set -e
  results[$name]="$(grep -E '^[0-9]+ (passed|failed)|^=+ .*(passed|failed|error)' "$log" | tail -n 1 | tr -d '=' | xargs) (exit $rc)"
  return $rc
}
PYTEST_ARGS=("$@")

status=0
run_suite sqlite DATABASE_URL="sqlite:///:memory:" || status=1

scripts/pg.sh start
trap 'scripts/pg.sh stop' EXIT
run_suite postgresql DATABASE_URL="postgres://postgres@127.0.0.1:${PGPORT:-54329}/heatwatch" || status=1

echo
echo "== summary"
echo "SQLite:     ${results[sqlite]}"
echo "PostgreSQL: ${results[postgresql]}"
exit $status
