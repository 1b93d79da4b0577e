#!/usr/bin/env bash
# The events benchmark (issue 12): one server as `serve` runs it (H2 file store, the event hub, the
# HTTP side on loopback; bench/events/EventsServer.java) fanning out to CLIENTS WebSocket clients
# (the JDK's, in a second JVM: bench/events/EventsLoad.java) while RATE events a second are
# published for WARMUP + SECONDS. Over the last SECONDS it prints, beside the goal:
#   delivered   messages a second over all clients (goal RATE x CLIENTS: every client gets every
#               event, none dropped)
#   delay       publish -> receipt, p50 / p99 / max (the publish time travels in the event)
#   heap        the server's heap: peak and after a GC (-Xmx SERVER_HEAP)
# Both JVMs share the machine (2 cores here): the client's own work is in the figures.
#
#   bench/events-bench.sh                            # 500 clients, 1,000 events/s, 10 s + 30 s
#   CLIENTS=100 SECONDS=10 bench/events-bench.sh     # smaller
#   BENCH_STORE_URL=jdbc:postgresql://... BENCH_STORE_USER=... BENCH_STORE_PASSWORD=... bench/events-bench.sh
#                                                    # on PostgreSQL (the tail of a shared store)
set -euo pipefail
root=$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/.." && pwd)
cd "$root"

clients=${CLIENTS:-500}
rate=${RATE:-1000}
warmup=${WARMUP:-10}
seconds=${SECONDS_MEASURED:-30}
heap=${SERVER_HEAP:-256m}

# shellcheck source=scripts/lib/prereq.sh
source scripts/lib/prereq.sh
require_jdk
require_maven
selvedge_maven_opts

jar=$root/selvedge-cli/target/selvedge.jar
if [[ ! -f $jar ]] || [[ -n $(find selvedge-*/src -newer "$jar" -type f -print -quit) ]]; then
  echo "building $jar ..." >&2
  mvn -B -ntp -o -q package -DskipTests -Dspotless.check.skip=true >&2
fi
out=$root/bench/out/events
rm -rf "$out"
mkdir -p "$out/classes" "$out/work"
"$JAVA_HOME/bin/javac" -nowarn -cp "$jar" -d "$out/classes" bench/events/EventsServer.java \
  bench/events/EventsLoad.java

echo "events bench: $clients clients, $rate events/s, ${warmup}s warm-up + ${seconds}s measured;" \
  "$(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg)"
"$JAVA_HOME/bin/java" -Xmx512m -cp "$jar:$out/classes" EventsLoad "$clients" "$rate" "$warmup" \
  "$seconds" "$heap" "$out/work" "$jar:$out/classes" | tee "$out/result.txt"
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
