#!/usr/bin/env bash
# Installs (when missing) and starts the real services the integration tests talk to, on loopback
# only: a Docker engine on the unix socket plus a TLS listener on tcp://127.0.0.1:2376, an SSH
# server on 127.0.0.1:2222 for ssh:// engines, the offline test image selvedge-test/busybox:1, and
# an image registry on 127.0.0.1:5000 holding selvedge-test/app:good and :bad.
# PostgreSQL 15 on 127.0.0.1:5432 with a role selvedge_test that may create databases.
# Idempotent and quiet; root on Debian 12. Writes the facts tests need to $BASE/env (KEY=VALUE).
# Tests skip with a plain message when that file or a service is absent.
set -euo pipefail

BASE=/var/lib/selvedge-test
TLS_DIR=$BASE/tls
SSH_DIR=$BASE/ssh
ENV_FILE=$BASE/env
LOG_DIR=/var/log/selvedge-test
IMAGE=selvedge-test/busybox:1
TLS_PORT=2376
SSH_PORT=2222
SOCKET=/var/run/docker.sock
DOCKERD_PIDFILE=$BASE/dockerd.pid   # present only when this script started dockerd
REGISTRY=127.0.0.1:5000
REGISTRY_DIR=$BASE/registry
APP=$REGISTRY/selvedge-test/app
PG_VERSION=15                       # Debian 12's
PG_CLUSTER=main
PG_PORT=5432
PG_ROLE=selvedge_test
PG_PASSWORD_FILE=$BASE/postgres-password

say() { echo "test-services: $*" >&2; }
die() { say "$*"; exit 1; }

installed() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q 'ok installed'; }

install_missing() {
  local missing=()
  for p in docker.io busybox-static openssh-server openssl docker-compose docker-registry apache2-utils curl postgresql \
    chromium chromium-driver; do  # chromium: the web UI's browser tests (Selenium, headless)
    installed "$p" || missing+=("$p")
  done
  ((${#missing[@]} == 0)) && return
  say "installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >/dev/null
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

# --- TLS material: a CA, a server cert for 127.0.0.1/localhost, client certs in three key formats.
issue_cert() { # name key-file ext
  local name=$1 key=$2 ext=$3
  openssl req -new -key "$key" -subj "/CN=$name" -out "$TLS_DIR/$name.csr" 2>/dev/null
  openssl x509 -req -in "$TLS_DIR/$name.csr" -CA "$TLS_DIR/ca.pem" -CAkey "$TLS_DIR/ca-key.pem" \
    -CAcreateserial -days 3650 -extfile <(printf '%s\n' "$ext") -out "$TLS_DIR/$name.pem" 2>/dev/null
  rm -f "$TLS_DIR/$name.csr"
}

client_dir() { # dir key-file cert-name
  mkdir -p "$TLS_DIR/$1"
  cp "$TLS_DIR/ca.pem" "$TLS_DIR/$1/ca.pem"
  cp "$2" "$TLS_DIR/$1/key.pem"
  cp "$TLS_DIR/$3.pem" "$TLS_DIR/$1/cert.pem"
}

make_tls() {
  [[ -f $TLS_DIR/.complete ]] && return
  rm -rf "$TLS_DIR"
  mkdir -p "$TLS_DIR"
  chmod 700 "$TLS_DIR"
  local client_ext='extendedKeyUsage=clientAuth'
  openssl genrsa -out "$TLS_DIR/ca-key.pem" 2048 2>/dev/null
  openssl req -x509 -new -key "$TLS_DIR/ca-key.pem" -days 3650 -subj /CN=selvedge-test-ca \
    -out "$TLS_DIR/ca.pem" 2>/dev/null
  openssl genrsa -out "$TLS_DIR/server-key.pem" 2048 2>/dev/null
  issue_cert server-cert "$TLS_DIR/server-key.pem" \
    "$(printf 'subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth')"
  # PKCS#1 ("BEGIN RSA PRIVATE KEY"), as the Docker docs' openssl recipe produces.
  openssl genrsa -traditional -out "$TLS_DIR/client-key.pem" 2048 2>/dev/null
  issue_cert client-cert "$TLS_DIR/client-key.pem" "$client_ext"
  client_dir client "$TLS_DIR/client-key.pem" client-cert
  # PKCS#8 RSA ("BEGIN PRIVATE KEY") and SEC1 EC ("BEGIN EC PRIVATE KEY").
  openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$TLS_DIR/client-pkcs8-key.pem" 2>/dev/null
  issue_cert client-pkcs8-cert "$TLS_DIR/client-pkcs8-key.pem" "$client_ext"
  client_dir client-pkcs8 "$TLS_DIR/client-pkcs8-key.pem" client-pkcs8-cert
  openssl ecparam -name prime256v1 -genkey -noout -out "$TLS_DIR/client-ec-key.pem" 2>/dev/null
  issue_cert client-ec-cert "$TLS_DIR/client-ec-key.pem" "$client_ext"
  client_dir client-ec "$TLS_DIR/client-ec-key.pem" client-ec-cert
  # A client whose ca.pem is some other CA: the server's certificate must then fail verification.
  mkdir -p "$TLS_DIR/wrong-ca"
  openssl req -x509 -newkey rsa:2048 -nodes -keyout "$TLS_DIR/wrong-ca/other-ca-key.pem" -days 3650 \
    -subj /CN=some-other-ca -out "$TLS_DIR/wrong-ca/ca.pem" 2>/dev/null
  cp "$TLS_DIR/client/cert.pem" "$TLS_DIR/client/key.pem" "$TLS_DIR/wrong-ca/"
  chmod -R go-rwx "$TLS_DIR"
  touch "$TLS_DIR/.complete"
}

# --- Docker engine
tls_listener_up() {
  docker --tlsverify --tlscacert "$TLS_DIR/client/ca.pem" --tlscert "$TLS_DIR/client/cert.pem" \
    --tlskey "$TLS_DIR/client/key.pem" -H "tcp://127.0.0.1:$TLS_PORT" version >/dev/null 2>&1
}

our_dockerd_pid() {
  local pid
  [[ -f $DOCKERD_PIDFILE ]] || return 1
  pid=$(cat "$DOCKERD_PIDFILE")
  [[ -n $pid && $(cat "/proc/$pid/comm" 2>/dev/null) == dockerd ]] || return 1
  echo "$pid"
}

start_dockerd() {
  mkdir -p "$LOG_DIR"
  setsid nohup dockerd -H "unix://$SOCKET" -H "tcp://127.0.0.1:$TLS_PORT" --tlsverify \
    --tlscacert "$TLS_DIR/ca.pem" --tlscert "$TLS_DIR/server-cert.pem" \
    --tlskey "$TLS_DIR/server-key.pem" >>"$LOG_DIR/dockerd.log" 2>&1 </dev/null &
  echo $! >"$DOCKERD_PIDFILE"
  for _ in $(seq 1 120); do
    docker info >/dev/null 2>&1 && return
    sleep 0.5
  done
  die "dockerd did not answer within 60 s; see $LOG_DIR/dockerd.log"
}

TLS_UNAVAILABLE=
ensure_docker() {
  if ! docker info >/dev/null 2>&1; then
    start_dockerd
  fi
  tls_listener_up && return
  local pid
  if pid=$(our_dockerd_pid); then
    # Ours, so safe to restart with the listener (e.g. the certificates were regenerated).
    kill "$pid"
    for _ in $(seq 1 60); do [[ -d /proc/$pid ]] || break; sleep 0.5; done
    start_dockerd
    tls_listener_up && return
    TLS_UNAVAILABLE="dockerd started by this script does not answer TLS on 127.0.0.1:$TLS_PORT; see $LOG_DIR/dockerd.log"
  else
    TLS_UNAVAILABLE="a dockerd not started by scripts/test-services.sh is running without the TLS listener on 127.0.0.1:$TLS_PORT; stop it and rerun the script to test tcp+TLS"
  fi
  say "$TLS_UNAVAILABLE"
}

# Leftovers of a test run that was cut off (a killed session, a restarted machine: the tests' own
# clean-up never ran): containers with the test label created over two hours ago, and the unused
# networks of projects named selvedge-* as old. A run in progress is never that old.
remove_stale_test_resources() {
  local cutoff id created name containers
  cutoff=$(date -d '2 hours ago' +%s)
  for id in $(docker ps -aq --filter label=dev.selvedge.test=1); do
    created=$(docker inspect -f '{{.Created}}' "$id" 2>/dev/null) || continue
    if (( $(date -d "$created" +%s) < cutoff )); then
      say "removing a test container left by an earlier run: $(docker inspect -f '{{.Name}}' "$id")"
      docker rm -f "$id" >/dev/null 2>&1 || true
    fi
  done
  for id in $(docker network ls -q --filter label=com.docker.compose.project); do
    read -r name containers created < <(docker network inspect \
      -f '{{.Name}} {{len .Containers}} {{.Created.Format "2006-01-02T15:04:05Z07:00"}}' \
      "$id" 2>/dev/null) || continue
    [[ $name == selvedge-* && $containers == 0 ]] || continue
    if (( $(date -d "$created" +%s) < cutoff )); then
      say "removing a test network left by an earlier run: $name"
      docker network rm "$id" >/dev/null 2>&1 || true
    fi
  done
}

ensure_image() {
  docker image inspect "$IMAGE" >/dev/null 2>&1 && return
  local root
  root=$(mktemp -d)
  mkdir -p "$root/bin" "$root/etc" "$root/www" "$root/tmp"
  cp /bin/busybox "$root/bin/busybox"
  for c in sh httpd wget cat echo sleep ls env true false test mkdir rm printf hostname id nc; do
    ln -s busybox "$root/bin/$c"
  done
  echo 'root:x:0:0:root:/:/bin/sh' >"$root/etc/passwd"
  echo 'root:x:0:' >"$root/etc/group"
  echo ok >"$root/www/index.html"
  tar -C "$root" -c . | docker import -c 'ENV PATH=/bin' -c 'CMD ["sh"]' - "$IMAGE" >/dev/null
  rm -rf "$root"
}

# --- Image registry on loopback (the engine trusts 127.0.0.0/8 without TLS)
registry_up() { curl -fsS -o /dev/null "http://$REGISTRY/v2/" 2>/dev/null; }

ensure_registry() {
  mkdir -p "$REGISTRY_DIR/data" "$LOG_DIR"
  # Our own config rather than the package's: loopback only, no auth, storage under $BASE.
  cat >"$REGISTRY_DIR/config.yml.new" <<CONF
version: 0.1
log:
  level: warn
storage:
  filesystem:
    rootdirectory: $REGISTRY_DIR/data
  delete:
    enabled: true
http:
  addr: $REGISTRY
CONF
  if ! cmp -s "$REGISTRY_DIR/config.yml.new" "$REGISTRY_DIR/config.yml"; then
    mv "$REGISTRY_DIR/config.yml.new" "$REGISTRY_DIR/config.yml"
    stop_registry
  else
    rm -f "$REGISTRY_DIR/config.yml.new"
  fi
  if ! registry_up; then
    setsid nohup docker-registry serve "$REGISTRY_DIR/config.yml" >>"$LOG_DIR/registry.log" 2>&1 </dev/null &
    echo $! >"$REGISTRY_DIR/registry.pid"
  fi
  for _ in $(seq 1 40); do
    registry_up && return
    sleep 0.25
  done
  die "the registry on $REGISTRY does not answer; see $LOG_DIR/registry.log"
}

stop_registry() {
  local pid
  [[ -f $REGISTRY_DIR/registry.pid ]] || return 0
  pid=$(cat "$REGISTRY_DIR/registry.pid")
  [[ -n $pid && $(cat "/proc/$pid/comm" 2>/dev/null) == docker-registry ]] || return 0
  kill "$pid"
  for _ in $(seq 1 20); do [[ -d /proc/$pid ]] || break; sleep 0.25; done
}

# An httpd on 8080 serving /www; the good image answers /healthz, the bad one does not.
push_app() { # tag healthz-body-or-empty
  local tag=$1 healthz=$2 root
  curl -fsS -o /dev/null "http://$REGISTRY/v2/selvedge-test/app/manifests/$tag" \
    -H 'Accept: application/vnd.docker.distribution.manifest.v2+json' 2>/dev/null && return
  root=$(mktemp -d)
  mkdir -p "$root/bin" "$root/etc" "$root/www" "$root/tmp"
  cp /bin/busybox "$root/bin/busybox"
  for c in sh httpd wget cat echo sleep ls env true false test mkdir rm printf hostname id nc; do
    ln -s busybox "$root/bin/$c"
  done
  echo 'root:x:0:0:root:/:/bin/sh' >"$root/etc/passwd"
  echo 'root:x:0:' >"$root/etc/group"
  echo "$tag" >"$root/www/index.html"
  [[ -n $healthz ]] && printf '%s\n' "$healthz" >"$root/www/healthz"
  tar -C "$root" -c . | docker import -c 'ENV PATH=/bin' -c 'EXPOSE 8080' \
    -c 'CMD ["httpd", "-f", "-p", "8080", "-h", "/www"]' - "$APP:$tag" >/dev/null
  rm -rf "$root"
  docker push -q "$APP:$tag" >/dev/null
}

ensure_registry_images() {
  push_app good '{"status":"ok","version":"good"}'
  push_app bad ''
}

# --- SSH server for ssh:// engines
make_ssh() {
  mkdir -p "$SSH_DIR"
  chmod 700 "$SSH_DIR"
  local k
  for k in host_ed25519_key:ed25519 other_host_key:ed25519 id_ed25519:ed25519 id_ecdsa:ecdsa id_wrong:ed25519; do
    [[ -f $SSH_DIR/${k%%:*} ]] || ssh-keygen -q -t "${k##*:}" -N '' -C "selvedge-test-${k%%:*}" -f "$SSH_DIR/${k%%:*}"
  done
  cat "$SSH_DIR/id_ed25519.pub" "$SSH_DIR/id_ecdsa.pub" >"$SSH_DIR/authorized_keys"
  echo "[127.0.0.1]:$SSH_PORT $(cut -d' ' -f1,2 "$SSH_DIR/host_ed25519_key.pub")" >"$SSH_DIR/known_hosts"
  { echo "# a stale entry, as after the host was reinstalled"
    echo "[127.0.0.1]:$SSH_PORT $(cut -d' ' -f1,2 "$SSH_DIR/other_host_key.pub")"; } >"$SSH_DIR/known_hosts_mismatch"
  cat >"$SSH_DIR/sshd_config.new" <<CONF
Port $SSH_PORT
ListenAddress 127.0.0.1
HostKey $SSH_DIR/host_ed25519_key
PidFile $SSH_DIR/sshd.pid
PermitRootLogin prohibit-password
PubkeyAuthentication yes
PasswordAuthentication no
KbdInteractiveAuthentication no
AuthorizedKeysFile $SSH_DIR/authorized_keys
UsePAM no
MaxSessions 64
MaxStartups 32:30:64
Subsystem sftp internal-sftp
CONF
  if ! cmp -s "$SSH_DIR/sshd_config.new" "$SSH_DIR/sshd_config"; then
    mv "$SSH_DIR/sshd_config.new" "$SSH_DIR/sshd_config"
    stop_sshd
  else
    rm -f "$SSH_DIR/sshd_config.new"
  fi
  chmod 600 "$SSH_DIR"/*
}

our_sshd_pid() {
  local pid
  [[ -f $SSH_DIR/sshd.pid ]] || return 1
  pid=$(cat "$SSH_DIR/sshd.pid")
  [[ -n $pid && $(cat "/proc/$pid/comm" 2>/dev/null) == sshd ]] || return 1
  echo "$pid"
}

stop_sshd() {
  local pid
  pid=$(our_sshd_pid) || return 0
  kill "$pid"
  for _ in $(seq 1 20); do [[ -d /proc/$pid ]] || break; sleep 0.25; done
}

ssh_works() {
  ssh -q -i "$SSH_DIR/id_ed25519" -p "$SSH_PORT" -o BatchMode=yes -o IdentitiesOnly=yes \
    -o StrictHostKeyChecking=yes -o UserKnownHostsFile="$SSH_DIR/known_hosts" \
    -o ConnectTimeout=5 root@127.0.0.1 'docker version --format "{{.Server.APIVersion}}"' >/dev/null 2>&1
}

ensure_sshd() {
  if ! our_sshd_pid >/dev/null; then
    mkdir -p /run/sshd "$LOG_DIR"
    /usr/sbin/sshd -f "$SSH_DIR/sshd_config" -E "$LOG_DIR/sshd.log"
  fi
  for _ in $(seq 1 40); do
    ssh_works && return
    sleep 0.25
  done
  die "sshd on 127.0.0.1:$SSH_PORT does not run docker for root@; see $LOG_DIR/sshd.log"
}

# --- PostgreSQL for the store's tests: one cluster on loopback; each test run makes its own
# database (selvedge_test_<random>) as $PG_ROLE and drops it afterwards.
pg_status() { pg_lsclusters --no-header 2>/dev/null | awk -v v="$PG_VERSION" -v c="$PG_CLUSTER" '$1 == v && $2 == c { print $4 }'; }

pg_as_postgres() { runuser -u postgres -- psql -X -q -v ON_ERROR_STOP=1 -p "$PG_PORT" -d postgres "$@"; }

ensure_postgres() {
  local conf_dir=/etc/postgresql/$PG_VERSION/$PG_CLUSTER conf changed=
  [[ -n $(pg_status) ]] || pg_createcluster -p "$PG_PORT" "$PG_VERSION" "$PG_CLUSTER" >/dev/null
  conf=$conf_dir/conf.d/selvedge-test.conf
  printf '%s\n' "# written by selvedge scripts/test-services.sh" "listen_addresses = '127.0.0.1'" \
    "port = $PG_PORT" >"$conf.new"
  if ! cmp -s "$conf.new" "$conf"; then
    mv "$conf.new" "$conf"
    changed=1
  else
    rm -f "$conf.new"
  fi
  if [[ $(pg_status) == online* ]]; then
    [[ -n $changed ]] && pg_ctlcluster "$PG_VERSION" "$PG_CLUSTER" restart
  else
    pg_ctlcluster "$PG_VERSION" "$PG_CLUSTER" start
  fi
  for _ in $(seq 1 60); do
    pg_isready -q -h 127.0.0.1 -p "$PG_PORT" && break
    sleep 0.5
  done
  pg_isready -q -h 127.0.0.1 -p "$PG_PORT" ||
    die "PostgreSQL $PG_VERSION does not answer on 127.0.0.1:$PG_PORT; see /var/log/postgresql/postgresql-$PG_VERSION-$PG_CLUSTER.log"
  if [[ ! -s $PG_PASSWORD_FILE ]]; then
    (umask 077; openssl rand -hex 24 >"$PG_PASSWORD_FILE")
  fi
  chmod 600 "$PG_PASSWORD_FILE"
  # Through stdin, not argv: the password stays out of the process list. Hex, so no quoting.
  pg_as_postgres <<SQL
SELECT format('CREATE ROLE %I', '$PG_ROLE') WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '$PG_ROLE') \\gexec
ALTER ROLE $PG_ROLE WITH LOGIN CREATEDB NOSUPERUSER PASSWORD '$(cat "$PG_PASSWORD_FILE")';
-- The tests drop their scratch databases WITH (FORCE), which also ends an autovacuum worker that
-- happens to be in one: without this role that is refused ("must be a member of the role whose
-- process is being terminated or member of pg_signal_backend") and a passing test fails.
GRANT pg_signal_backend TO $PG_ROLE;
SQL
  PGPASSWORD=$(cat "$PG_PASSWORD_FILE") psql -X -q -h 127.0.0.1 -p "$PG_PORT" -U "$PG_ROLE" -d postgres \
    -c 'SELECT 1' >/dev/null || die "role $PG_ROLE cannot log in to PostgreSQL on 127.0.0.1:$PG_PORT"
}

# --- axe-core for the web UI's accessibility checks, from the npm registry (not served as a WebJar).
AXE_VERSION=4.11.0
AXE_DIR=$BASE/axe
ensure_axe() {
  [[ -s $AXE_DIR/axe-$AXE_VERSION.min.js ]] && return
  command -v npm >/dev/null || { apt-get install -y -qq --no-install-recommends npm >/dev/null; }
  local tmp
  tmp=$(mktemp -d)
  (cd "$tmp" && npm pack --silent "axe-core@$AXE_VERSION" >/dev/null) || die "cannot fetch axe-core $AXE_VERSION"
  tar -xzf "$tmp/axe-core-$AXE_VERSION.tgz" -C "$tmp" package/axe.min.js
  mkdir -p "$AXE_DIR"
  mv "$tmp/package/axe.min.js" "$AXE_DIR/axe-$AXE_VERSION.min.js"
  rm -rf "$tmp"
}

write_env() {
  {
    echo "SELVEDGE_TEST_DOCKER_HOST=unix://$SOCKET"
    echo "SELVEDGE_TEST_IMAGE=$IMAGE"
    echo "SELVEDGE_TEST_TLS_HOST=tcp://127.0.0.1:$TLS_PORT"
    echo "SELVEDGE_TEST_TLS_CERT_PATH=$TLS_DIR/client"
    echo "SELVEDGE_TEST_TLS_CERT_PATH_PKCS8=$TLS_DIR/client-pkcs8"
    echo "SELVEDGE_TEST_TLS_CERT_PATH_EC=$TLS_DIR/client-ec"
    echo "SELVEDGE_TEST_TLS_CERT_PATH_WRONG_CA=$TLS_DIR/wrong-ca"
    [[ -n $TLS_UNAVAILABLE ]] && echo "SELVEDGE_TEST_TLS_UNAVAILABLE=$TLS_UNAVAILABLE"
    echo "SELVEDGE_TEST_SSH_HOST=ssh://root@127.0.0.1:$SSH_PORT"
    echo "SELVEDGE_TEST_SSH_PORT=$SSH_PORT"
    echo "SELVEDGE_TEST_SSH_KEY=$SSH_DIR/id_ed25519"
    echo "SELVEDGE_TEST_SSH_KEY_ECDSA=$SSH_DIR/id_ecdsa"
    echo "SELVEDGE_TEST_SSH_KEY_WRONG=$SSH_DIR/id_wrong"
    echo "SELVEDGE_TEST_SSH_KNOWN_HOSTS=$SSH_DIR/known_hosts"
    echo "SELVEDGE_TEST_SSH_KNOWN_HOSTS_MISMATCH=$SSH_DIR/known_hosts_mismatch"
    echo "SELVEDGE_TEST_COMPOSE=$(command -v docker-compose)"
    echo "SELVEDGE_TEST_REGISTRY=$REGISTRY"
    echo "SELVEDGE_TEST_PG_URL=jdbc:postgresql://127.0.0.1:$PG_PORT/postgres"
    echo "SELVEDGE_TEST_PG_USER=$PG_ROLE"
    echo "SELVEDGE_TEST_PG_PASSWORD=$(cat "$PG_PASSWORD_FILE")"
    echo "SELVEDGE_TEST_AXE=$AXE_DIR/axe-$AXE_VERSION.min.js"
  } >"$ENV_FILE.tmp"
  chmod 600 "$ENV_FILE.tmp"   # holds the PostgreSQL test password
  mv "$ENV_FILE.tmp" "$ENV_FILE"
}

[[ $(id -u) == 0 ]] || die "needs root (installs packages, starts dockerd, sshd and PostgreSQL)"
mkdir -p "$BASE"
rm -f "$ENV_FILE"   # absent until every service is up, so tests skip rather than fail half-way
install_missing
make_tls
ensure_docker
remove_stale_test_resources
ensure_image
ensure_registry
ensure_registry_images
make_ssh
ensure_sshd
ensure_postgres
ensure_axe
write_env
