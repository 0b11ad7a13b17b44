#!/usr/bin/env bash
# Kafka queue benchmark, all figures from one run on this machine, against one single-node KRaft broker (Kafka 4.3.1,
# its own JVM) with the topic openhqm-requests of 3 partitions (the plugin's default):
#   (a) ceiling: a kafka-producer-perf-test-style producer (bench/KafkaBench.java: the plugin's producer settings,
#       acks=all, idempotent, linger.ms=5) sending 1 KiB records into openhqm-requests as fast as the broker
#       acknowledges; those records are then deleted, so the server never sees them
#   (a2) the same HTTP load as (b) against a minimal HTTP -> Kafka forwarder with no OpenHQM (bench/KafkaBench.java
#       forward: Undertow, the server's version, one send with the same producer settings per request, 202 on the
#       broker's acknowledgement): what this machine gives HTTP + wrk + the broker, so (b) / (a2) is OpenHQM's share
#   (b) POST /api/v1/submit -> durably queued: a listener process (queue.type=kafka, results.type=kafka, the default of
#       a Kafka-only deployment: the PENDING record to the results topic, the message to openhqm-requests, both
#       acknowledged before the 202), wrk, 64 connections, 1 KiB bodies
#   (c) processed messages/s: one worker process, worker.count=16, sample processor, draining the backlog of (b)
#       (and of as many more seconds of submissions, unmeasured), counted after a 10 s warm-up until the backlog is
#       drained or for the given seconds, and the worker's CPU time per message
# Usage: bench/kafka.sh [seconds=15] [connections=64] [extra server options, e.g. --set 'queue.kafka.properties."linger.ms"=1']
#        JFR=/tmp/listener.jfr bench/kafka.sh   also records a JFR profile of the listener during (b)
#        JFR_WORKER=/tmp/worker.jfr ...          and of the worker during (c)
#        BENCH_PORTS=19200 bench/kafka.sh       uses the ports 19200-19204 instead of free ones the system picks
# Needs: wrk (apt-get install wrk), a JDK >= 21, Maven (resolves the broker from Maven Central once, see
#        bench/kafka-classpath.xml), a built distribution (mvn -q -B package -DskipTests).
set -euo pipefail
cd "$(dirname "$0")/.."
SECONDS_PER_RUN=${1:-15}
CONNECTIONS=${2:-64}
shift $(( $# > 2 ? 2 : $# ))
EXTRA=("$@")
DIST=${DIST:-$(ls -d distribution/target/hqm-server-*/ | head -1)}
for tool in wrk mvn curl python3; do
  command -v $tool >/dev/null || { echo "bench: needs $tool" >&2; exit 1; }
done
[ -x "$DIST/bin/hqm-server" ] || { echo "bench: build first: mvn -q -B package -DskipTests" >&2; exit 1; }
JAVA=
for candidate in "${JAVA_HOME:-}/bin/java" "$(command -v java || true)" /usr/lib/jvm/*/bin/java; do
  [ -x "$candidate" ] || continue
  v=$("$candidate" -version 2>&1 | sed -n 's/.* version "\([0-9]*\).*/\1/p' | head -1)
  if [ -n "$v" ] && [ "$v" -ge 21 ]; then JAVA=$candidate; break; fi
done
[ -n "$JAVA" ] || { echo "bench: needs a JDK >= 21" >&2; exit 1; }
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }

WORK=$(mktemp -d)
if [ -n "${BENCH_PORTS:-}" ]; then # BENCH_PORTS=N uses the ports N..N+4 instead of free ones the system picks
  PORT=$BENCH_PORTS MGMT=$((BENCH_PORTS + 1)) KPORT=$((BENCH_PORTS + 2)) CPORT=$((BENCH_PORTS + 3))
  FPORT=$((BENCH_PORTS + 4))
else
  PORT=$(free_port) MGMT=$(free_port) KPORT=$(free_port) CPORT=$(free_port) FPORT=$(free_port)
fi
PID=
BROKER=
FORWARDER=
cleanup() {
  if [ -n "$FORWARDER" ]; then kill "$FORWARDER" 2>/dev/null; wait "$FORWARDER" 2>/dev/null || true; fi
  if [ -n "$PID" ]; then kill "$PID" 2>/dev/null; wait "$PID" 2>/dev/null || true; fi
  if [ -n "$BROKER" ]; then kill "$BROKER" 2>/dev/null; wait "$BROKER" 2>/dev/null || true; fi
  rm -rf "$WORK"
}
trap cleanup EXIT
trap 'echo "bench: failed at line $LINENO" >&2' ERR

UNDERTOW=$(sed -n 's:.*<undertow.version>\(.*\)</undertow.version>.*:\1:p' pom.xml | head -1)
mvn -B -ntp -q -f bench/kafka-classpath.xml dependency:build-classpath -Dmdep.outputFile="$WORK/classpath" \
  -Dundertow.version="$UNDERTOW" \
  > "$WORK/mvn.log" 2>&1 || { cat "$WORK/mvn.log" >&2; exit 1; }
CP=$(cat "$WORK/classpath")
kafka() { "$JAVA" -cp "$CP" "$@" 2>>"$WORK/tools.log" || { cat "$WORK/tools.log" >&2; return 1; }; }
BOOTSTRAP=127.0.0.1:$KPORT
cat > "$WORK/server.properties" <<EOF
process.roles=broker,controller
node.id=1
controller.quorum.voters=1@127.0.0.1:$CPORT
listeners=PLAINTEXT://127.0.0.1:$KPORT,CONTROLLER://127.0.0.1:$CPORT
advertised.listeners=PLAINTEXT://127.0.0.1:$KPORT
controller.listener.names=CONTROLLER
listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT
log.dirs=$WORK/kafka
offsets.topic.replication.factor=1
offsets.topic.num.partitions=1
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
share.coordinator.state.topic.replication.factor=1
share.coordinator.state.topic.min.isr=1
group.initial.rebalance.delay.ms=0
EOF
kafka kafka.tools.StorageTool format -t "$(kafka kafka.tools.StorageTool random-uuid)" -c "$WORK/server.properties" >/dev/null
"$JAVA" -Xms1g -Xmx1g -cp "$CP" kafka.Kafka "$WORK/server.properties" > "$WORK/broker.log" 2>&1 &
BROKER=$!
for _ in $(seq 1 600); do (echo > "/dev/tcp/127.0.0.1/$KPORT") 2>/dev/null && break; sleep 0.1; done

SERVER_HOME="$WORK/home"
cp -r "$DIST" "$SERVER_HOME"
start() { # mode, health port, JFR file or "", extra args...
  local mode=$1 health=$2 jfr=$3 opts=""; shift 3
  if [ -n "$jfr" ]; then
    opts="-XX:StartFlightRecording=filename=$jfr,settings=profile,delay=5s,duration=${SECONDS_PER_RUN}s"
  fi
  HQM_JAVA_OPTS="$opts" "$SERVER_HOME/bin/hqm-server" "$mode" --set server.port=$PORT --set management.port=$MGMT \
    --set queue.type=kafka --set "queue.kafka.bootstrap_servers=\"$BOOTSTRAP\"" --set results.type=kafka \
    --set monitoring.log_level=WARN ${EXTRA[@]+"${EXTRA[@]}"} "$@" > "$WORK/server-$mode.log" 2>&1 &
  PID=$!
  for _ in $(seq 1 600); do
    curl -fs "http://127.0.0.1:$health/health/ready" >/dev/null 2>&1 && return 0
    sleep 0.1
  done
  echo "server did not start:"; cat "$WORK/server-$mode.log"; exit 1
}
stop() { kill "$PID"; wait "$PID" 2>/dev/null || true; PID=; }
metric() { { curl -fs "http://127.0.0.1:$1/metrics" || true; } | awk -v m="$2" 'index($0, m) == 1 && !found { print $NF; found = 1 }'; }
cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat"; }
rps() { awk '/Requests\/sec/ { print $2 }' "$1"; }
pct() { awk -v p="$2" '$1 == p { print $2 }' "$1"; }

echo "== (a) ceiling: one producer (acks=all, idempotent, linger.ms=5), 1 KiB records, 5 s warm-up, ${SECONDS_PER_RUN}s"
kafka bench/KafkaBench.java produce "$BOOTSTRAP" openhqm-requests 5 "$SECONDS_PER_RUN" > "$WORK/a.txt"
kafka bench/KafkaBench.java truncate "$BOOTSTRAP" openhqm-requests

echo "== (a2) the same load as (b) against a minimal HTTP -> Kafka forwarder (no OpenHQM), $CONNECTIONS connections, ${SECONDS_PER_RUN}s"
"$JAVA" -cp "$CP" bench/KafkaBench.java forward "$BOOTSTRAP" openhqm-requests "$FPORT" > "$WORK/forwarder.log" 2>&1 &
FORWARDER=$!
for _ in $(seq 1 600); do (echo > "/dev/tcp/127.0.0.1/$FPORT") 2>/dev/null && break; sleep 0.1; done
wrk -t2 -c"$CONNECTIONS" -d5s -s bench/submit.lua "http://127.0.0.1:$FPORT" > /dev/null   # JIT warm-up
f0=$(cpu_ticks "$FORWARDER"); fk0=$(cpu_ticks "$BROKER"); tf0=$(date +%s.%N)
wrk -t2 -c"$CONNECTIONS" -d"${SECONDS_PER_RUN}s" --latency -s bench/submit.lua "http://127.0.0.1:$FPORT" > "$WORK/a2.txt"
f1=$(cpu_ticks "$FORWARDER"); fk1=$(cpu_ticks "$BROKER"); tf1=$(date +%s.%N)
kill "$FORWARDER"; wait "$FORWARDER" 2>/dev/null || true; FORWARDER=
kafka bench/KafkaBench.java truncate "$BOOTSTRAP" openhqm-requests

echo "== (b) POST /api/v1/submit -> durably queued (listener only), $CONNECTIONS connections, ${SECONDS_PER_RUN}s"
start listener "$PORT" "${JFR:-}"
wrk -t2 -c"$CONNECTIONS" -d5s -s bench/submit.lua "http://127.0.0.1:$PORT" > /dev/null   # JIT warm-up
l0=$(cpu_ticks "$PID"); k0=$(cpu_ticks "$BROKER"); tb0=$(date +%s.%N)
wrk -t2 -c"$CONNECTIONS" -d"${SECONDS_PER_RUN}s" --latency -s bench/submit.lua "http://127.0.0.1:$PORT" > "$WORK/b.txt"
l1=$(cpu_ticks "$PID"); k1=$(cpu_ticks "$BROKER"); tb1=$(date +%s.%N)
if [ -n "${JFR:-}" ]; then echo "(JFR recording of the listener: $JFR)"; fi
wrk -t2 -c"$CONNECTIONS" -d"${SECONDS_PER_RUN}s" -s bench/submit.lua "http://127.0.0.1:$PORT" > /dev/null   # more backlog for (c)
stop

echo "== (c) processed messages/s: one worker process, worker.count=16, draining the backlog, 10 s warm-up, ${SECONDS_PER_RUN}s"
start worker "$MGMT" "${JFR_WORKER:-}" --set worker.count=16
sleep 10 # the JIT's warm-up
completed='openhqm_worker_processing_duration_seconds_count{status="completed"}'
c0=$(metric "$MGMT" "$completed"); c0=${c0:-0}; u0=$(cpu_ticks "$PID"); t0=$(date +%s.%N)
c1=$c0; u1=$u0; t1=$t0
for _ in $(seq 1 "$SECONDS_PER_RUN"); do # stops early once the backlog is drained: an idle second is not counted
  sleep 1
  left=$(metric "$MGMT" 'openhqm_queue_depth{queue="openhqm-requests"}')
  [ "${left%.*}" = "0" ] && break
  c1=$(metric "$MGMT" "$completed"); c1=${c1:-0}; u1=$(cpu_ticks "$PID"); t1=$(date +%s.%N)
done
if [ -n "${JFR_WORKER:-}" ]; then echo "(JFR recording of the worker: $JFR_WORKER)"; fi
stop

a=$(awk '{ print $2 }' "$WORK/a.txt")
a2=$(rps "$WORK/a2.txt")
b=$(rps "$WORK/b.txt")
c=$(awk -v c0="$c0" -v c1="$c1" -v t0="$t0" -v t1="$t1" 'BEGIN { printf "%.0f", (t1 > t0 ? (c1 - c0) / (t1 - t0) : 0) }')
cpu=$(awk -v c0="$c0" -v c1="$c1" -v u0="$u0" -v u1="$u1" -v hz="$(getconf CLK_TCK)" \
  'BEGIN { if (c1 > c0) printf "%.0f", (u1 - u0) / hz / (c1 - c0) * 1e6; else print "-" }')
cores=$(awk -v u0="$u0" -v u1="$u1" -v t0="$t0" -v t1="$t1" -v hz="$(getconf CLK_TCK)" 'BEGIN { printf "%.2f", (u1 - u0) / hz / (t1 - t0) }')
echo
echo "results ($(date -u '+%Y-%m-%d %H:%M UTC'), $(nproc) cores, ${CONNECTIONS} connections, 1 KiB bodies, Kafka 4.3.1 single node):"
printf '  (a) producer ceiling                %10.0f records/s (errors %s)\n' "$a" "$(awk '{ print $4 }' "$WORK/a.txt")"
printf '  (b) submit -> durably queued        %10.0f req/s  p50 %s  p99 %s  = %.2f x (a)\n' "$b" "$(pct "$WORK/b.txt" 50%)" "$(pct "$WORK/b.txt" 99%)" "$(awk -v b="$b" -v a="$a" 'BEGIN{print b/a}')"
printf '  (c) processed, worker.count=16      %10.0f msg/s  = %.2f x (a); worker CPU %s us/msg (%s cores), over %.0f s\n' "$c" "$(awk -v c="$c" -v a="$a" 'BEGIN{print c/a}')" "$cpu" "$cores" "$(awk -v t0="$t0" -v t1="$t1" 'BEGIN { print t1 - t0 }')"
awk -v l0="$l0" -v l1="$l1" -v k0="$k0" -v k1="$k1" -v t0="$tb0" -v t1="$tb1" -v b="$b" -v hz="$(getconf CLK_TCK)" 'BEGIN {
  printf "      during (b): listener %.2f cores (%.0f us/req), broker %.2f cores (%.0f us/req)\n",
    (l1 - l0) / hz / (t1 - t0), (l1 - l0) / hz / (b * (t1 - t0)) * 1e6, (k1 - k0) / hz / (t1 - t0), (k1 - k0) / hz / (b * (t1 - t0)) * 1e6 }'
printf '  (a2) HTTP -> Kafka forwarder, no OpenHQM %4.0f req/s  p50 %s  p99 %s  = %.2f x (a); (b) = %.2f x (a2)\n' "$a2" "$(pct "$WORK/a2.txt" 50%)" "$(pct "$WORK/a2.txt" 99%)" "$(awk -v x="$a2" -v a="$a" 'BEGIN{print x/a}')" "$(awk -v x="$a2" -v b="$b" 'BEGIN{print b/x}')"
awk -v l0="$f0" -v l1="$f1" -v k0="$fk0" -v k1="$fk1" -v t0="$tf0" -v t1="$tf1" -v b="$a2" -v hz="$(getconf CLK_TCK)" 'BEGIN {
  printf "      during (a2): forwarder %.2f cores (%.0f us/req), broker %.2f cores (%.0f us/req)\n",
    (l1 - l0) / hz / (t1 - t0), (l1 - l0) / hz / (b * (t1 - t0)) * 1e6, (k1 - k0) / hz / (t1 - t0), (k1 - k0) / hz / (b * (t1 - t0)) * 1e6 }'
grep -h "Non-2xx\|Socket errors" "$WORK"/b.txt || true
grep -h "Non-2xx\|Socket errors" "$WORK"/a2.txt | sed 's/^/(a2) /' || true
