#!/usr/bin/env bash
# CI: end-to-end check with Microsoft's Graph SDK for Go (e2e/sdkcheck). Builds bestow,
# starts it with demo data on a throwaway SQLite database and a free local port, creates a
# token for the demo Global Administrator, runs the check against it (passing the binary and
# database so that the check can mint tokens for the users it creates), and exits with the
# check's status. On failure it prints the end of the server log.
set -euo pipefail
cd "$(dirname "$0")/.."
export GOFLAGS="${GOFLAGS:+$GOFLAGS }-p=1"

tmp=$(mktemp -d)
server_pid=""
cleanup() {
  if [ -n "$server_pid" ] && kill -0 "$server_pid" 2>/dev/null; then
    kill "$server_pid" 2>/dev/null || true
    wait "$server_pid" 2>/dev/null || true
  fi
  rm -rf "$tmp"
}
trap cleanup EXIT

echo "sdkcheck: building bestow"
go build -o "$tmp/bestow" ./cmd/bestow

# A port in 18000-18999 that nothing listens on yet.
port=""
for _ in $(seq 1 50); do
  candidate=$((18000 + RANDOM % 1000))
  if ! (exec 3<>"/dev/tcp/127.0.0.1/$candidate") 2>/dev/null; then
    port=$candidate
    break
  fi
done
[ -n "$port" ] || { echo "sdkcheck: no free port found in 18000-18999"; exit 1; }
base="http://127.0.0.1:$port"

"$tmp/bestow" serve --demo --db "$tmp/sdk.db" --addr "127.0.0.1:$port" >"$tmp/server.log" 2>&1 &
server_pid=$!

echo "sdkcheck: waiting for $base/healthz"
ready=""
for _ in $(seq 1 60); do
  if [ "$(curl -s -o /dev/null -w '%{http_code}' "$base/healthz" || true)" = 200 ]; then
    ready=1
    break
  fi
  kill -0 "$server_pid" 2>/dev/null || break
  sleep 0.5
done
if [ -z "$ready" ]; then
  echo "sdkcheck: the server did not answer 200 on /healthz within 30 s; server log:"
  tail -n 50 "$tmp/server.log"
  exit 1
fi

token=$("$tmp/bestow" token create --db "$tmp/sdk.db" --user admin@bestow.example | tail -1)

status=0
# -bestow and -db let the check mint tokens ('bestow token create') for the users its request
# lifecycle steps create through the API, while the server keeps running.
(cd e2e/sdkcheck && go run . -base "$base/v1.0" -token "$token" -bestow "$tmp/bestow" -db "$tmp/sdk.db") || status=$?
if [ "$status" -ne 0 ]; then
  echo "sdkcheck: FAILED (exit status $status); last 50 lines of the server log:"
  tail -n 50 "$tmp/server.log"
fi
exit "$status"
