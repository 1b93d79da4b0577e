#!/usr/bin/env bash
# An apply of a 20-service stack through the control plane's API beside the CLI's `selvedge apply`
# of the same stack, cold (no containers) and as a no-op re-apply. Goal: the server adds < 50 ms.
#
# What the server adds is measured from the operation's own record, so neither polling nor the
# CLI's JVM start-up blurs it: the POST's answer time (contract loaded, verify gate, the engine's
# /info and the lease looked at, the operation recorded) plus, from GET /api/v1/operations/{id},
# the time from the operation's creation to its first step (dispatch, store) and from its last
# step to its end (result recorded). Between the first and the last step runs the Applier, the
# same code as the CLI's. The healthchecks allow more retries than apply-bench.sh's: on a shared
# 2-core machine a gate that fails would end the run, and the gate's time is not what is measured.
# Wall times (POST to the terminal state seen by a client polling every
# 20 ms, and the CLI's run) are printed beside it.
#
#   bench/api-apply-bench.sh                 # SERVICES=20 RUNS=5 by default
set -euo pipefail
root=$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/.." && pwd)
cd "$root"

n=${SERVICES:-20}
runs=${RUNS:-5}
base_port=${BASE_PORT:-19800}
api_port=${API_PORT:-17420}
project=selvedge-bench-api-apply

# shellcheck source=scripts/lib/prereq.sh
source scripts/lib/prereq.sh
require_jdk
require_maven
[[ -r /var/lib/selvedge-test/env ]] || bash scripts/test-services.sh
image=$(grep '^SELVEDGE_TEST_IMAGE=' /var/lib/selvedge-test/env | cut -d= -f2)

out=$root/bench/out/api-apply
rm -rf "$out"
mkdir -p "$out/stack/www" "$out/home"
echo '{"status":"ok"}' >"$out/stack/www/healthz"
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
    ports: ["127.0.0.1:$((base_port + i)):8080"]
    volumes: ["./www:/www:ro"]
    environment:
      INDEX: "$i"
    labels:
      dev.selvedge.test: "1"
    restart: unless-stopped
    healthcheck:
      test: ["CMD", "wget", "-q", "-O-", "http://127.0.0.1:8080/healthz"]
      interval: 1s
      timeout: 5s
      retries: 10
SVC
  done
} >"$out/stack/compose.yaml"
cat >"$out/fleet.yaml" <<FLEET
poll: {interval: 1h, timeout: 10s}
nodes:
  local:
    engine: unix:///var/run/docker.sock
    stacks:
      bench: {contract: $out/stack, project: $project}
FLEET

export SELVEDGE_HOME=$out/home
remove() {
  local ids
  ids=$(docker ps -aq --filter "label=com.docker.compose.project=$project")
  [[ -z $ids ]] || docker rm -f $ids >/dev/null
  docker network rm "${project}_default" >/dev/null 2>&1 || true
}
server=
cleanup() {
  [[ -z $server ]] || kill "$server" 2>/dev/null || true
  [[ -z $server ]] || wait "$server" 2>/dev/null || true
  remove
}
trap cleanup EXIT
remove

./selvedge --version >/dev/null
token=$(./selvedge keys create --name bench --scope operate | tail -1)
./selvedge serve --fleet "$out/fleet.yaml" --listen "127.0.0.1:$api_port" 2>"$out/serve.log" &
server=$!
for _ in $(seq 1 300); do
  curl -fsS "http://127.0.0.1:$api_port/healthz" >/dev/null 2>&1 && break
  sleep 0.1
done
curl -fsS "http://127.0.0.1:$api_port/healthz" >/dev/null || prereq_die "serve did not start: $(tail -5 "$out/serve.log")"

prereq_log "timing $runs cold and $runs no-op applies each way ($n services) ..."
python3 - "$api_port" "$token" "$runs" "$project" "$out" "$n" <<'PY'
import json, statistics, subprocess, sys, time, urllib.request
from datetime import datetime

port, token, runs, project, out = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4], sys.argv[5]
base = f"http://127.0.0.1:{port}"
failures = []

def call(method, path):
    req = urllib.request.Request(base + path, method=method, headers={"Authorization": "Bearer " + token})
    try:
        with urllib.request.urlopen(req) as r:
            return r.status, json.loads(r.read())
    except urllib.error.HTTPError as e:
        return e.code, json.loads(e.read())

def at(text):
    return datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp()

def api_apply():
    t0 = time.perf_counter()
    status, body = call("POST", "/api/v1/nodes/local/stacks/bench/apply")
    post = time.perf_counter() - t0
    if status != 202:
        sys.exit(f"apply answered {status}: {body}")
    while True:
        _, op = call("GET", "/api/v1/operations/" + body["operation"])
        if op["state"] not in ("queued", "running"):
            break
        time.sleep(0.02)
    wall = time.perf_counter() - t0
    if op["state"] != "succeeded":
        # On a loaded machine a gate or the engine can time out: what the server adds is still
        # measured (it is the same work), and the run is counted as failed.
        failures.append("API: " + str((op["result"] or {}).get("summary", op["result"]))[:200])
    steps = op["steps"]
    added = post + (at(steps[0]["at"]) - at(op["created_at"])) + (at(op["finished_at"]) - at(steps[-1]["at"]))
    return wall, added

def cli_apply():
    t0 = time.perf_counter()
    r = subprocess.run(["./selvedge", "apply", "-p", project, "--project-directory", out + "/stack"],
                       capture_output=True, text=True)
    if r.returncode != 0:
        failures.append("CLI: exit " + str(r.returncode) + ": " + r.stdout[-200:])
    return time.perf_counter() - t0

def remove():
    ids = subprocess.run(["docker", "ps", "-aq", "--filter", "label=com.docker.compose.project=" + project],
                         capture_output=True, text=True).stdout.split()
    if ids:
        subprocess.run(["docker", "rm", "-f", *ids], capture_output=True)
    subprocess.run(["docker", "network", "rm", project + "_default"], capture_output=True)

# One warm-up of each way (the server's JIT, the CLI's caches), not counted.
remove(); api_apply(); remove(); cli_apply()
cold_api, cold_added, cold_cli, noop_api, noop_added, noop_cli = [], [], [], [], [], []
for _ in range(runs):
    remove(); w, a = api_apply(); cold_api.append(w); cold_added.append(a)
    w, a = api_apply(); noop_api.append(w); noop_added.append(a)
    remove(); cold_cli.append(cli_apply())
    noop_cli.append(cli_apply())
remove()
ms = lambda xs: f"{statistics.median(xs) * 1000:.0f} ms"
print(f"\n{sys.argv[6]} services, {runs} runs; medians\n")
print("| What | `selvedge apply` (CLI, wall) | API apply (POST to done, wall) | added by the server | Goal |")
print("|:---|---:|---:|---:|:---|")
for label, cli, api, added in (("cold (no containers)", cold_cli, cold_api, cold_added),
                               ("no-op re-apply", noop_cli, noop_api, noop_added)):
    ok = statistics.median(added) < 0.05
    print(f"| {label} | {ms(cli)} | {ms(api)} | {ms(added)} (max {max(added)*1000:.0f} ms) | < 50 ms: {'met' if ok else 'MISSED'} |")
print(f"\n{len(failures)} run(s) not healthy (a gate or the engine timed out: the machine's load)")
for f in failures:
    print("  " + f)
PY
