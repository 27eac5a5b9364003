#!/usr/bin/env bash
# Runs the browser tests: starts the debug server on a free loopback port with a fresh SQLite
# database and config/test.toml (cheap hashing), with 5-second access tokens so that token
# refresh is exercised, runs Playwright against it with the system's Chromium, and stops the
# server whatever happens.
# Extra arguments go to `playwright test`.
set -euo pipefail
cd "$(dirname "$0")/.."
server="${PALAVER_SERVER_BIN:-../target/debug/palaver-server}"
[ -x "$server" ] || { echo "test-web: no server binary at $server (run cargo build first)" >&2; exit 1; }
server="$(realpath "$server")"

data="$(mktemp -d)"
port="$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
PALAVER_ENV=test \
PALAVER__AUTH__BCRYPT_COST=4 \
PALAVER__LOG__FILTER=info \
PALAVER__AUTH__ACCESS_TTL_SECS="${PALAVER_TEST_ACCESS_TTL_SECS:-5}" \
PALAVER__SERVER__BIND="127.0.0.1:$port" \
PALAVER__DATABASE__URL="sqlite://$data/palaver.sqlite?mode=rwc" \
  bash -c 'cd .. && exec "$0" serve' "$server" >"$data/server.log" 2>&1 &
pid=$!
stop() {
  kill "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
  # PALAVER_TEST_WEB_LOG=path keeps the server's log for a look afterwards.
  [ -z "${PALAVER_TEST_WEB_LOG:-}" ] || cp "$data/server.log" "$PALAVER_TEST_WEB_LOG"
  rm -rf "$data"
}
trap stop EXIT

for _ in $(seq 1 100); do
  if curl -sf "http://127.0.0.1:$port/readyz" >/dev/null; then break; fi
  if ! kill -0 "$pid" 2>/dev/null; then
    echo "test-web: the server exited:" >&2
    cat "$data/server.log" >&2
    exit 1
  fi
  sleep 0.1
done
curl -sf "http://127.0.0.1:$port/readyz" >/dev/null || { echo "test-web: server not ready" >&2; cat "$data/server.log" >&2; exit 1; }

PALAVER_WEB_URL="http://127.0.0.1:$port" npx playwright test "$@" || {
  status=$?
  echo "test-web: server log:" >&2
  tail -50 "$data/server.log" >&2
  exit "$status"
}
