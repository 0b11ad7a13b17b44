#!/usr/bin/env bash
# Embedded-queue benchmark, all figures from one run on this machine:
#   (a) baseline: GET /health/live, the HTTP stack alone (Undertow, no queue)
#   (b) POST /api/v1/submit -> durably queued (listener only, SQLite group commit), 1 KiB bodies
#   (d) drain: one worker process (worker.count=16, sample processor) on the backlog (b) left behind, counted after
#       a warm-up of WARM seconds (default 5) for the same seconds, with the worker JVM's CPU time per message
#   (c) submit -> COMPLETED: listener + 16 workers with the sample processor, until the queue is empty
# Usage: bench/embedded.sh [seconds=15] [connections=64] [extra server options, e.g. --set queue.embedded.synchronous=normal]
#        DIST=<an unpacked distribution> to bench another build; PORT (default 18000) and PORT+1 are used.
#        ASYNC_PROFILER=<libasyncProfiler.so> PROFILE=<its options> profile the worker of (d) over the counted interval,
#        e.g. PROFILE='event=itimer,interval=1ms,threads,collapsed,file=/tmp/d.txt' (loaded with jcmd JVMTI.agent_load)
# Needs: wrk (apt-get install wrk), a built distribution (mvn -q -B package -DskipTests).
set -euo pipefail
cd "$(dirname "$0")/.."
SECONDS_PER_RUN=${1:-15}
CONNECTIONS=${2:-64}
shift $(( $# > 2 ? 2 : $# ))
EXTRA=("$@")
DIST=${DIST:-$(ls -d distribution/target/hqm-server-*/ | head -1)}
WARM=${WARM:-5}
command -v wrk >/dev/null || { echo "bench: needs wrk (apt-get install wrk)" >&2; exit 1; }
[ -x "$DIST/bin/hqm-server" ] || { echo "bench: build first: mvn -q -B package -DskipTests" >&2; exit 1; }

WORK=$(mktemp -d)
PORT=${PORT:-18000}
MGMT=$((PORT + 1))
PID=
cleanup() { [ -n "$PID" ] && kill "$PID" 2>/dev/null && wait "$PID" 2>/dev/null; rm -rf "$WORK"; }
trap cleanup EXIT

# The server runs from a copy of the distribution, so a bench never writes into the build.
SERVER_HOME="$WORK/home"
cp -r "$DIST" "$SERVER_HOME"
rm -rf "$SERVER_HOME/data"

start() { # mode, health port, keep|fresh (the data folder), extra args...
  local mode=$1 health=$2 data=$3; shift 3
  [ "$data" = keep ] || rm -rf "$WORK/data"
  "$SERVER_HOME/bin/hqm-server" "$mode" --set server.port=$PORT \
    --set management.port=$MGMT --set "queue.embedded.path=\"$WORK/data\"" \
    --set monitoring.log_level=WARN ${EXTRA[@]+"${EXTRA[@]}"} "$@" > "$WORK/server-$mode.log" 2>&1 &
  PID=$!
  for _ in $(seq 1 300); do
    curl -fs "http://127.0.0.1:$health/health/ready" >/dev/null 2>&1 && return 0
    sleep 0.1
  done
  echo "server did not start:"; cat "$WORK/server-$mode.log"; exit 1
}
stop() { kill "$PID"; wait "$PID" 2>/dev/null || true; PID=; }
metric() { curl -fs --max-time 10 "http://127.0.0.1:$1/metrics" | awk -v m="$2" 'index($0, m) == 1 { print $NF; exit }' || true; }
rps() { awk '/Requests\/sec/ { print $2 }' "$1"; }
pct() { awk -v p="$2" '$1 == p { print $2 }' "$1"; }
cpu() { awk '{ print $14 + $15 }' "/proc/$1/stat"; }   # user + system time, in clock ticks
COMPLETED='openhqm_worker_processing_duration_seconds_count{status="completed"}'
DEPTH='openhqm_queue_depth{queue="openhqm-requests"}'

echo "== (a) baseline: GET /health/live, $CONNECTIONS connections, ${SECONDS_PER_RUN}s"
start listener $PORT fresh
wrk -t2 -c"$CONNECTIONS" -d"${SECONDS_PER_RUN}s" --latency "http://127.0.0.1:$PORT/health/live" > "$WORK/a.txt"
stop

echo "== (b) POST /api/v1/submit -> durably queued (listener only)"
start listener $PORT fresh
wrk -t2 -c"$CONNECTIONS" -d"${SECONDS_PER_RUN}s" --latency -s bench/submit.lua "http://127.0.0.1:$PORT" > "$WORK/b.txt"
# more backlog for (d), unmeasured: the drain is faster than the submissions
wrk -t2 -c"$CONNECTIONS" -d"$((SECONDS_PER_RUN + WARM))s" -s bench/submit.lua "http://127.0.0.1:$PORT" > /dev/null
stop
queued=$(sqlite3 "$WORK/data/openhqm.db" "SELECT count(*) FROM messages" 2>/dev/null || echo "?")

echo "== (d) drain: one worker process, worker.count=16, on the $queued messages (b) left queued"
start worker $MGMT keep --set worker.count=16
sleep "$WARM"
d0=$(metric $MGMT "$COMPLETED"); d0=${d0:-0}
j0=$(cpu "$PID"); t0=$(date +%s.%N)
profile() { "$(dirname "$(readlink -f "/proc/$PID/exe")")/jcmd" "$PID" JVMTI.agent_load "$ASYNC_PROFILER" "'$1,$PROFILE'" >/dev/null \
  || echo "bench: could not $1 async-profiler" >&2; }
[ -z "${PROFILE:-}" ] || profile start
sleep "$SECONDS_PER_RUN"
[ -z "${PROFILE:-}" ] || profile stop
d1=$(metric $MGMT "$COMPLETED"); d1=${d1:-0}
j1=$(cpu "$PID"); t1=$(date +%s.%N)
left=$(metric $MGMT "$DEPTH"); left=${left:-?}
stop

echo "== (c) submit -> COMPLETED, worker.count=16"
start all $PORT fresh --set worker.count=16
t2=$(date +%s.%N)
wrk -t2 -c"$CONNECTIONS" -d"${SECONDS_PER_RUN}s" -s bench/submit.lua "http://127.0.0.1:$PORT" > "$WORK/c.txt"
while :; do
  depth=$(metric $PORT "$DEPTH")
  [ "${depth%.*}" = "0" ] && break
  sleep 0.2
done
t3=$(date +%s.%N)
completed=$(metric $PORT "$COMPLETED")
stop

a=$(rps "$WORK/a.txt"); b=$(rps "$WORK/b.txt")
c=$(awk -v n="$completed" -v t0="$t2" -v t1="$t3" 'BEGIN { printf "%.0f", n / (t1 - t0) }')
d=$(awk -v d0="$d0" -v d1="$d1" -v t0="$t0" -v t1="$t1" 'BEGIN { printf "%.0f", (d1 - d0) / (t1 - t0) }')
dcpu=$(awk -v j=$((j1 - j0)) -v n="$((${d1%.*} - ${d0%.*}))" -v hz="$(getconf CLK_TCK)" 'BEGIN { printf "%.0f", (n > 0 ? j / hz * 1e6 / n : 0) }')
echo
echo "results (one run, $(nproc) cores, ${CONNECTIONS} connections, 1 KiB bodies, $DIST):"
printf '  (a) baseline GET /health/live      %10.0f req/s  p50 %s  p99 %s\n' "$a" "$(pct "$WORK/a.txt" 50%)" "$(pct "$WORK/a.txt" 99%)"
printf '  (b) submit -> durably queued       %10.0f req/s  p50 %s  p99 %s  = %.2f x (a)\n' "$b" "$(pct "$WORK/b.txt" 50%)" "$(pct "$WORK/b.txt" 99%)" "$(awk -v b="$b" -v a="$a" 'BEGIN{print b/a}')"
printf '  (c) submit -> COMPLETED            %10.0f msg/s  (%s messages)  = %.2f x (a)\n' "$c" "${completed%.*}" "$(awk -v c="$c" -v a="$a" 'BEGIN{print c/a}')"
printf '  (d) drain, worker.count=16         %10.0f msg/s  after %ss warm-up, over %ss; worker JVM %s us CPU per message; %s left queued\n' "$d" "$WARM" "$SECONDS_PER_RUN" "$dcpu" "${left%.*}"
[ "${left%.*}" = "0" ] && echo "  (d) ran out of backlog: the drain figure is too low"
grep -h "Non-2xx\|Socket errors" "$WORK"/[abc].txt || true
