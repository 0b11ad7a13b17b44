#!/usr/bin/env bash
# Embedded-queue benchmark, all figures from one run on this machine:
#   (a) baseline: GET /health/live, the HTTP stack alone (Undertow, no queue)
#   (b) POST /api/v1/submit -> durably queued (listener only, SQLite group commit), 1 KiB bodies
#   (c) submit -> COMPLETED: listener + 16 workers with the sample processor, until the queue is empty
# Usage: bench/embedded.sh [seconds=15] [connections=64] [extra server options, e.g. --set queue.embedded.synchronous=normal]
# Needs: wrk (apt-get install wrk), a built distribution (mvn -q -B package -DskipTests).
set -euo pipefail
cd "$(dirname "$0")/.."
SECONDS_PER_RUN=${1:-15}
CONNECTIONS=${2:-64}
shift $(( $# > 2 ? 2 : $# ))
EXTRA=("$@")
DIST=$(ls -d distribution/target/hqm-server-*/ | head -1)
command -v wrk >/dev/null || { echo "bench: needs wrk (apt-get install wrk)" >&2; exit 1; }
[ -x "$DIST/bin/hqm-server" ] || { echo "bench: build first: mvn -q -B package -DskipTests" >&2; exit 1; }

WORK=$(mktemp -d)
PORT=18000
PID=
cleanup() { [ -n "$PID" ] && kill "$PID" 2>/dev/null && wait "$PID" 2>/dev/null; rm -rf "$WORK"; }
trap cleanup EXIT

start() { # mode, extra args...
  local mode=$1; shift
  rm -rf "$WORK/data"
  "$DIST/bin/hqm-server" "$mode" --set server.port=$PORT --set "queue.embedded.path=\"$WORK/data\"" \
    --set monitoring.log_level=WARN ${EXTRA[@]+"${EXTRA[@]}"} "$@" > "$WORK/server.log" 2>&1 &
  PID=$!
  for _ in $(seq 1 200); do
    curl -fs "http://127.0.0.1:$PORT/health/ready" >/dev/null 2>&1 && return 0
    sleep 0.1
  done
  echo "server did not start:"; cat "$WORK/server.log"; exit 1
}
stop() { kill "$PID"; wait "$PID" 2>/dev/null || true; PID=; }
metric() { curl -fs "http://127.0.0.1:$PORT/metrics" | awk -v m="$1" 'index($0, m) == 1 { print $NF; exit }'; }
rps() { awk '/Requests\/sec/ { print $2 }' "$1"; }
pct() { awk -v p="$2" '$1 == p { print $2 }' "$1"; }

echo "== (a) baseline: GET /health/live, $CONNECTIONS connections, ${SECONDS_PER_RUN}s"
start listener
wrk -t2 -c"$CONNECTIONS" -d"${SECONDS_PER_RUN}s" --latency "http://127.0.0.1:$PORT/health/live" > "$WORK/a.txt"
stop

echo "== (b) POST /api/v1/submit -> durably queued (listener only)"
start listener
wrk -t2 -c"$CONNECTIONS" -d"${SECONDS_PER_RUN}s" --latency -s bench/submit.lua "http://127.0.0.1:$PORT" > "$WORK/b.txt"
stop

echo "== (c) submit -> COMPLETED, worker.count=16"
start all --set worker.count=16
t0=$(date +%s.%N)
wrk -t2 -c"$CONNECTIONS" -d"${SECONDS_PER_RUN}s" -s bench/submit.lua "http://127.0.0.1:$PORT" > "$WORK/c.txt"
while :; do
  depth=$(metric 'openhqm_queue_depth{queue="openhqm-requests"}')
  [ "${depth%.*}" = "0" ] && break
  sleep 0.2
done
t1=$(date +%s.%N)
completed=$(metric 'openhqm_worker_processing_duration_seconds_count{status="completed"}')
stop

a=$(rps "$WORK/a.txt"); b=$(rps "$WORK/b.txt")
c=$(awk -v n="$completed" -v t0="$t0" -v t1="$t1" 'BEGIN { printf "%.0f", n / (t1 - t0) }')
echo
echo "results (one run, $(nproc) cores, ${CONNECTIONS} connections, 1 KiB bodies):"
printf '  (a) baseline GET /health/live      %10.0f req/s  p50 %s  p99 %s\n' "$a" "$(pct "$WORK/a.txt" 50%)" "$(pct "$WORK/a.txt" 99%)"
printf '  (b) submit -> durably queued       %10.0f req/s  p50 %s  p99 %s  = %.2f x (a)\n' "$b" "$(pct "$WORK/b.txt" 50%)" "$(pct "$WORK/b.txt" 99%)" "$(awk -v b="$b" -v a="$a" 'BEGIN{print b/a}')"
printf '  (c) submit -> COMPLETED            %10.0f msg/s  (%s messages)  = %.2f x (a)\n' "$c" "${completed%.*}" "$(awk -v c="$c" -v a="$a" 'BEGIN{print c/a}')"
grep -h "Non-2xx\|Socket errors" "$WORK"/[abc].txt || true
