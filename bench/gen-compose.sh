#!/usr/bin/env bash
# Writes a deterministic Compose file with N services (default 300) to stdout, shaped like a large
# real stack: tagged images, loopback ports with distinct host ports, ${VAR:-default}
# interpolation, named, bind and tmpfs volumes, depends_on with conditions, healthchecks and logging.
# Stays within what docker-compose 1.29 accepts, since it is the baseline. Pure bash, no network.
#
#   bench/gen-compose.sh 300 > bench/out/compose-300.yaml
# shellcheck disable=SC2016 # ${VAR:-default} below is Compose interpolation, written literally
set -euo pipefail

n=${1:-300}
[[ $n =~ ^[1-9][0-9]*$ ]] || {
  echo "usage: $0 [number-of-services]" >&2
  exit 2
}
bases=$((n < 10 ? n : 10)) # the first services are shared back ends the others depend on

echo "services:"
for ((i = 1; i <= n; i++)); do
  svc=$(printf 'svc-%03d' "$i")
  printf '  %s:\n' "$svc"
  printf '    image: registry.example.com/team/%s:1.%d.%d\n' "$svc" $((i % 7)) $((i % 13))
  if ((i <= bases)); then
    printf '    command: ["serve", "--port", "8080", "--shard", "%d"]\n' "$i"
  fi
  printf '    restart: unless-stopped\n'
  printf '    ports:\n'
  printf '      - "127.0.0.1:%d:8080"\n' $((20000 + i))
  printf '      - "127.0.0.1:%d:9090/tcp"\n' $((30000 + i))
  printf '    environment:\n'
  printf '      SERVICE_NAME: %s\n' "$svc"
  printf '      LOG_LEVEL: ${LOG_LEVEL:-info}\n'
  printf '      DATABASE_URL: postgres://${DB_USER:-app}:${DB_PASSWORD:-secret}@svc-%03d:5432/${DB_NAME:-app_%d}\n' $(((i - 1) % bases + 1)) "$i"
  printf '      CACHE_TTL: "${CACHE_TTL:-300}"\n'
  printf '      FEATURE_FLAGS: ${FEATURE_FLAGS:-alpha,beta}\n'
  printf '    volumes:\n'
  printf '      - data-%03d:/var/lib/app\n' "$i"
  printf '      - ./config/%s:/etc/app:ro\n' "$svc"
  printf '      - type: tmpfs\n'
  printf '        target: /tmp\n'
  if ((i > bases)); then
    printf '    depends_on:\n'
    printf '      svc-%03d:\n' $(((i - 1) % bases + 1))
    printf '        condition: service_healthy\n'
    printf '      svc-%03d:\n' $((i % bases + 1))
    printf '        condition: service_started\n'
  fi
  printf '    healthcheck:\n'
  printf '      test: ["CMD", "curl", "-fsS", "http://localhost:8080/health"]\n'
  printf '      interval: 10s\n'
  printf '      timeout: 3s\n'
  printf '      retries: 5\n'
  printf '      start_period: 20s\n'
  printf '    logging:\n'
  printf '      driver: json-file\n'
  printf '      options:\n'
  printf '        max-size: "10m"\n'
  printf '        max-file: "3"\n'
  printf '    labels:\n'
  printf '      com.example.team: team-%d\n' $((i % 12))
  printf '      com.example.tier: "%s"\n' "$([[ $i -le $bases ]] && echo backend || echo app)"
done
echo "volumes:"
for ((i = 1; i <= n; i++)); do
  printf '  data-%03d: {}\n' "$i"
done
