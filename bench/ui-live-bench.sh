#!/usr/bin/env bash
# The web UI's live pill benchmark (issue 13): a pill update from an engine change to the page.
# A real `selvedge serve` (poll interval 1 s, flap_sweeps 1) watches a stack on the local dockerd
# with its fleet page open in headless Debian chromium; each round kills the stack's container and
# times the page's pill turning red against the engine's own die event, beside the baseline: a
# `docker events` watcher (the least any watcher of the engine can do). bench/ui/PillLatency.java.
# Needs scripts/test-services.sh to have run (dockerd, the loopback registry's test image, chromium).
#
#   bench/ui-live-bench.sh              # 10 rounds
#   ROUNDS=20 bench/ui-live-bench.sh
set -euo pipefail
root=$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/.." && pwd)
cd "$root"
rounds=${ROUNDS:-10}

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
out=$root/bench/out/ui-live
rm -rf "$out"
mkdir -p "$out/classes" "$out/work"
# Selenium (a test dependency of selvedge-server) drives the browser: its jars from the local Maven
# repository, as the server's tests use them; the project's own classes come from the jar.
mvn -B -ntp -o -q compile dependency:build-classpath -pl selvedge-server -am \
  -Dmdep.includeScope=test -Dmdep.outputFile="$out/cp.txt" -Dspotless.check.skip=true >&2
cp=$(tr ':' '\n' < "$out/cp.txt" | grep '\.jar$' | grep -v '/dev/selvedge/' | paste -sd:)
"$JAVA_HOME/bin/javac" -nowarn -cp "$jar:$cp" -d "$out/classes" bench/ui/PillLatency.java

echo "ui live bench: $rounds rounds; $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg)"
"$JAVA_HOME/bin/java" -cp "$jar:$cp:$out/classes" PillLatency "$jar" "$rounds" "$out/work" \
  | tee "$out/result.txt"
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
