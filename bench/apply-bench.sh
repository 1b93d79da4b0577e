#!/usr/bin/env bash
# `selvedge apply` of a 20-service stack (every service healthy) against Debian's docker-compose
# 1.29 `up -d` of the same file, wall time side by side, twice:
#   1. cold: no container exists yet (each run starts from a removed stack), and
#   2. no-op: the stack is up and matches the file (goal for Selvedge: under 1 s).
# Goal: Selvedge faster than docker-compose on both. Note the difference in work: `up -d` returns
# once containers are started; `selvedge apply` also waits for every healthcheck and readback (its
# health gate), verifies the contract and records a deployment in its store (H2).
# Images come from the offline test image; everything is published on 127.0.0.1 and removed at the
# end, even when the run fails.
#
#   bench/apply-bench.sh                 # SERVICES=20 RUNS=5 by default
set -euo pipefail
root=$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/.." && pwd)
cd "$root"

n=${SERVICES:-20}
runs=${RUNS:-5}
base_port=${BASE_PORT:-19600}
p_compose=selvedge-bench-apply-compose
p_selvedge=selvedge-bench-apply-selvedge

# shellcheck source=scripts/lib/prereq.sh
source scripts/lib/prereq.sh
require_jdk
require_maven
require_hyperfine
bash scripts/test-services.sh
image=$(grep '^SELVEDGE_TEST_IMAGE=' /var/lib/selvedge-test/env | cut -d= -f2)

out=$root/bench/out/apply
rm -rf "$out"
mkdir -p "$out/compose" "$out/selvedge" "$out/home"
gen() { # dir port-offset (docker-compose 1.29 predates name:, so -p names the project)
  mkdir -p "$1/www"
  echo '{"status":"ok"}' >"$1/www/healthz"
  {
    echo 'x-selvedge:'
    echo '  policy:'
    echo '    rules: {healthcheck-interval-too-short: "off", logging-unbounded: "off", image-floating-tag: "off"}'
    echo 'services:'
    for ((i = 1; i <= n; i++)); do
      cat <<SVC
  svc$i:
    image: $image
    command: ["httpd", "-f", "-p", "8080", "-h", "/www"]
    ports: ["127.0.0.1:$(($2 + i)):8080"]
    volumes: ["./www:/www:ro"]
    environment:
      INDEX: "$i"
    labels:
      dev.selvedge.test: "1"
    restart: unless-stopped
    healthcheck:
      test: ["CMD", "wget", "-q", "-O-", "http://127.0.0.1:8080/healthz"]
      interval: 1s
      timeout: 2s
      retries: 3
SVC
    done
  } >"$1/compose.yaml"
}
gen "$out/compose" "$base_port"
gen "$out/selvedge" "$((base_port + 100))"

export SELVEDGE_HOME=$out/home
dc() { docker-compose -p "$p_compose" -f "$out/compose/compose.yaml" --project-directory "$out/compose" "$@"; }
sv() { ./selvedge "$@" -p "$p_selvedge" --project-directory "$out/selvedge"; }
rm_selvedge() { # the project's containers and network, whoever made them
  local ids
  ids=$(docker ps -aq --filter "label=com.docker.compose.project=$p_selvedge")
  [[ -z $ids ]] || docker rm -f $ids >/dev/null
  docker network rm "${p_selvedge}_default" >/dev/null 2>&1 || true
}
cleanup() {
  dc down -v --remove-orphans >/dev/null 2>&1 || true
  rm_selvedge
}
trap cleanup EXIT
cleanup

./selvedge --version >/dev/null
prereq_log "checking both tools bring the stack up ..."
dc up -d >"$out/dc-up.log" 2>&1 || prereq_die "docker-compose up failed: $(tail -5 "$out/dc-up.log")"
sv apply >"$out/apply.log" 2>&1 || prereq_die "selvedge apply failed: $(tail -20 "$out/apply.log")"

# Like for like: what an operator runs to know a compose deploy worked — up -d, then wait until
# every container reports healthy (one `docker inspect` of all of them every 100 ms).
cat >"$out/compose-and-wait.sh" <<WAIT
#!/usr/bin/env bash
set -e
docker-compose -p $p_compose -f $out/compose/compose.yaml --project-directory $out/compose up -d >/dev/null 2>&1
ids=\$(docker ps -q --filter label=com.docker.compose.project=$p_compose)
until [[ -z \$(docker inspect -f '{{.State.Health.Status}}' \$ids | grep -v '^healthy\$') ]]; do sleep 0.1; done
WAIT
chmod +x "$out/compose-and-wait.sh"

hyperfine -N --style basic --runs "$runs" --export-json "$out/cold.json" \
  --prepare "bash -c 'docker-compose -p $p_compose -f $out/compose/compose.yaml --project-directory $out/compose down >/dev/null 2>&1; ids=\$(docker ps -aq --filter label=com.docker.compose.project=$p_selvedge); [ -z \"\$ids\" ] || docker rm -f \$ids >/dev/null; docker network rm ${p_selvedge}_default >/dev/null 2>&1; sleep 2; true'" \
  -n "docker-compose up -d (cold)" "docker-compose -p $p_compose -f $out/compose/compose.yaml --project-directory $out/compose up -d" \
  -n "selvedge apply (cold, health-gated)" "./selvedge apply -p $p_selvedge --project-directory $out/selvedge" \
  -n "docker-compose up -d, then wait until all healthy (cold)" "bash $out/compose-and-wait.sh" \
  >"$out/cold.log" 2>&1 || prereq_die "hyperfine (cold) failed: $(tail -20 "$out/cold.log")"

# No-op: each tool re-applies its own stack with only that stack up. With both up, 40 containers
# running a healthcheck every second keep the two cores busy enough to slow either tool by a
# third, which is the benchmark's own load, not either tool's.
# Both stacks healthy before timing: Selvedge's apply waits for that itself, so compose's stack must
# not still be starting (and running its first healthchecks) under the first timed runs.
cleanup
timeout 120 bash "$out/compose-and-wait.sh" || prereq_die "docker-compose up failed or its stack never became healthy"
hyperfine -N --style basic --warmup 1 --runs "$((runs * 2))" --export-json "$out/noop-compose.json" \
  -n "docker-compose up -d (no-op)" "docker-compose -p $p_compose -f $out/compose/compose.yaml --project-directory $out/compose up -d" \
  >"$out/noop.log" 2>&1 || prereq_die "hyperfine (no-op) failed: $(tail -20 "$out/noop.log")"
cleanup
sv apply >"$out/apply.log" 2>&1 || prereq_die "selvedge apply failed: $(tail -20 "$out/apply.log")"
hyperfine -N --style basic --warmup 1 --runs "$((runs * 2))" --export-json "$out/noop-selvedge.json" \
  -n "selvedge apply (no-op)" "./selvedge apply -p $p_selvedge --project-directory $out/selvedge" \
  >>"$out/noop.log" 2>&1 || prereq_die "hyperfine (no-op) failed: $(tail -20 "$out/noop.log")"
python3 - "$out/noop-compose.json" "$out/noop-selvedge.json" "$out/noop.json" <<'PY'
import json, sys
a, b = (json.load(open(f)) for f in sys.argv[1:3])
json.dump({"results": a["results"] + b["results"]}, open(sys.argv[3], "w"))
PY

python3 - "$out/cold.json" "$out/noop.json" "$n" <<'PY'
import json, sys
cold = json.load(open(sys.argv[1]))["results"]
noop = json.load(open(sys.argv[2]))["results"]
n = sys.argv[3]
print(f"\n{n} services; median wall time\n")
print("| What | docker-compose 1.29 `up -d` | `selvedge apply` | Speed-up | Goal |")
print("|:---|---:|---:|---:|:---|")
for label, res, extra in (("cold (no containers)", cold, None), ("no-op re-apply", noop, 1.0)):
    dc, sv = res[0]["median"], res[1]["median"]
    ok = sv < dc and (extra is None or sv < extra)
    goal = "faster" + (", < 1 s" if extra else "")
    print(f"| {label} | {dc*1000:.0f} ms | {sv*1000:.0f} ms | {dc/sv:.1f}x | {goal}: {'met' if ok else 'MISSED'} |")
wait, sv = cold[2]["median"], cold[1]["median"]
print(f"| cold, like for like: `up -d` then wait until all healthy | {wait*1000:.0f} ms | {sv*1000:.0f} ms | {wait/sv:.1f}x | (not a goal; the same end state) |")
PY
