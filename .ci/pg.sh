#!/usr/bin/env bash
# Starts a throwaway PostgreSQL in a temporary directory and prints its URL.
# Usage: eval "$(.ci/pg.sh)"   → exports BESTOW_TEST_POSTGRES and BESTOW_PG_DIR
set -euo pipefail
bin=/usr/lib/postgresql/15/bin
if [ ! -x "$bin/initdb" ]; then
  bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
fi
dir=$(mktemp -d /tmp/bestow-pg.XXXXXX)
chown -R postgres "$dir" 2>/dev/null || true
run() { if [ "$(id -u)" = 0 ]; then su postgres -s /bin/sh -c "$*"; else sh -c "$*"; fi; }
port=${BESTOW_PG_PORT:-$((20000 + RANDOM % 20000))}
run "$bin/initdb -D $dir/data -U postgres -A trust --no-sync" >/dev/null
run "$bin/pg_ctl -D $dir/data -o '-p $port -k $dir -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200' -l $dir/log -w start" >/dev/null
echo "export BESTOW_TEST_POSTGRES='postgres://postgres@127.0.0.1:$port/postgres?sslmode=disable'"
echo "export BESTOW_PG_DIR='$dir'"
