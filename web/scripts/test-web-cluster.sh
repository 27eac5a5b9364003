#!/usr/bin/env bash
# Runs the browser tests against two server nodes behind nginx, configured as in
# deploy/nginx/palaver.conf (upstream keep-alive, WebSocket upgrades on /api/ws, round robin,
# no sticky sessions) but over plain HTTP on a loopback port: one PostgreSQL database (a fresh
# one, dropped afterwards) and one Redis or NATS bus. The TLS side is make test-deploy's.
# Needs nginx, psql, PALAVER_TEST_POSTGRES_URL and PALAVER_TEST_REDIS_URL (or _NATS_URL).
# Extra arguments go to `playwright test`.
set -euo pipefail
cd "$(dirname "$0")/.."
server="$(realpath "${PALAVER_SERVER_BIN:-../target/debug/palaver-server}")"
postgres="${PALAVER_TEST_POSTGRES_URL:?set PALAVER_TEST_POSTGRES_URL}"
bus="${PALAVER_TEST_REDIS_URL:-${PALAVER_TEST_NATS_URL:?set PALAVER_TEST_REDIS_URL or PALAVER_TEST_NATS_URL}}"
nginx="$(command -v nginx || echo /usr/sbin/nginx)"
[ -x "$nginx" ] || { echo "test-web-cluster: nginx is not installed" >&2; exit 1; }

free_port() { python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
data="$(mktemp -d)"
database="palaver_web_$(date +%s)_$$"
psql "$postgres" -qc "CREATE DATABASE $database"
url="${postgres%/*}/$database"
pids=()
stop() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; done
  # PALAVER_TEST_WEB_LOG=folder keeps the nodes' and nginx's logs.
  [ -z "${PALAVER_TEST_WEB_LOG:-}" ] || cp "$data"/*.log "$PALAVER_TEST_WEB_LOG"/ || true
  psql "$postgres" -qc "DROP DATABASE IF EXISTS $database WITH (FORCE)" || true
  rm -rf "$data"
}
trap stop EXIT

start_node() {
  local port=$1 migrate=$2
  PALAVER_ENV=test PALAVER__AUTH__BCRYPT_COST=4 PALAVER__AUTH__ACCESS_TTL_SECS=5 \
  PALAVER__LOG__FILTER=info PALAVER__SERVER__BIND="127.0.0.1:$port" \
  PALAVER__DATABASE__URL="$url" PALAVER__DATABASE__MIGRATE_ON_START="$migrate" \
  PALAVER__PUBSUB__URL="$bus" \
    bash -c 'cd .. && exec "$0" serve' "$server" >"$data/node-$port.log" 2>&1 &
  pids+=($!)
  for _ in $(seq 1 100); do
    curl -sf "http://127.0.0.1:$port/readyz" >/dev/null && return 0
    sleep 0.1
  done
  echo "test-web-cluster: node on $port did not start" >&2
  cat "$data/node-$port.log" >&2
  exit 1
}

first=$(free_port); start_node "$first" true
second=$(free_port); start_node "$second" false
front=$(free_port)
cat >"$data/nginx.conf" <<CONF
error_log $data/nginx-error.log;
pid $data/nginx.pid;
events {}
http {
    access_log $data/nginx-access.log;
    client_body_temp_path $data/body; proxy_temp_path $data/proxy;
    fastcgi_temp_path $data/fastcgi; uwsgi_temp_path $data/uwsgi; scgi_temp_path $data/scgi;
    upstream palaver {
        server 127.0.0.1:$first max_fails=3 fail_timeout=10s;
        server 127.0.0.1:$second max_fails=3 fail_timeout=10s;
        keepalive 32;
    }
    map \$http_upgrade \$palaver_connection { default upgrade; '' ''; }
    server {
        listen 127.0.0.1:$front;
        proxy_http_version 1.1;
        proxy_set_header Host \$host;
        proxy_set_header X-Forwarded-For \$proxy_add_x_forwarded_for;
        proxy_next_upstream error timeout http_502 http_503;
        location / {
            proxy_pass http://palaver;
            proxy_set_header Connection "";
        }
        location = /api/ws {
            proxy_pass http://palaver;
            proxy_set_header Upgrade \$http_upgrade;
            proxy_set_header Connection \$palaver_connection;
            proxy_read_timeout 1h;
            proxy_send_timeout 1h;
            proxy_buffering off;
        }
    }
}
CONF
"$nginx" -p "$data" -c "$data/nginx.conf" -g 'daemon off;' &
pids+=($!)
for _ in $(seq 1 50); do curl -sf "http://127.0.0.1:$front/readyz" >/dev/null && break; sleep 0.1; done

status=0
PALAVER_WEB_URL="http://127.0.0.1:$front" npx playwright test "$@" || status=$?
# Both nodes must have served the browsers, or the test proved nothing about two nodes.
for port in "$first" "$second"; do
  sockets=$(grep -cE 'path=/api/ws[ }].*status=101' "$data/node-$port.log" || true)
  echo "test-web-cluster: node $port served $sockets WebSocket(s)"
  [ "$sockets" -gt 0 ] || status=1
done
[ "$status" -eq 0 ] || tail -n 30 "$data"/node-*.log >&2
exit "$status"
