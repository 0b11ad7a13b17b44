#!/usr/bin/env bash
# Queue -> HTTP benchmark, all figures from one run on this machine, against one local backend (Undertow, 200 + tiny JSON):
#   (a1) ceiling: a bare java.net.http client loop POSTing 1 KiB bodies to the backend, 64 in flight
#   (a2) forwarded messages/s: one worker process (proxy.enabled, worker.count=64) draining a Redis backlog of
#        1 KiB entries to the backend, counted after a 10 s warm-up; target >= 70 % of (a1)
#   (b1) the sidecar's maximum: the same client loop through OpenHQM in transparent proxy mode (server.mode = proxy,
#        one process with listener and workers on Redis), each request answered with the backend's response
#   (b2) open-loop load at half of (b1) straight at the backend: p50 / p99
#   (b3) the same load through the sidecar: p50 / p99; the added latency is (b3) - (b2)
# Usage: bench/egress.sh [seconds=15]
# Needs: redis-server, redis-benchmark, redis-cli (apt-get install redis-server redis-tools), a JDK >= 21, and a built
#        distribution (mvn -q -B package -DskipTests). Starts its own redis-server and backend on free ports.
set -euo pipefail
cd "$(dirname "$0")/.."
SECONDS_PER_RUN=${1:-15}
DIST=$(ls -d distribution/target/hqm-server-*/ | head -1)
for tool in redis-server redis-benchmark redis-cli curl; do
  command -v $tool >/dev/null || { echo "bench: needs $tool (apt-get install redis-server redis-tools curl)" >&2; exit 1; }
done
[ -x "$DIST/bin/hqm-server" ] || { echo "bench: build first: mvn -q -B package -DskipTests" >&2; exit 1; }
JAVA=
for candidate in "${JAVA_HOME:-}/bin/java" "$(command -v java || true)" /usr/lib/jvm/*/bin/java; do
  [ -x "$candidate" ] || continue
  v=$("$candidate" -version 2>&1 | sed -n 's/.* version "\([0-9]*\).*/\1/p' | head -1)
  if [ -n "$v" ] && [ "$v" -ge 21 ]; then JAVA=$candidate; break; fi
done
[ -n "$JAVA" ] || { echo "bench: needs a JDK >= 21" >&2; exit 1; }
bench() { "$JAVA" -cp "$DIST/lib/*" bench/EgressBench.java "$@"; }
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }

WORK=$(mktemp -d)
PORT=$(free_port)
MGMT=$(free_port)
RPORT=$(free_port)
BPORT=$(free_port)
PID=
BACKEND=
cleanup() {
  if [ -n "$PID" ]; then kill "$PID" 2>/dev/null; wait "$PID" 2>/dev/null || true; fi
  if [ -n "$BACKEND" ]; then kill "$BACKEND" 2>/dev/null; wait "$BACKEND" 2>/dev/null || true; fi
  redis-cli -p "$RPORT" shutdown nosave >/dev/null 2>&1 || true
  rm -rf "$WORK"
}
trap cleanup EXIT

redis-server --port "$RPORT" --bind 127.0.0.1 --save '' --appendonly no --daemonize yes \
  --dir "$WORK" --logfile "$WORK/redis.log" >/dev/null
for _ in $(seq 1 100); do redis-cli -p "$RPORT" ping >/dev/null 2>&1 && break; sleep 0.05; done
"$JAVA" -cp "$DIST/lib/*" bench/EgressBench.java backend "$BPORT" > "$WORK/backend.log" 2>&1 &
BACKEND=$!
for _ in $(seq 1 300); do curl -fs -XPOST "http://127.0.0.1:$BPORT/" >/dev/null 2>&1 && break; sleep 0.1; done

SERVER_HOME="$WORK/home"
cp -r "$DIST" "$SERVER_HOME"
start() { # mode, health port, extra args...
  local mode=$1 health=$2; shift 2
  "$SERVER_HOME/bin/hqm-server" "$mode" --set server.port=$PORT --set management.port=$MGMT \
    --set queue.type=redis --set "queue.redis.url=\"redis://127.0.0.1:$RPORT\"" \
    --set proxy.enabled=true --set "proxy.default_endpoint=\"http://127.0.0.1:$BPORT/\"" \
    --set monitoring.log_level=WARN "$@" > "$WORK/server-$mode.log" 2>&1 &
  PID=$!
  for _ in $(seq 1 300); do
    curl -fs "http://127.0.0.1:$health/health/ready" >/dev/null 2>&1 && return 0
    sleep 0.1
  done
  echo "server did not start:"; cat "$WORK/server-$mode.log"; exit 1
}
stop() { kill "$PID"; wait "$PID" 2>/dev/null || true; PID=; }
metric() { curl -fs "http://127.0.0.1:$1/metrics" | awk -v m="$2" 'index($0, m) == 1 { print $NF; exit }'; }
field() { awk -v f="$2" '{ for (i = 1; i < NF; i++) if ($i == f) print $(i + 1) }' "$1"; }

echo "== (a1) ceiling: bare java.net.http client -> backend, 64 in flight, ${SECONDS_PER_RUN}s"
bench loop "http://127.0.0.1:$BPORT/" "$SECONDS_PER_RUN" 64 > "$WORK/a1.txt"

echo "== (a2) one worker process forwarding a Redis backlog to the backend, worker.count=64"
VALUE="{\"data\":\"$(head -c 1000 /dev/zero | tr '\0' x)\"}"
redis-benchmark -p "$RPORT" -c 32 -n 400000 -q XADD openhqm-requests '*' body "$VALUE" > /dev/null 2>&1
start worker "$MGMT" --set worker.count=64 --set worker.poll_batch=64
sleep 10 # the JIT's warm-up
c0=$(metric "$MGMT" 'openhqm_worker_processing_duration_seconds_count{status="completed"}'); c0=${c0:-0}
t0=$(date +%s.%N)
sleep "$SECONDS_PER_RUN"
c1=$(metric "$MGMT" 'openhqm_worker_processing_duration_seconds_count{status="completed"}'); c1=${c1:-0}
t1=$(date +%s.%N)
stop
redis-cli -p "$RPORT" flushall >/dev/null

echo "== (b1) the sidecar's maximum: client loop -> OpenHQM (server.mode = proxy, Redis) -> backend, 64 in flight"
start all "$PORT" --set server.mode=proxy --set worker.count=64
bench loop "http://127.0.0.1:$PORT/orders" 10 64 > /dev/null # the JIT's warm-up
bench loop "http://127.0.0.1:$PORT/orders" "$SECONDS_PER_RUN" 64 > "$WORK/b1.txt"
half=$(awk '{ printf "%d", $2 / 2 }' "$WORK/b1.txt")
[ "$half" -gt 0 ] || half=1
echo "== (b2) $half req/s open loop straight at the backend; (b3) the same through the sidecar"
bench rate "http://127.0.0.1:$BPORT/orders" "$half" "$SECONDS_PER_RUN" > "$WORK/b2.txt"
bench rate "http://127.0.0.1:$PORT/orders" "$half" "$SECONDS_PER_RUN" > "$WORK/b3.txt"
stop

a1=$(field "$WORK/a1.txt" requests/s)
a2=$(awk -v c0="$c0" -v c1="$c1" -v t0="$t0" -v t1="$t1" 'BEGIN { printf "%.0f", (c1 - c0) / (t1 - t0) }')
echo
echo "results (one run, $(nproc) cores, 1 KiB bodies, $(redis-server --version | awk '{print $3}')):"
printf '  (a1) bare client -> backend            %8.0f req/s\n' "$a1"
printf '  (a2) Redis backlog -> worker -> backend %7.0f msg/s  = %.2f x (a1)\n' "$a2" "$(awk -v a="$a2" -v b="$a1" 'BEGIN{print a/b}')"
printf '  (b1) client -> sidecar -> backend      %8.0f req/s (errors %s)\n' "$(field "$WORK/b1.txt" requests/s)" "$(field "$WORK/b1.txt" errors)"
printf '  (b2) %5s req/s straight at backend   p50 %6s ms  p99 %6s ms (errors %s)\n' "$half" "$(field "$WORK/b2.txt" p50)" "$(field "$WORK/b2.txt" p99)" "$(field "$WORK/b2.txt" errors)"
printf '  (b3) %5s req/s through the sidecar   p50 %6s ms  p99 %6s ms (errors %s)\n' "$half" "$(field "$WORK/b3.txt" p50)" "$(field "$WORK/b3.txt" p99)" "$(field "$WORK/b3.txt" errors)"
awk -v b2="$(field "$WORK/b2.txt" p50)" -v b3="$(field "$WORK/b3.txt" p50)" -v c2="$(field "$WORK/b2.txt" p99)" -v c3="$(field "$WORK/b3.txt" p99)" \
  'BEGIN { printf "  added by the sidecar:                  p50 %6.2f ms  p99 %6.2f ms\n", b3 - b2, c3 - c2 }'
