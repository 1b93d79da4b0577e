#!/usr/bin/env bash
# `selvedge config` vs docker-compose 1.29 `config` on a generated 300-service Compose file:
# process wall time (hyperfine, median of several runs after warm-up), side by side, with the
# ratio against the goal (selvedge at least 4x faster). See bench/README.md.
#
#   bench/config-bench.sh                  # SERVICES=300 RUNS=20 WARMUP=3 by default
#   SERVICES=1000 RUNS=10 bench/config-bench.sh
#
# Exits 0 when the goal is met, 1 when it is missed or something failed (with the reason).
set -euo pipefail
root=$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/.." && pwd)
cd "$root"

services=${SERVICES:-300}
runs=${RUNS:-20}
warmup=${WARMUP:-3}
goal=4

# shellcheck source=scripts/lib/prereq.sh
source scripts/lib/prereq.sh
require_jdk
require_maven
require_hyperfine
require_docker_compose_v1

out=bench/out
mkdir -p "$out"
file=$out/compose-$services.yaml
bench/gen-compose.sh "$services" >"$file"

dc_version=$(docker-compose version --short 2>/dev/null || true)
[[ $dc_version == 1.* ]] || prereq_log "warning: docker-compose on PATH is '${dc_version:-unknown}', not 1.29; the baseline differs"
docker-compose -f "$file" config >"$out/docker-compose.yaml" 2>"$out/docker-compose.err" ||
  prereq_die "docker-compose -f $file config failed: $(head -c 2000 "$out/docker-compose.err")"

# Builds the jar if needed and prepares the JVM start-up cache, so that no run below pays for it.
./selvedge --version >/dev/null 2>&1 || true

# Fail clearly, not with a meaningless timing, when the command is missing or broken.
check_selvedge() {
  local name=$1
  shift
  local rc=0
  ./selvedge "$@" >"$out/$name" 2>"$out/$name.err" </dev/null || rc=$?
  if ((rc != 0)) || [[ ! -s $out/$name ]]; then
    local why
    why="exit $rc, $(wc -c <"$out/$name") bytes on stdout"
    [[ -s $out/$name.err ]] && why+="; stderr:"$'\n'"$(head -c 2000 "$out/$name.err")"
    prereq_die "'./selvedge $*' is not implemented yet or failed ($why)"
  fi
}
check_selvedge selvedge.yaml config -f "$file"
check_selvedge selvedge.json config -f "$file" --format json

csv=$out/config-bench.csv
hyperfine -N --style basic --warmup "$warmup" --runs "$runs" --export-csv "$csv" \
  -n "docker-compose -f FILE config" "docker-compose -f $file config" \
  -n "selvedge config -f FILE" "./selvedge config -f $file" \
  -n "selvedge config -f FILE --format json" "./selvedge config -f $file --format json" \
  >"$out/hyperfine.log" 2>&1 || prereq_die "hyperfine failed: $(tail -20 "$out/hyperfine.log")"

# hyperfine CSV: command,mean,stddev,median,user,system,min,max (seconds).
report=$out/config-bench.md
awk -F, -v goal="$goal" -v services="$services" -v runs="$runs" '
  NR == 1 { next }
  { name[NR] = $1; median[NR] = $4; min[NR] = $7; max[NR] = $8; n = NR }
  END {
    base = median[2]
    printf "%d services, %d runs each after warm-up; wall time of the whole process.\n\n", services, runs
    printf "| Command | Median | Min | Max | docker-compose / this | Goal |\n"
    printf "|:---|---:|---:|---:|---:|:---|\n"
    ok = 1
    for (i = 2; i <= n; i++) {
      ratio = base / median[i]
      verdict = (i == 2) ? "baseline" : (ratio >= goal ? sprintf(">= %dx: met", goal) : sprintf(">= %dx: MISSED", goal))
      if (i > 2 && ratio < goal) ok = 0
      printf "| `%s` | %.0f ms | %.0f ms | %.0f ms | %.2fx | %s |\n", name[i], median[i] * 1000, min[i] * 1000, max[i] * 1000, ratio, verdict
    }
    exit ok ? 0 : 3
  }' "$csv" >"$report" || status=$?

{
  echo "Machine: $(nproc) cores, $(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -1);" \
    "Java $SELVEDGE_JAVA_VERSION; docker-compose ${dc_version:-unknown}"
  echo
  cat "$report"
  echo
  echo "(table also in $report; raw data in $csv)"
}
[[ ${status:-0} -eq 0 ]] || {
  ((status == 3)) && prereq_die "goal missed: selvedge config must be at least ${goal}x faster than docker-compose"
  prereq_die "could not read $csv"
}
