#!/usr/bin/env bash
# The one test command (README; CI runs exactly this through .ci/run). Installs the prerequisites
# that are missing, selects a JDK >= 21, then runs every module's unit tests (Surefire, *Test),
# integration tests (Failsafe, *IT) and the formatter check: `mvn -B verify`.
# Extra arguments go to Maven, e.g. `./test.sh -pl selvedge-core -Dtest='Yaml*'`.
# Non-interactive: safe with CI=true and no stdin; exits non-zero on any failure.
set -euo pipefail
cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")"

# shellcheck source=scripts/lib/prereq.sh
source scripts/lib/prereq.sh
# Later prerequisites (docker, ...) get a require_* function in scripts/lib/prereq.sh and a call here.
require_jdk
require_maven
# Real services for the integration tests: Docker engine (+TLS listener), sshd, test image,
# docker-compose 1.29 as a peer client, an image registry on 127.0.0.1:5000 (good/bad test images),
# PostgreSQL 15 for the store. Loopback only.
bash scripts/test-services.sh

# --- build and test ---------------------------------------------------------------------------

selvedge_maven_opts
prereq_log "Java $SELVEDGE_JAVA_VERSION at $JAVA_HOME; running mvn -B verify $*"
exec mvn -B -ntp verify "$@" </dev/null
