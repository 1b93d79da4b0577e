#!/usr/bin/env bash
# Several serve replicas sharing one fleet on one PostgreSQL (issue 15; docs/cluster.md).
#
# NODES simulated engines (bench/fleet/EngineStandIn.java, Unix sockets) and REPLICAS `selvedge
# serve` processes of the built jar on a fresh database of the PostgreSQL in BENCH_PG_URL (default:
# the test services' one, /var/lib/selvedge-test/env). Everything is read from the store:
#   - first sweep: from the replicas' start until every node has a recorded sweep;
#   - spread: unexpired claims per replica (max/min), once the claims have settled;
#   - store load: transactions and rows read (pg_stat_database) over WINDOW seconds, per sweep;
#   - take-over: kill -9 of one replica until each node it held was swept by another.
# Usage: NODES=10000 REPLICAS=3 INTERVAL=60s bench/cluster-bench.sh   (report: bench/out/cluster-bench.md)
set -euo pipefail
root=$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/.." && pwd)
cd "$root"

nodes=${NODES:-10000}
replicas=${REPLICAS:-3}
interval=${INTERVAL:-60s}
window=${WINDOW:-120}
heap=${HEAP:-384m}

source scripts/lib/prereq.sh
require_jdk
command -v psql >/dev/null || { echo "cluster-bench: psql is needed" >&2; exit 2; }
facts=/var/lib/selvedge-test/env
pg_url=${BENCH_PG_URL:-$(sed -n 's/^SELVEDGE_TEST_PG_URL=//p' "$facts")}
pg_user=${BENCH_PG_USER:-$(sed -n 's/^SELVEDGE_TEST_PG_USER=//p' "$facts")}
export PGPASSWORD=${BENCH_PG_PASSWORD:-$(sed -n 's/^SELVEDGE_TEST_PG_PASSWORD=//p' "$facts")}
jar=$root/selvedge-cli/target/selvedge.jar
[[ -f $jar ]] || { echo "cluster-bench: no $jar: mvn -o package -DskipTests first" >&2; exit 2; }

hostport=${pg_url#jdbc:postgresql://}; hostport=${hostport%%/*}
pg_host=${hostport%:*}; pg_port=${hostport#*:}
db=selvedge_cluster_bench_$$
work=$(mktemp -d "${TMPDIR:-/tmp}/selvedge-cluster.XXXXXX")
out=$root/bench/out; mkdir -p "$out"; report=$out/cluster-bench.md
started=()
q() { psql -h "$pg_host" -p "$pg_port" -U "$pg_user" -d "$db" -Atq -c "$1"; }
cleanup() {
  for pid in "${started[@]}"; do kill -CONT "$pid" 2>/dev/null || true; kill "$pid" 2>/dev/null || true; done
  for pid in "${started[@]}"; do wait "$pid" 2>/dev/null || true; done
  psql -h "$pg_host" -p "$pg_port" -U "$pg_user" -d postgres -q -c "DROP DATABASE IF EXISTS $db WITH (FORCE)" || true
  rm -rf "$work"
}
trap cleanup EXIT
now() { date +%s.%N; }
since() { python3 -c "print(f'{$(now) - $1:.1f}')"; }

psql -h "$pg_host" -p "$pg_port" -U "$pg_user" -d postgres -q -c "CREATE DATABASE $db"
java bench/fleet/EngineStandIn.java fleet --nodes "$nodes" --out "$work" --sockets "$work/s" \
  --interval "$interval" --timeout 10s --concurrency 64 >/dev/null
java bench/fleet/EngineStandIn.java serve --nodes "$nodes" --sockets "$work/s" >"$work/standin.out" 2>&1 &
started+=($!)
until grep -q '^ready' "$work/standin.out"; do sleep 0.2; done

t0=$(now)
pids=()
for i in $(seq 1 "$replicas"); do
  SELVEDGE_HOME=$work/home-$i SELVEDGE_STORE_URL=jdbc:postgresql://$hostport/$db \
    SELVEDGE_STORE_USER=$pg_user SELVEDGE_STORE_PASSWORD=$PGPASSWORD \
    java -Xmx"$heap" -jar "$jar" serve --fleet "$work/fleet.yaml" --listen 127.0.0.1:0 \
    >/dev/null 2>"$work/serve-$i.err" &
  started+=($!); pids+=($!)
  # the first makes the admin key: the others start once it serves
  until grep -q 'serving http' "$work/serve-$i.err"; do sleep 0.2; done
done
until [[ $(q "SELECT COUNT(*) FROM fleet_node") -ge $nodes ]]; do sleep 1; done
first=$(since "$t0")
# settled: every node claimed, nobody above its share, for two checks in a row
share=$(( (nodes + replicas - 1) / replicas ))
settled=0
while [[ $settled -lt 2 ]]; do
  sleep 5
  read -r n total top < <(q "SELECT COUNT(*), SUM(c), MAX(c) FROM (SELECT COUNT(*) c FROM sweep_claim
    WHERE expires_at > now() GROUP BY replica) x" | tr '|' ' ')
  if [[ $n -eq $replicas && $total -eq $nodes && $top -le $share ]]; then settled=$((settled + 1)); else settled=0; fi
done
spread=$(q "SELECT MAX(c) || ' / ' || MIN(c) FROM (SELECT COUNT(*) c FROM sweep_claim WHERE expires_at > now() GROUP BY replica) x")

stat() { q "SELECT xact_commit + xact_rollback, tup_returned + tup_fetched FROM pg_stat_database WHERE datname = '$db'"; }
IFS='|' read -r x0 r0 < <(stat)
count0=$(q "SELECT COUNT(*) FROM fleet_node")
# sweeps in the window: sampled every second (each node at most once per interval)
declare -A seen=()
swept=0
end=$(( $(date +%s) + window ))
while [[ $(date +%s) -lt $end ]]; do
  while IFS='|' read -r id at; do
    if [[ ${seen[$id]:-} != "$at" ]]; then seen[$id]=$at; swept=$((swept + 1)); fi
  done < <(q "SELECT id, last_swept_at FROM fleet_node")
  sleep 1
done
swept=$((swept - count0))
IFS='|' read -r x1 r1 < <(stat)
per_tx=$(python3 -c "print(f'{($x1 - $x0) / max($swept, 1):.2f}')")
per_rows=$(python3 -c "print(f'{($r1 - $r0) / max($swept, 1):.0f}')")

victim=${pids[$((replicas - 1))]}
vid=$(q "SELECT id FROM cluster_replica WHERE pid = $victim")
q "SELECT node FROM sweep_claim WHERE replica = '$vid' AND expires_at > now()" >"$work/held"
held=$(wc -l <"$work/held")
kill -9 "$victim"
tk=$(now)
killed_at=$(q "SELECT now()")
while true; do
  left=$(q "SELECT COUNT(*) FROM fleet_node WHERE id IN ($(sed "s/.*/'&'/" "$work/held" | paste -sd,))
    AND (last_swept_at <= '$killed_at' OR swept_by = '$vid')")
  [[ $left -eq 0 ]] && break
  sleep 1
done
takeover=$(since "$tk")

{
  echo "## Cluster: $nodes simulated nodes on $replicas replicas ($(date -u +%Y-%m-%dT%H:%MZ))"
  echo
  echo "| measure | value |"
  echo "|---|---|"
  echo "| first sweep of every node, from the first replica's start | ${first} s |"
  echo "| spread: claims per replica, max / min (share $share) | $spread |"
  echo "| sweeps seen in ${window} s (interval $interval) | $swept |"
  echo "| store transactions per sweep (all replicas: sweeps, claims cycles, views, heartbeats) | $per_tx |"
  echo "| store rows read per sweep | $per_rows |"
  echo "| kill -9 of a replica holding $held nodes: all swept by the others after | ${takeover} s |"
} | tee "$report"
