#!/usr/bin/env bash
# `selvedge drift` on a 50-container project against the operators' way (one `docker inspect`
# process per container plus one `curl` per readback URL), wall time side by side, twice:
#   1. the whole `selvedge drift` process (JVM start included; goal >= 5x faster), and
#   2. warm inside one JVM, as the control-plane server will run it (goal >= 20x faster).
# The stack is brought up with docker-compose 1.29 from the offline test image, published on
# 127.0.0.1 only, and removed at the end even when the run fails.
#
#   bench/drift-bench.sh                 # CONTAINERS=50 RUNS=20 (interleaved rounds) by default
set -euo pipefail
root=$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/.." && pwd)
cd "$root"

n=${CONTAINERS:-50}
runs=${RUNS:-20}
base_port=${BASE_PORT:-19100}
project=selvedge-bench-drift

# shellcheck source=scripts/lib/prereq.sh
source scripts/lib/prereq.sh
require_jdk
require_maven
bash scripts/test-services.sh
command -v curl >/dev/null || { apt-get install -y -qq curl >/dev/null || prereq_die "curl is needed"; }
image=$(grep '^SELVEDGE_TEST_IMAGE=' /var/lib/selvedge-test/env | cut -d= -f2)

out=$root/bench/out/drift
rm -rf "$out"
mkdir -p "$out/www"
echo '{"status":"ok"}' >"$out/www/healthz"
{
  echo 'version: "3.8"'
  echo 'services:'
  for ((i = 1; i <= n; i++)); do
    cat <<SVC
  svc$i:
    image: $image
    command: ["httpd", "-f", "-p", "8080", "-h", "/www"]
    ports: ["127.0.0.1:$((base_port + i)):8080"]
    volumes: ["./www:/www:ro"]
    environment:
      INDEX: "$i"
      MODE: prod
    labels:
      dev.selvedge.test: "1"
    restart: unless-stopped
    x-selvedge:
      readback:
        health: http://127.0.0.1:$((base_port + i))/healthz
        expect: {status: ok}
SVC
  done
} >"$out/compose.yaml"

cleanup() { docker-compose -p "$project" -f "$out/compose.yaml" down -v --remove-orphans >/dev/null 2>&1 || true; }
trap cleanup EXIT
cleanup # a stack left by an interrupted run would keep mounts of the directory just recreated
prereq_log "starting $n containers with docker-compose ..."
docker-compose -p "$project" -f "$out/compose.yaml" up -d >"$out/up.log" 2>&1 || prereq_die "docker-compose up failed: $(tail -5 "$out/up.log")"
for ((i = 1; i <= n; i++)); do
  for _ in $(seq 50); do curl -fsS -o /dev/null "http://127.0.0.1:$((base_port + i))/healthz" && break; sleep 0.1; done
done

# The operators' script: what the seeds do by hand today, with the docker CLI first on PATH (named
# in the results: CLIs differ. This machine also has Debian's 20.10 CLI, which takes twice as long
# per invocation as the 28.x one; DOCKER_CLI=/usr/bin/docker picks it).
docker_cli=${DOCKER_CLI:-$(command -v docker)}
docker_cli_version=$("$docker_cli" version --format '{{.Client.Version}}' 2>/dev/null) ||
  prereq_die "$docker_cli cannot reach the engine"
cat >"$out/ops-baseline.sh" <<OPS
#!/usr/bin/env bash
for id in \$($docker_cli ps -q --filter label=com.docker.compose.project=$project); do
  $docker_cli inspect "\$id" >/dev/null
done
for ((i = 1; i <= $n; i++)); do
  curl -fsS -m 5 -o /dev/null "http://127.0.0.1:\$(($base_port + i))/healthz"
done
OPS
chmod +x "$out/ops-baseline.sh"

./selvedge --version >/dev/null
args=(drift --project-directory "$out" -p "$project" --format json)
rc=0
./selvedge "${args[@]}" >"$out/drift.json" 2>"$out/drift.err" || rc=$?
((rc == 0)) || prereq_die "selvedge drift is not in sync or failed (exit $rc): $(head -c 1500 "$out/drift.json" "$out/drift.err")"

# Interleaved rounds (each round runs both, in random order): the operators' script moves by some
# 10% from one minute to the next, so timing one tool after the other would compare different
# machines.
python3 - "$out/rounds.json" "$runs" "$out/ops-baseline.sh" "./selvedge" "${args[@]}" <<'PY' ||
import json, random, subprocess, sys, time
out, runs, script, selvedge, args = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4], sys.argv[5:]
commands = {"baseline": ["bash", script], "selvedge": [selvedge, *args]}
times = {k: [] for k in commands}
for i in range(runs + 2):  # two warm-up rounds
    order = list(commands)
    random.shuffle(order)
    for k in order:
        t = time.perf_counter()
        subprocess.run(commands[k], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
        if i >= 2:
            times[k].append((time.perf_counter() - t) * 1000)
json.dump(times, open(out, "w"))
PY
  prereq_die "the interleaved rounds failed (a command exited non-zero)"
warm=$(./selvedge __repeat --runs 30 --warmup 15 "${args[@]}")

python3 - "$out/rounds.json" "$warm" "$n" "$docker_cli $docker_cli_version" <<'PY'
import json, statistics, sys
times = json.load(open(sys.argv[1]))
warm = dict(kv.split("=") for kv in sys.argv[2].split())
n = sys.argv[3]
print(f"\nbaseline docker CLI: {sys.argv[4]}")
base = statistics.median(times["baseline"])
proc = statistics.median(times["selvedge"])
w = float(warm["median_ms"])
print(f"\n{n} containers, {len(times['baseline'])} interleaved rounds; median wall time (min-max)\n")
print("| What | Median | vs operators' script | Goal |")
print("|:---|---:|---:|:---|")
print(f"| operators' script: docker inspect + curl per container | {base:.0f} ms ({min(times['baseline']):.0f}-{max(times['baseline']):.0f}) | 1.0x | baseline |")
print(f"| `selvedge drift`, whole process | {proc:.0f} ms ({min(times['selvedge']):.0f}-{max(times['selvedge']):.0f}) | {base/proc:.1f}x | >= 5x: {'met' if base/proc >= 5 else 'MISSED'} |")
print(f"| `selvedge drift`, warm in one JVM (30 runs) | {w:.1f} ms | {base/w:.0f}x | >= 20x: {'met' if base/w >= 20 else 'MISSED'} |")
PY
