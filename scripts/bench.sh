#!/usr/bin/env bash
# make bench: Palaver on SQLite and on PostgreSQL against a bare tokio-tungstenite broadcast
# server (palaver-baseline), side by side on this machine. Release builds; one fresh server
# per run, pinned to core 0, the load generator pinned to core 1. Writes the table, with
# each figure's ratio to the baseline's, into docs/benchmarks.md between the BENCH markers.
#
#   PALAVER_BENCH_POSTGRES_ADMIN_URL  where to (re)create the bench database
#                                     (default postgres://postgres@127.0.0.1:5432/postgres)
#   PALAVER_BENCH_TARGETS             which servers (default "baseline sqlite postgres")
#   PALAVER_BENCH_DURATION            seconds measured per run (default 10)
#   PALAVER_BENCH_SCENARIOS           which scenarios (default "saturation fixed idle")
#   PALAVER_BENCH_DOCS                0: print the table without writing docs/benchmarks.md
#
# Targets sqlite-notify-off and postgres-notify-off run Palaver with
# PALAVER__NOTIFICATIONS__ENABLED=false, to compare the send path with the notification
# pipeline on and off in one run:
#   PALAVER_BENCH_TARGETS="sqlite sqlite-notify-off" PALAVER_BENCH_SCENARIOS=saturation \
#       PALAVER_BENCH_DOCS=0 scripts/bench.sh
set -euo pipefail
cd "$(dirname "$0")/.."

TARGET_DIR=${CARGO_TARGET_DIR:-target}
ADMIN_URL=${PALAVER_BENCH_POSTGRES_ADMIN_URL:-postgres://postgres@127.0.0.1:5432/postgres}
TARGETS=${PALAVER_BENCH_TARGETS:-baseline sqlite postgres}
DURATION=${PALAVER_BENCH_DURATION:-10}
SCENARIOS=${PALAVER_BENCH_SCENARIOS:-saturation fixed idle}
PORT=18080
WORK=$(mktemp -d)
trap 'if [ -n "${SERVER:-}" ]; then kill "$SERVER" 2>/dev/null || true; fi; rm -rf "$WORK"' EXIT

# 10,000 idle sockets on each side need more than the default 1024 open files.
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
[ "$(ulimit -n)" -ge 20000 ] || echo "== warning: ulimit -n is $(ulimit -n); the idle run needs 20000"

cargo build --release -p palaver-server -p palaver-loadgen
BIN=$TARGET_DIR/release

start_server() { # target
    case "$1" in
    baseline)
        taskset -c 0 "$BIN/palaver-baseline" "127.0.0.1:$PORT" >"$WORK/server.log" 2>&1 &
        SERVER=$!
        ;;
    sqlite | postgres | sqlite-notify-off | postgres-notify-off)
        local url notifications=true
        [ "${1%-notify-off}" = "$1" ] || notifications=false
        if [ "${1%-notify-off}" = sqlite ]; then
            rm -f "$WORK"/bench.db*
            url="sqlite://$WORK/bench.db?mode=rwc"
        else
            psql -q "$ADMIN_URL" -c 'DROP DATABASE IF EXISTS palaver_bench' \
                -c 'CREATE DATABASE palaver_bench' >/dev/null
            url="${ADMIN_URL%/*}/palaver_bench"
        fi
        PALAVER_ENV=development PALAVER__SERVER__BIND="127.0.0.1:$PORT" \
            PALAVER__DATABASE__URL="$url" PALAVER__DATABASE__MAX_CONNECTIONS=16 \
            PALAVER__LOG__FILTER=warn PALAVER__AUTH__BCRYPT_COST=4 \
            PALAVER__LIMITS__SENDS_PER_SECOND=1000000 PALAVER__LIMITS__SEND_BURST=1000000 \
            PALAVER__NOTIFICATIONS__ENABLED="$notifications" \
            taskset -c 0 "$BIN/palaver-server" serve >"$WORK/server.log" 2>&1 &
        SERVER=$!
        ;;
    esac
    for _ in $(seq 100); do
        if (echo >"/dev/tcp/127.0.0.1/$PORT") 2>/dev/null; then return 0; fi
        sleep 0.1
    done
    echo "the $1 server did not start:" >&2
    cat "$WORK/server.log" >&2
    exit 1
}

run() { # target scenario
    local target=$1 scenario=$2 args=()
    case "$scenario" in
    saturation) args=(--rooms 10 --members 100 --senders 1 --in-flight 64 --duration "$DURATION") ;;
    fixed) args=(--rooms 10 --members 100 --senders 1 --in-flight 1000 --rate 400 --duration "$DURATION") ;;
    idle) args=(--rooms 100 --members 100 --senders 0 --duration 1 --warmup 0 --drain 0) ;;
    esac
    [ "$target" = baseline ] && args+=(--baseline)
    start_server "$target"
    echo "== $target, $scenario" >&2
    taskset -c 1 "$BIN/palaver-loadgen" --url "http://127.0.0.1:$PORT" --server-pid "$SERVER" \
        --setup-concurrency 64 "${args[@]}" | tee "$WORK/$target-$scenario.txt" >&2
    kill "$SERVER"
    wait "$SERVER" 2>/dev/null || true
    SERVER=
    grep '^BENCH ' "$WORK/$target-$scenario.txt" | sed "s/^BENCH /target=$target scenario=$scenario /"
}

for target in $TARGETS; do
    for scenario in $SCENARIOS; do
        run "$target" "$scenario"
    done
done >"$WORK/results.txt"

scripts/bench-table.sh "$WORK/results.txt" >"$WORK/table.md"
cat "$WORK/table.md"
[ "${PALAVER_BENCH_DOCS:-1}" = 0 ] && exit 0
# Replace what lies between the markers in docs/benchmarks.md.
awk -v table="$WORK/table.md" '
    /<!-- BENCH:BEGIN -->/ { print; while ((getline line < table) > 0) print line; skip = 1; next }
    /<!-- BENCH:END -->/ { skip = 0 }
    !skip { print }
' docs/benchmarks.md >"$WORK/benchmarks.md"
cp "$WORK/benchmarks.md" docs/benchmarks.md
echo "== docs/benchmarks.md updated"
