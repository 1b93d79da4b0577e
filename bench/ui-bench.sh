#!/usr/bin/env bash
# The web UI benchmark (issue 13): the fleet page of NODES (1,000) nodes x 3 stacks on a real
# `selvedge serve` (H2 store, the poller over simulated engines: bench/fleet/EngineStandIn.java),
# measured RUNS (3) times, the median printed beside baselines:
#   server    time to first byte and bytes of GET /ui/fleet with curl: rendered afresh (a query the
#             server has not rendered for this fleet version: a new letter case of q=node, which
#             matches every node) and rendered before (the same again), identity and gzip
#   browser   Navigation Timing in headless Debian chromium (bench/ui/navtiming.py over Debian's
#             chromedriver): responseStart, domInteractive, domContentLoaded, loadEventEnd
#   baselines GET /api/v1/fleet (the same fleet as JSON), and the page's own bytes as a static file
#             from `python3 -m http.server` (curl and the browser)
# The fleet's poll interval is long (10 min: the first sweeps land within its first tenth, the next
# ones 10 min later) so that no sweep changes the fleet's version between two measurements. Every
# figure is written to bench/out/ui/ui-bench.md with the load average; the machine may be shared.
#
#   bench/ui-bench.sh                       # 1,000 nodes x 3 stacks, 3 runs
#   NODES=300 RUNS=5 bench/ui-bench.sh
set -euo pipefail
root=$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/.." && pwd)
cd "$root"

nodes=${NODES:-1000}
runs=${RUNS:-3}
drifted=${DRIFTED:-$((nodes / 10))}

# shellcheck source=scripts/lib/prereq.sh
source scripts/lib/prereq.sh
require_jdk
require_maven
selvedge_maven_opts
command -v curl >/dev/null || prereq_apt_install curl
command -v python3 >/dev/null || prereq_apt_install python3
[[ -x /usr/bin/chromium ]] || prereq_apt_install chromium
[[ -x /usr/bin/chromedriver ]] || prereq_apt_install chromium-driver

jar=$root/selvedge-cli/target/selvedge.jar
if [[ ! -f $jar ]] || [[ -n $(find selvedge-*/src -newer "$jar" -type f -print -quit) ]]; then
  echo "ui-bench: building $jar ..." >&2
  mvn -B -ntp -o -q package -DskipTests -Dspotless.check.skip=true >&2
fi

out=$root/bench/out/ui
rm -rf "$out"
mkdir -p "$out/standin-classes" "$out/static"
sockroot=$(mktemp -d "${TMPDIR:-/tmp}/selvedge-ui.XXXXXX")
started=()
cleanup() {
  local pid
  for pid in "${started[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${started[@]}"; do wait "$pid" 2>/dev/null || true; done
  rm -rf "$sockroot"
}
trap cleanup EXIT
say() { echo "ui-bench: $*" >&2; }
loadavg() { cut -d' ' -f1-3 /proc/loadavg; }
free_port() { python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }

# ------------------------------------------------------------------ the fleet and the server
"$JAVA_HOME/bin/javac" -d "$out/standin-classes" bench/fleet/EngineStandIn.java
dir=$out/fleet
"$JAVA_HOME/bin/java" -Xmx128m -cp "$out/standin-classes" EngineStandIn fleet --nodes "$nodes" \
  --out "$dir" --sockets "$sockroot/ui" --interval 10m
# Three stacks a node: the stand-in runs project shop; api and jobs are declared from the same
# contract but run nothing on the engine (their pills are red: services missing, with reasons).
python3 - "$dir/fleet.yaml" <<'PY'
import re, sys
path = sys.argv[1]
text = open(path).read()
def more(m):
    line = m.group(0)
    extra = [line.replace("shop: {", f"{s}: {{").replace("project: shop", f"project: {s}")
             for s in ("api", "jobs")]
    return "\n".join([line] + extra)
text, n = re.subn(r"^      shop: \{.*\}$", more, text, flags=re.M)
assert n > 0, "no stack lines found"
open(path, "w").write(text)
PY

"$JAVA_HOME/bin/java" -Xmx128m -XX:+UseSerialGC -cp "$out/standin-classes" EngineStandIn serve \
  --nodes "$nodes" --sockets "$sockroot/ui" --drifted "$drifted" >"$out/standin.log" 2>&1 &
started+=($!)
for ((i = 0; i < 1200; i++)); do
  grep -q '^ready' "$out/standin.log" && break
  sleep 0.1
done
grep -q '^ready' "$out/standin.log" || prereq_die "the engine stand-in did not start: $(tail -3 "$out/standin.log")"

SELVEDGE_HOME=$dir/home ./selvedge keys create --name bench --scope read 2>"$out/keys.err" | tail -n 1 >"$out/token"
[[ -s $out/token ]] || prereq_die "keys create failed: $(cat "$out/keys.err")"
port=$(free_port)
url=http://127.0.0.1:$port
t0=$(date +%s%N)
SELVEDGE_HOME=$dir/home ./selvedge serve --fleet "$dir/fleet.yaml" --listen "127.0.0.1:$port" >"$out/serve.log" 2>&1 &
serve_pid=$!
started+=("$serve_pid")
ready=0
for ((i = 0; i < 6000; i++)); do
  if [[ $(curl -s -o /dev/null -w '%{http_code}' "$url/readyz" 2>/dev/null) == 200 ]]; then ready=1; break; fi
  kill -0 "$serve_pid" 2>/dev/null || break
  sleep 0.1
done
((ready)) || prereq_die "serve did not get ready: $(tail -5 "$out/serve.log")"
say "serve ready after $((($(date +%s%N) - t0) / 1000000)) ms (first sweep of $nodes nodes x 3 stacks)"

# Sign in as a browser does; the cookie's value is what the page requests carry.
curl -s -c "$out/cookies" -o /dev/null -H "Origin: $url" --data-urlencode "key@$out/token" "$url/ui/sign-in"
awk '$6 == "selvedge_session" {print $7}' "$out/cookies" >"$out/session"
[[ -s $out/session ]] || prereq_die "signing in failed"
cookie="selvedge_session=$(cat "$out/session")"

# The page must be right before its time means anything.
curl -s -H "Cookie: $cookie" "$url/ui/fleet" >"$out/static/fleet.html"
pills=$(grep -o 'data-stack="[^"]*" data-pill' "$out/static/fleet.html" | wc -l)
((pills == nodes * 3)) || prereq_die "the fleet page shows $pills stack pills, expected $((nodes * 3))"
counts=$(grep -o 'data-count="stacks-[a-z]*">[0-9]* [a-z]*' "$out/static/fleet.html" | sed 's/.*">//' | paste -sd, -)
say "fleet page: $pills stack pills ($counts)"
encoding=$(curl -s -D - -o /dev/null -H "Cookie: $cookie" -H 'Accept-Encoding: gzip' "$url/ui/fleet" | tr -d '\r' | awk -F': ' 'tolower($1) == "content-encoding" {print $2}')
say "GET /ui/fleet with Accept-Encoding: gzip answers Content-Encoding: ${encoding:-none}"
# The static baseline: the same bytes and the same assets from python's file server.
for asset in $(grep -o '/ui/assets/[^"]*' "$out/static/fleet.html" | sort -u); do
  mkdir -p "$out/static/ui/assets"
  curl -s -o "$out/static$asset" "$url$asset"
done
sport=$(free_port)
python3 -m http.server "$sport" --bind 127.0.0.1 --directory "$out/static" >"$out/static.log" 2>&1 &
started+=($!)
surl=http://127.0.0.1:$sport
for ((i = 0; i < 100; i++)); do curl -s -o /dev/null "$surl/fleet.html" && break; sleep 0.1; done

# ------------------------------------------------------------------ measuring
# curl: "ttfb_ms total_ms bytes" of one GET (bytes as received: compressed when asked for gzip).
fetch() {
  curl -s -o /dev/null -w '%{time_starttransfer} %{time_total} %{size_download}\n' "$@" |
    awk '{printf "%.1f %.1f %d\n", $1 * 1000, $2 * 1000, $3}'
}
# A query the server has not rendered yet that still shows every node: q=node in one of its 16
# letter cases, then the same with tag=bench (every node has it): 32 in all.
variant() {
  python3 -c "import sys; i = int(sys.argv[1]); q = ''.join(c.upper() if i >> k & 1 else c for k, c in enumerate('node')); print(('tag=bench&' if i >= 16 else '') + 'q=' + q)" "$(($1 % 32))"
}
results=$out/results.tsv
: >"$results"
rec() { echo "$1	$2	$3" >>"$results"; }
((runs <= 9)) || prereq_die "RUNS: at most 9 (32 distinct queries)"
# Warm-up (not recorded): a server that has run a while has its code compiled by the JIT.
for n in 0 1 2; do
  fetch -H "Cookie: $cookie" "$url/ui/fleet?$(variant $n)" >/dev/null
  fetch -H "Cookie: $cookie" -H 'Accept-Encoding: gzip' "$url/ui/fleet?$(variant $n)" >/dev/null
  fetch -H "Authorization: Bearer $(cat "$out/token")" "$url/api/v1/fleet" >/dev/null
done
n=3
load_start=$(loadavg)
for ((r = 1; r <= runs; r++)); do
  say "run $r of $runs (load $(loadavg))"
  q=$(variant $n); n=$((n + 1))
  read -r ttfb total bytes < <(fetch -H "Cookie: $cookie" "$url/ui/fleet?$q")
  rec "html fresh ttfb" "$r" "$ttfb"; rec "html fresh total" "$r" "$total"; rec "html bytes" "$r" "$bytes"
  read -r ttfb total bytes < <(fetch -H "Cookie: $cookie" "$url/ui/fleet?$q")
  rec "html cached ttfb" "$r" "$ttfb"; rec "html cached total" "$r" "$total"
  q=$(variant $n); n=$((n + 1))
  read -r ttfb total bytes < <(fetch -H "Cookie: $cookie" -H 'Accept-Encoding: gzip' "$url/ui/fleet?$q")
  rec "html gzip fresh ttfb" "$r" "$ttfb"; rec "html gzip fresh total" "$r" "$total"; rec "html gzip bytes" "$r" "$bytes"
  read -r ttfb total bytes < <(fetch -H "Cookie: $cookie" -H 'Accept-Encoding: gzip' "$url/ui/fleet?$q")
  rec "html gzip cached ttfb" "$r" "$ttfb"; rec "html gzip cached total" "$r" "$total"
  read -r ttfb total bytes < <(fetch -H "Authorization: Bearer $(cat "$out/token")" "$url/api/v1/fleet")
  rec "api ttfb" "$r" "$ttfb"; rec "api total" "$r" "$total"; rec "api bytes" "$r" "$bytes"
  read -r ttfb total bytes < <(fetch -H "Authorization: Bearer $(cat "$out/token")" -H 'Accept-Encoding: gzip' "$url/api/v1/fleet")
  rec "api gzip ttfb" "$r" "$ttfb"; rec "api gzip bytes" "$r" "$bytes"
  read -r ttfb total bytes < <(fetch "$surl/fleet.html")
  rec "static ttfb" "$r" "$ttfb"; rec "static total" "$r" "$total"; rec "static bytes" "$r" "$bytes"
  # The browser: a warm-up load (assets into its cache), a fresh render, the same again, static.
  q=$(variant $n); n=$((n + 1))
  python3 bench/ui/navtiming.py "$out/session" "warm:$url/ui/fleet" "$url/ui/fleet?$q" \
    "$url/ui/fleet?$q" "$surl/fleet.html" >"$out/browser-$r.jsonl"
  python3 - "$out/browser-$r.jsonl" "$r" "$nodes" >>"$results" <<'PY'
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
for name, row in zip(("browser fresh", "browser cached", "browser static"), rows):
    assert row["pills"] >= 3 * int(sys.argv[3]), row
    for k in ("responseStart", "domInteractive", "domContentLoaded", "loadEventEnd",
              "transferSize", "decodedBodySize"):
        print(f"{name} {k}\t{sys.argv[2]}\t{row[k]}")
PY
done
load_end=$(loadavg)
kill "$serve_pid" 2>/dev/null || true

# ------------------------------------------------------------------ the report
machine="$(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GB", $2 / 1048576}' /proc/meminfo) RAM, $("$JAVA_HOME/bin/java" -version 2>&1 | head -1), $(/usr/bin/chromium --version 2>/dev/null | head -1)"
python3 - "$results" "$nodes" "$runs" "$machine" "$load_start" "$load_end" "${encoding:-none}" "$counts" >"$out/ui-bench.md" <<'PY'
import statistics, sys
from collections import defaultdict
path, nodes, runs, machine, load0, load1, encoding, counts = sys.argv[1:9]
v = defaultdict(list)
for line in open(path):
    k, _, x = line.rstrip("\n").split("\t")
    v[k].append(float(x))
def med(k):
    xs = v.get(k)
    return statistics.median(xs) if xs else float("nan")
def ms(k):
    xs = v.get(k)
    if not xs:
        return "?"
    return f"{med(k):.0f} ms ({min(xs):.0f}–{max(xs):.0f})"
def kb(k):
    return f"{med(k) / 1024:.0f} KB"
print(f"# Web UI benchmark: fleet page, {int(nodes):,} nodes x 3 stacks")
print()
print(f"`bench/ui-bench.sh`, {runs} runs, median (min–max); {machine}.")
print(f"Load average (1/5/15 min): {load0} at the start, {load1} at the end. Stack pills: {counts}.")
print(f"GET /ui/fleet with `Accept-Encoding: gzip` answers `Content-Encoding: {encoding}`.")
print()
print("| Server (curl on loopback) | time to first byte | total | bytes |")
print("|:---|---:|---:|---:|")
print(f"| `/ui/fleet`, rendered afresh, identity | {ms('html fresh ttfb')} | {ms('html fresh total')} | {kb('html bytes')} |")
print(f"| `/ui/fleet`, rendered before, identity | {ms('html cached ttfb')} | {ms('html cached total')} | |")
print(f"| `/ui/fleet`, rendered afresh, gzip | {ms('html gzip fresh ttfb')} | {ms('html gzip fresh total')} | {kb('html gzip bytes')} |")
print(f"| `/ui/fleet`, rendered before, gzip | {ms('html gzip cached ttfb')} | {ms('html gzip cached total')} | |")
print(f"| baseline: `GET /api/v1/fleet` JSON, identity | {ms('api ttfb')} | {ms('api total')} | {kb('api bytes')} |")
print(f"| baseline: `GET /api/v1/fleet` JSON, gzip | {ms('api gzip ttfb')} | | {kb('api gzip bytes')} |")
print(f"| baseline: the page's bytes as a static file (`python3 -m http.server`) | {ms('static ttfb')} | {ms('static total')} | {kb('static bytes')} |")
print()
print("| Browser (headless chromium, Navigation Timing, ms from navigation start) | responseStart | domInteractive | domContentLoaded | loadEventEnd | transferred / decoded |")
print("|:---|---:|---:|---:|---:|---:|")
for name, label in (("browser fresh", "`/ui/fleet`, rendered afresh"),
                    ("browser cached", "`/ui/fleet`, rendered before"),
                    ("browser static", "baseline: the same bytes, static file")):
    print(f"| {label} | {ms(name + ' responseStart')} | {ms(name + ' domInteractive')} | "
          f"{ms(name + ' domContentLoaded')} | {ms(name + ' loadEventEnd')} | "
          f"{kb(name + ' transferSize')} / {kb(name + ' decodedBodySize')} |")
PY
cat "$out/ui-bench.md"
