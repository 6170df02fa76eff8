#!/usr/bin/env bash
# Makes what the tests need available on a Debian machine: a running
# PostgreSQL 15 with a role that may create test databases, Chromium with
# ChromeDriver for the browser tests, and the Chinese font (fonts-noto-cjk) the
# certificate PDFs are rendered with. The tests then reach PostgreSQL as
# postgres://zhiyuan_test:zhiyuan_test@127.0.0.1:5432/postgres.
# Safe to run again: each step first checks whether it is already done.
#
# Never run this inside `$(...)` or a pipe that someone waits on: the
# PostgreSQL server it starts lives on, so it is started with every standard
# stream on /dev/null and holds no one's pipe open.
set -euo pipefail

as_root() {
  if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi
}

if ! command -v chromedriver >/dev/null 2>&1 || ! command -v chromium >/dev/null 2>&1; then
  echo "installing chromium and chromium-driver ..."
  as_root apt-get update -qq
  DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq chromium chromium-driver
fi

if [ ! -f /usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc ]; then
  echo "installing fonts-noto-cjk ..."
  as_root apt-get update -qq
  DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq fonts-noto-cjk
fi

if ! command -v pg_ctlcluster >/dev/null 2>&1; then
  echo "installing postgresql ..."
  as_root apt-get update -qq
  DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq postgresql
fi
version=$(ls /etc/postgresql 2>/dev/null | sort -n | tail -1)
as_root pg_ctlcluster "$version" main start </dev/null >/dev/null 2>&1 || true
for _ in $(seq 1 30); do
  as_root su postgres -c "pg_isready -q" && break
  sleep 1
done
as_root su postgres -c "psql -q -tc \"SELECT 1 FROM pg_roles WHERE rolname = 'zhiyuan_test'\"" | grep -q 1 \
  || as_root su postgres -c "psql -q -c \"CREATE ROLE zhiyuan_test LOGIN CREATEDB PASSWORD 'zhiyuan_test'\""
# Tests drop their databases when they end. Those a crashed run left behind
# are named zhiyuan_test_<seconds since the epoch>_<random>: drop the ones
# older than six hours (never a run in progress); older names without the
# time, too.
now=$(date +%s)
for db in $(as_root su postgres -c "psql -At -c \"SELECT datname FROM pg_database WHERE datname LIKE 'zhiyuan_test_%'\""); do
  created=$(echo "$db" | sed -n 's/^zhiyuan_test_\([0-9]\{9,\}\)_.*$/\1/p')
  if [ -z "$created" ] || [ $((now - created)) -gt 21600 ]; then
    as_root su postgres -c "dropdb --if-exists $db" || true
  fi
done
