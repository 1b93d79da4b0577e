# shellcheck shell=bash
# Sourced by ./selvedge, ./test.sh and bench scripts: selects a JDK >= 21 and exports JAVA_HOME
# and PATH. Pure bash on the common path (no forks), because ./selvedge sources it on every run.
#
#   source scripts/lib/jdk.sh
#   selvedge_select_jdk || exit 1   # sets JAVA_HOME, PATH, SELVEDGE_JAVA_VERSION, SELVEDGE_JAVA_MAJOR
#   selvedge_maven_opts              # quiets Maven 3.8's sun.misc.Unsafe warnings on JDK 24+

SELVEDGE_MIN_JAVA=21

# Sets _selvedge_major and _selvedge_version for the JDK at $1 (from its release file); fails if
# $1 holds no JDK. Sets globals rather than printing: a $(...) here would fork on every run.
_selvedge_jdk_version() {
  local home=$1 line version=""
  _selvedge_major=0 _selvedge_version=""
  [[ -x $home/bin/java ]] || return 1
  if [[ -r $home/release ]]; then
    while IFS= read -r line || [[ -n $line ]]; do
      if [[ $line =~ ^JAVA_VERSION=\"?([^\"]+)\"? ]]; then
        version=${BASH_REMATCH[1]}
        break
      fi
    done <"$home/release"
  fi
  if [[ -z $version ]]; then
    # No release file (unusual layouts): ask the JVM itself; slow, so only as a fallback.
    line=$("$home/bin/java" -version 2>&1) || return 1
    [[ $line =~ version\ \"([^\"]+)\" ]] || return 1
    version=${BASH_REMATCH[1]}
  fi
  local major=${version#1.}
  major=${major%%[!0-9]*}
  [[ -n $major ]] || return 1
  _selvedge_major=$((10#$major)) _selvedge_version=$version
}

# Accepts the JDK at $1 if it is >= SELVEDGE_MIN_JAVA; exports the selection.
_selvedge_try_jdk() {
  local home=$1
  [[ -n $home && -d $home ]] || return 1
  _selvedge_jdk_version "$home" || return 1
  ((_selvedge_major >= SELVEDGE_MIN_JAVA)) || return 1
  export JAVA_HOME=$home
  export SELVEDGE_JAVA_MAJOR=$_selvedge_major SELVEDGE_JAVA_VERSION=$_selvedge_version
  case ":$PATH:" in
    "$home/bin:"*) ;;
    *) export PATH="$home/bin:$PATH" ;;
  esac
}

# Selects $JAVA_HOME if >= 21, else the newest JDK under /usr/lib/jvm, else `java` on PATH.
selvedge_select_jdk() {
  if [[ -n ${JAVA_HOME:-} ]] && _selvedge_try_jdk "$JAVA_HOME"; then
    return 0
  fi
  local dir best="" best_major=0
  for dir in "${SELVEDGE_JVM_DIR:-/usr/lib/jvm}"/*/; do
    dir=${dir%/}
    [[ -L $dir ]] && continue # Debian's java-1.x.y aliases point at real directories listed too
    _selvedge_jdk_version "$dir" || continue
    if ((_selvedge_major > best_major)); then
      best_major=$_selvedge_major
      best=$dir
    fi
  done
  if ((best_major >= SELVEDGE_MIN_JAVA)) && _selvedge_try_jdk "$best"; then
    return 0
  fi
  local java
  if java=$(command -v java 2>/dev/null); then
    java=$(readlink -f "$java" 2>/dev/null || printf '%s' "$java")
    if _selvedge_try_jdk "${java%/bin/java}"; then
      return 0
    fi
  fi
  local newest="no JDK under ${SELVEDGE_JVM_DIR:-/usr/lib/jvm}"
  ((best_major > 0)) && newest="newest under ${SELVEDGE_JVM_DIR:-/usr/lib/jvm} is Java $best_major"
  echo "Selvedge needs Java ${SELVEDGE_MIN_JAVA}+ (JAVA_HOME=${JAVA_HOME:-unset}; $newest;" \
    "java on PATH: ${java:-none}); install e.g. openjdk-21 or temurin, or set JAVA_HOME to it." >&2
  return 1
}

# Maven 3.8's bundled Guava calls sun.misc.Unsafe, which JDK 24+ reports on every build.
selvedge_maven_opts() {
  if ((${SELVEDGE_JAVA_MAJOR:-0} >= 24)) && [[ ${MAVEN_OPTS:-} != *--sun-misc-unsafe-memory-access* ]]; then
    export MAVEN_OPTS="${MAVEN_OPTS:+$MAVEN_OPTS }--sun-misc-unsafe-memory-access=allow"
  fi
}
