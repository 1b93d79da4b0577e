#!/usr/bin/env bash
# `selvedge drift` on a 50-container project against the operators' way (one `docker inspect`
# process per container plus one `curl` per readback URL), wall time side by side, twice:
#   1. the whole `selvedge drift` process (JVM start included; goal >= 5x faster), and
#   2. warm inside one JVM, as the control-plane server will run it (goal >= 20x faster).
# Then the same drift over ssh:// (the test sshd on loopback, the deploy directory read over it),
# beside the cost of one SSH handshake measured on its own with OpenSSH: `ssh HOST true` minus the
# same command over an already open connection (goal: within 2x the socket figure plus one
# handshake).
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
fact() { grep "^$1=" /var/lib/selvedge-test/env | cut -d= -f2-; }
image=$(fact SELVEDGE_TEST_IMAGE)
ssh_host=$(fact SELVEDGE_TEST_SSH_HOST)
ssh_port=$(fact SELVEDGE_TEST_SSH_PORT)
export SELVEDGE_SSH_IDENTITY SELVEDGE_SSH_KNOWN_HOSTS
SELVEDGE_SSH_IDENTITY=$(fact SELVEDGE_TEST_SSH_KEY)
SELVEDGE_SSH_KNOWN_HOSTS=$(fact SELVEDGE_TEST_SSH_KNOWN_HOSTS)

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

# OpenSSH with only what is given here, for the handshake figure; $ssh_mux reuses one connection.
ssh_target=${ssh_host#ssh://}
ssh_target=${ssh_target%:*}
openssh=(ssh -F /dev/null -o BatchMode=yes -o "UserKnownHostsFile=$SELVEDGE_SSH_KNOWN_HOSTS" -i "$SELVEDGE_SSH_IDENTITY" -p "$ssh_port")
ssh_mux=$out/ssh-mux
cleanup() {
  "${openssh[@]}" -S "$ssh_mux" -O exit "$ssh_target" >/dev/null 2>&1 || true
  docker-compose -p "$project" -f "$out/compose.yaml" down -v --remove-orphans >/dev/null 2>&1 || true
}
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
ssh_args=("${args[@]}" --host "$ssh_host")
./selvedge "${ssh_args[@]}" >"$out/drift-ssh.json" 2>"$out/drift-ssh.err" || rc=$?
((rc == 0)) || prereq_die "selvedge drift over $ssh_host is not in sync or failed (exit $rc): $(head -c 1500 "$out/drift-ssh.json" "$out/drift-ssh.err")"
"${openssh[@]}" -M -N -f -S "$ssh_mux" "$ssh_target" || prereq_die "cannot open an OpenSSH connection to $ssh_host"

# Interleaved rounds (each round runs both, in random order): the operators' script moves by some
# 10% from one minute to the next, so timing one tool after the other would compare different
# machines.
commands=$(python3 -c 'import json, sys; a = sys.argv[1:]; i = a.index("--"); j = a.index("--", i + 1); k = a.index("--", j + 1)
print(json.dumps({"baseline": ["bash", a[0]], "selvedge": a[1:i], "ssh": a[i + 1:j],
                  "ssh_fresh": a[j + 1:k] + ["true"], "ssh_reused": a[j + 1:k] + ["-S", a[k + 1], "true"]}))' \
  "$out/ops-baseline.sh" ./selvedge "${args[@]}" -- ./selvedge "${ssh_args[@]}" -- "${openssh[@]}" "$ssh_target" -- "$ssh_mux")
python3 - "$out/rounds.json" "$runs" "$commands" <<'PY' ||
import json, random, subprocess, sys, time
out, runs, commands = sys.argv[1], int(sys.argv[2]), json.loads(sys.argv[3])
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
warm_ssh=$(./selvedge __repeat --runs 30 --warmup 15 "${ssh_args[@]}")

python3 - "$out/rounds.json" "$warm" "$n" "$docker_cli $docker_cli_version" "$warm_ssh" "$ssh_host" <<'PY'
import json, statistics, sys
times = json.load(open(sys.argv[1]))
warm = dict(kv.split("=") for kv in sys.argv[2].split())
n = sys.argv[3]
warm_ssh = dict(kv.split("=") for kv in sys.argv[5].split())
ssh_host = sys.argv[6]
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
def med(k):
    return statistics.median(times[k])
def span(k):
    return f"{med(k):.0f} ms ({min(times[k]):.0f}-{max(times[k]):.0f})"
shake = med("ssh_fresh") - med("ssh_reused")
goal = 2 * proc + shake
ssh = med("ssh")
print(f"\nover {ssh_host}, the same rounds\n")
print("| What | Median | Goal |")
print("|:---|---:|:---|")
print(f"| `selvedge drift`, whole process, socket (from above) | {span('selvedge')} | |")
print(f"| one SSH handshake: OpenSSH `ssh HOST true` {span('ssh_fresh')} minus the same over an open connection {span('ssh_reused')} | {shake:.0f} ms | |")
print(f"| `selvedge drift --host {ssh_host}`, whole process | {span('ssh')} | <= 2 x socket + one handshake = {goal:.0f} ms: {'met' if ssh <= goal else 'MISSED'} |")
print(f"| the same, warm in one JVM (30 runs; SSH session kept) | {float(warm_ssh['median_ms']):.1f} ms | |")
PY
