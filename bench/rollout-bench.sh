#!/usr/bin/env bash
# A rollout of one stack to 200 simulated nodes in waves 1,10%,100%: total time, and the time from
# a failed canary's gate to the halt. Runs the real RolloutService on the real store (an H2 file
# under a temporary directory, or SELVEDGE_STORE_URL) in one JVM (bench/rollout/RolloutHarness);
# each node's apply and gate is simulated by a stand-in taking APPLY_MS (no engine: the figure is
# the rollout's own cost on top of the applies: planning, the store's steps and leases, waves).
#
#   bench/rollout-bench.sh              # NODES=200 WAVES=1,10%,100% PARALLEL=20 APPLY_MS=200
set -euo pipefail
root=$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/.." && pwd)
cd "$root"
# shellcheck source=scripts/lib/prereq.sh
source scripts/lib/prereq.sh
require_jdk

nodes=${NODES:-200}
waves=${WAVES:-1,10%,100%}
parallel=${PARALLEL:-20}
apply_ms=${APPLY_MS:-200}
jar=$root/selvedge-cli/target/selvedge.jar
[[ -f $jar ]] || ./selvedge --version >/dev/null
out=$(mktemp -d "${TMPDIR:-/tmp}/selvedge-rollout-bench.XXXXXX")
trap 'rm -rf "$out"' EXIT
"$JAVA_HOME/bin/javac" -nowarn -cp "$jar" -d "$out/classes" bench/rollout/RolloutHarness.java
"$JAVA_HOME/bin/java" -Xmx256m -cp "$jar:$out/classes" RolloutHarness "$out" "$nodes" "$waves" \
  "$parallel" "$apply_ms"
