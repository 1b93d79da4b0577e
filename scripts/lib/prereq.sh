# shellcheck shell=bash
# Sourced by ./test.sh and bench scripts: one idempotent require_* function per prerequisite.
# Each installs only what is missing, quietly (output shown only on failure), and apt-get update
# runs at most once per script, and only when something must be installed. Non-interactive.

export DEBIAN_FRONTEND=noninteractive
_prereq_apt_ready=false
_prereq_as_root=()

prereq_log() { echo "${0##*/}: $*" >&2; }
prereq_die() {
  prereq_log "$*"
  exit 1
}

_prereq_apt_update_once() {
  $_prereq_apt_ready && return 0
  command -v apt-get >/dev/null || prereq_die "cannot install $* (no apt-get); install it yourself and re-run"
  if ((EUID != 0)); then
    command -v sudo >/dev/null || prereq_die "installing $* needs root; install it yourself or re-run as root"
    _prereq_as_root=(sudo -n env DEBIAN_FRONTEND=noninteractive)
  fi
  prereq_log "updating apt package lists"
  local out
  out=$("${_prereq_as_root[@]}" apt-get update -qq 2>&1 </dev/null) ||
    prereq_die "apt-get update failed:"$'\n'"$out"
  _prereq_apt_ready=true
}

prereq_apt_install() {
  _prereq_apt_update_once "$@"
  prereq_log "installing $*"
  local out
  out=$("${_prereq_as_root[@]}" apt-get install -y -qq --no-install-recommends "$@" 2>&1 </dev/null) ||
    prereq_die "apt-get install $* failed:"$'\n'"$out"
}

# A JDK >= 21 (scripts/lib/jdk.sh picks it); exports JAVA_HOME and PATH.
require_jdk() {
  # shellcheck source=scripts/lib/jdk.sh
  source "${BASH_SOURCE[0]%/*}/jdk.sh"
  selvedge_select_jdk 2>/dev/null && return 0
  if command -v apt-get >/dev/null; then
    _prereq_apt_update_once "a JDK >= 21"
    local pkg
    for pkg in openjdk-25-jdk-headless openjdk-21-jdk-headless; do
      if apt-cache policy "$pkg" 2>/dev/null | grep -q 'Candidate: [0-9]'; then
        prereq_apt_install "$pkg"
        break
      fi
    done
  fi
  selvedge_select_jdk || exit 1
}

require_maven() {
  command -v mvn >/dev/null || prereq_apt_install maven
}

require_hyperfine() {
  command -v hyperfine >/dev/null || prereq_apt_install hyperfine
}

# The benchmark baseline: Debian's docker-compose 1.29 (Python). `config` needs no Docker engine.
require_docker_compose_v1() {
  command -v docker-compose >/dev/null || prereq_apt_install docker-compose
}
