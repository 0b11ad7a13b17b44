#!/usr/bin/env bash
# Redis Streams benchmark, all figures from one run on this machine:
#   (a) ceiling: redis-benchmark XADD of 1 KiB entries, 64 connections, no pipelining
#   (b) POST /api/v1/submit -> durably queued (listener only: SET PENDING record + XADD), wrk, 64 connections
#   (c) processed messages/s: one worker process, worker.count=16, sample processor, draining the backlog of (b),
#       counted after a warm-up of WARM seconds (default 8: the JIT compiles for several seconds), with the CPU time
#       per message of the worker JVM and of redis-server over the same interval
# Usage: bench/redis.sh [seconds=15] [connections=64]     (DIST=<an unpacked distribution> to bench another build)
#        JFR=/tmp/listener.jfr bench/redis.sh   also records a JFR profile of the listener during (b)
# Needs: redis-server, redis-benchmark (apt-get install redis-server redis-tools), wrk (apt-get install wrk),
#        a built distribution (mvn -q -B package -DskipTests). Starts its own redis-server on a free port.
set -euo pipefail
cd "$(dirname "$0")/.."
SECONDS_PER_RUN=${1:-15}
CONNECTIONS=${2:-64}
DIST=${DIST:-$(ls -d distribution/target/hqm-server-*/ | head -1)}
for tool in wrk redis-server redis-benchmark redis-cli; do
  command -v $tool >/dev/null || { echo "bench: needs $tool (apt-get install wrk redis-server redis-tools)" >&2; exit 1; }
done
[ -x "$DIST/bin/hqm-server" ] || { echo "bench: build first: mvn -q -B package -DskipTests" >&2; exit 1; }

WORK=$(mktemp -d)
PORT=18000
MGMT=18001
RPORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
PID=
cleanup() {
  [ -n "$PID" ] && kill "$PID" 2>/dev/null && wait "$PID" 2>/dev/null
  redis-cli -p "$RPORT" shutdown nosave >/dev/null 2>&1 || true
  rm -rf "$WORK"
}
trap cleanup EXIT

redis-server --port "$RPORT" --bind 127.0.0.1 --save '' --appendonly no --daemonize yes \
  --dir "$WORK" --logfile "$WORK/redis.log" >/dev/null
for _ in $(seq 1 100); do redis-cli -p "$RPORT" ping >/dev/null 2>&1 && break; sleep 0.05; done
R() { redis-cli -p "$RPORT" "$@"; }

# The server runs from a copy of the distribution, so a bench never writes into the build.
SERVER_HOME="$WORK/home"
cp -r "$DIST" "$SERVER_HOME"

start() { # mode, health port, extra args...
  local mode=$1 health=$2; shift 2
  local opts=""
  if [ -n "${JFR:-}" ] && [ "$mode" = listener ]; then
    opts="-XX:StartFlightRecording=filename=$JFR,settings=profile,delay=5s,duration=${SECONDS_PER_RUN}s"
  fi
  HQM_JAVA_OPTS="$opts" "$SERVER_HOME/bin/hqm-server" "$mode" --set server.port=$PORT --set management.port=$MGMT \
    --set queue.type=redis --set "queue.redis.url=\"redis://127.0.0.1:$RPORT\"" \
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
rps() { awk '/Requests\/sec/ { print $2 }' "$1"; }
pct() { awk -v p="$2" '$1 == p { print $2 }' "$1"; }

echo "== (a) ceiling: redis-benchmark XADD, 1 KiB entries, $CONNECTIONS connections, no pipelining"
VALUE=$(head -c 1024 /dev/zero | tr '\0' x)
redis-benchmark -p "$RPORT" -c "$CONNECTIONS" -n 400000 -q XADD bench-ceiling '*' body "$VALUE" > "$WORK/a.txt" 2>&1
R del bench-ceiling >/dev/null

echo "== (b) POST /api/v1/submit -> durably queued (listener only), $CONNECTIONS connections, ${SECONDS_PER_RUN}s"
start listener $PORT
wrk -t2 -c"$CONNECTIONS" -d5s -s bench/submit.lua "http://127.0.0.1:$PORT" > /dev/null   # JIT warm-up
wrk -t2 -c"$CONNECTIONS" -d"${SECONDS_PER_RUN}s" --latency -s bench/submit.lua "http://127.0.0.1:$PORT" > "$WORK/b.txt"
if [ -n "${JFR:-}" ]; then echo "(JFR recording of the listener: $JFR)"; fi
# More backlog, unmeasured, so the drain in (c) never runs dry during its warm-up and interval.
wrk -t2 -c"$CONNECTIONS" -d"$((SECONDS_PER_RUN + ${WARM:-8}))s" -s bench/submit.lua "http://127.0.0.1:$PORT" > /dev/null
stop
queued=$(R xlen openhqm-requests)

echo "== (c) processed messages/s: one worker process, worker.count=16, draining the $queued queued messages"
start worker $MGMT --set worker.count=16
sleep "${WARM:-8}"
cpu() { awk '{ print $14 + $15 }' "/proc/$1/stat"; }   # user + system time, in clock ticks
RPID=$(R info server | awk -F: '/^process_id/ { print $2 + 0 }')
c0=$(metric $MGMT 'openhqm_worker_processing_duration_seconds_count{status="completed"}'); c0=${c0:-0}
j0=$(cpu "$PID"); r0=$(cpu "$RPID"); t0=$(date +%s.%N)
sleep "$SECONDS_PER_RUN"
c1=$(metric $MGMT 'openhqm_worker_processing_duration_seconds_count{status="completed"}'); c1=${c1:-0}
j1=$(cpu "$PID"); r1=$(cpu "$RPID"); t1=$(date +%s.%N)
left=$(R xlen openhqm-requests)
stop

a=$(tr '\r' '\n' < "$WORK/a.txt" | awk '/XADD/ { for (i = 1; i <= NF; i++) if ($i ~ /^[0-9.]+$/) { print $i; exit } }')
b=$(rps "$WORK/b.txt")
c=$(awk -v c0="$c0" -v c1="$c1" -v t0="$t0" -v t1="$t1" 'BEGIN { printf "%.0f", (c1 - c0) / (t1 - t0) }')
echo
echo "results (one run, $(nproc) cores, ${CONNECTIONS} connections, 1 KiB bodies, $(redis-server --version | awk '{print $3}')):"
printf '  (a) redis-benchmark XADD           %10.0f ops/s\n' "$a"
printf '  (b) submit -> durably queued       %10.0f req/s  p50 %s  p99 %s  = %.2f x (a)\n' "$b" "$(pct "$WORK/b.txt" 50%)" "$(pct "$WORK/b.txt" 99%)" "$(awk -v b="$b" -v a="$a" 'BEGIN{print b/a}')"
printf '  (c) processed, worker.count=16     %10.0f msg/s  = %.2f x (a); CPU per message: worker JVM %.0f us, Redis %.0f us; %s left queued\n' "$c" "$(awk -v c="$c" -v a="$a" 'BEGIN{print c/a}')" "$(awk -v d=$((j1 - j0)) -v n="$c" -v t0="$t0" -v t1="$t1" -v hz="$(getconf CLK_TCK)" 'BEGIN{print d / hz * 1e6 / (n * (t1 - t0))}')" "$(awk -v d=$((r1 - r0)) -v n="$c" -v t0="$t0" -v t1="$t1" -v hz="$(getconf CLK_TCK)" 'BEGIN{print d / hz * 1e6 / (n * (t1 - t0))}')" "$left"
grep -h "Non-2xx\|Socket errors" "$WORK"/b.txt || true
