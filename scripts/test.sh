#!/usr/bin/env bash
# The one command that runs every check: formatting, clippy with warnings as
# errors, and all tests (domain, storage on SQLite and PostgreSQL, HTTP
# integration, browser). Without ZHIYUAN_TEST_PG it prepares a local
# PostgreSQL and Chromium first (scripts/test-deps.sh, needs root or sudo).
set -euo pipefail
cd "$(dirname "$0")/.."

if [ -z "${ZHIYUAN_TEST_PG:-}" ]; then
  bash scripts/test-deps.sh
  ZHIYUAN_TEST_PG=postgres://zhiyuan_test:zhiyuan_test@127.0.0.1:5432/postgres
fi
export ZHIYUAN_TEST_PG

cargo fmt --all -- --check
cargo clippy --workspace --all-targets --locked -- -D warnings
cargo test --workspace --locked
