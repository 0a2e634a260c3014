#!/usr/bin/env bash
# Installs (only if missing) and starts real engines on 127.0.0.1 for integration tests, idempotently:
# install if missing, start if stopped, nothing if running.
#
#   scripts/run_local_services.sh up|down|status [postgres|redis|s3|prometheus|kafka ...]  (no names: the first three)
#
#   postgres  PostgreSQL from Debian's packages     postgres://mlops:mlops@127.0.0.1:55432/mlops
#   redis     redis-server from Debian's packages   redis://127.0.0.1:56379
#   s3        s3proxy (Maven Central) on its jclouds filesystem backend, bucket mlops-test,
#             http://127.0.0.1:58080, access key mlops-access-key, secret mlops-secret-key
#   prometheus Debian's prometheus and promtool, installed only: each test starts its own Prometheus
#             against the server it tests (MLOPS_TEST_PROMETHEUS, MLOPS_TEST_PROMTOOL name the binaries)
#   kafka     Apache Kafka (its jars from Maven Central), one KRaft node that is broker and controller,
#             bootstrap 127.0.0.1:59092 (MLOPS_TEST_KAFKA_BROKERS), its controller on 127.0.0.1:59093;
#             topics and committed offsets survive a down and up
#
# Ports: MLOPS_TEST_POSTGRES_PORT, MLOPS_TEST_REDIS_PORT, MLOPS_TEST_S3_PORT, MLOPS_TEST_KAFKA_PORT,
# MLOPS_TEST_KAFKA_CONTROLLER_PORT. State (data, logs, pid files) lives in $MLOPS_SERVICES_DIR (default
# <repo>/.services), one folder per engine. Processes are stopped by the pid in their pid file only. `up`
# writes $MLOPS_SERVICES_DIR/env with `export MLOPS_TEST_...=` lines for every engine that is up, and prints
# the same lines on stdout: eval "$(scripts/run_local_services.sh up)".
# Progress goes to stderr, prefixed [services].
set -euo pipefail

REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
STATE="${MLOPS_SERVICES_DIR:-$REPO/.services}"
POSTGRES_PORT="${MLOPS_TEST_POSTGRES_PORT:-55432}"
REDIS_PORT="${MLOPS_TEST_REDIS_PORT:-56379}"
S3_PORT="${MLOPS_TEST_S3_PORT:-58080}"
KAFKA_PORT="${MLOPS_TEST_KAFKA_PORT:-59092}"
KAFKA_CONTROLLER_PORT="${MLOPS_TEST_KAFKA_CONTROLLER_PORT:-59093}"
# The newest s3proxy on Maven Central (4.1.0 as of writing); built for Java 17 and checked to run on it.
# Its jar-with-dependencies is the self-contained release artifact; resolving the plain jar's dependency
# tree from outside s3proxy's own build picks mismatched Jackson jars (NoClassDefFoundError at start-up).
S3PROXY_VERSION="4.1.0"
S3_BUCKET="mlops-test"
S3_ACCESS_KEY="mlops-access-key"
S3_SECRET_KEY="mlops-secret-key"
S3_REGION="us-east-1"
# Apache Kafka from its Maven Central jars (Apache's release tarball is not reachable here). 4.2 is the
# newest line @platformatic/kafka 2.12 is tested against (3.5.0 to 4.2.0); 4.x brokers need Java 17.
# A directory formatted by a newer Kafka is not readable by an older one: after lowering this version,
# remove $MLOPS_SERVICES_DIR/kafka/data.
KAFKA_VERSION="4.2.2"
# The log4j2 that kafka-server $KAFKA_VERSION depends on: its slf4j binding is added here, as Kafka's own
# release does (with no binding Kafka logs nothing at all).
KAFKA_LOG4J_VERSION="2.25.5"
ALL_SERVICES=(postgres redis s3)
START_TIMEOUT=60 # seconds an engine may take to answer after it was started
STOP_TIMEOUT=10  # seconds an engine may take to stop before SIGKILL

log() { printf '[services] %s\n' "$*" >&2; }
die() {
  log "error: $*"
  exit 1
}
usage() {
  echo "usage: $0 up|down|status [postgres|redis|s3|prometheus|kafka ...]   (no names: the first three)" >&2
  exit 2
}

IS_ROOT=0
[ "$(id -u)" -eq 0 ] && IS_ROOT=1

# --- installing ------------------------------------------------------------------------------------------

APT_UPDATED=0
apt_install() {
  command -v apt-get >/dev/null || die "apt-get not found: install $* yourself"
  local sudo=()
  [ "$IS_ROOT" = 1 ] || sudo=(sudo)
  if [ "$APT_UPDATED" = 0 ]; then
    log "apt-get update"
    "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -qq >&2 || die "apt-get update failed"
    APT_UPDATED=1
  fi
  # Package scripts would start a system-wide instance (redis on 6379, a postgres cluster on 5432) that
  # this script does not own: forbid service starts during the install, as container images do.
  local guard=0
  if [ ! -e /usr/sbin/policy-rc.d ]; then
    printf '#!/bin/sh\nexit 101\n' | "${sudo[@]}" tee /usr/sbin/policy-rc.d >/dev/null
    "${sudo[@]}" chmod 755 /usr/sbin/policy-rc.d
    guard=1
    trap '"${sudo[@]}" rm -f /usr/sbin/policy-rc.d' EXIT
  fi
  log "apt-get install $*"
  local status=0
  "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@" >&2 ||
    status=$?
  if [ "$guard" = 1 ]; then
    "${sudo[@]}" rm -f /usr/sbin/policy-rc.d
    trap - EXIT
  fi
  [ "$status" = 0 ] || die "apt-get install $* failed (exit $status)"
}

require_java17() { # require_java17 <service> <what needs it>
  command -v java >/dev/null || apt_install openjdk-17-jre-headless
  local java_major
  java_major="$(java -XshowSettings:properties -version 2>&1 | sed -n 's/^ *java.specification.version = //p')"
  [ "${java_major:-0}" -ge 17 ] 2>/dev/null || die "$1: $2 needs Java 17+, 'java' is ${java_major:-unknown}"
}

# --- processes -------------------------------------------------------------------------------------------

pid_file() { echo "$STATE/$1/$1.pid"; }
log_file() { echo "$STATE/$1/$1.log"; }

# The name the kernel gives each engine's process: a pid file naming another program is stale (the pid was
# reused), and that program is never signalled.
process_name() {
  case "$1" in
  postgres) echo postgres ;;
  redis) echo redis-server ;;
  s3) echo java ;;
  kafka) echo java ;;
  esac
}

# Alive and not a zombie (a killed child nobody reaped yet answers kill -0 but is dead).
is_alive() {
  local stat
  stat="$(cat "/proc/$1/stat" 2>/dev/null)" || return 1
  stat="${stat##*) }"
  [ "${stat%% *}" != Z ] && [ "${stat%% *}" != X ]
}

# Prints the pid of the engine's running process, or fails (removing a stale pid file).
running_pid() {
  local file pid comm
  file="$(pid_file "$1")"
  [ -f "$file" ] || return 1
  pid="$(tr -dc '0-9' <"$file")"
  if [ -n "$pid" ] && is_alive "$pid"; then
    comm="$(cat "/proc/$pid/comm" 2>/dev/null || true)"
    if [ "$comm" = "$(process_name "$1")" ]; then
      echo "$pid"
      return 0
    fi
  fi
  log "$1: removing stale pid file (pid ${pid:-?} is gone or is another program)"
  rm -f "$file"
  return 1
}

# Signals the pid and waits until it is gone; SIGKILL after STOP_TIMEOUT seconds.
stop_pid() { # stop_pid <service> <pid> <signal>
  local service="$1" pid="$2" signal="$3" killed=0
  kill -"$signal" "$pid" 2>/dev/null || true
  local deadline=$((SECONDS + STOP_TIMEOUT))
  while is_alive "$pid"; do
    if [ "$killed" = 0 ] && [ $SECONDS -ge $deadline ]; then
      log "$service (pid $pid) did not stop within ${STOP_TIMEOUT}s: SIGKILL"
      kill -KILL "$pid" 2>/dev/null || true
      killed=1
    fi
    sleep 0.1
  done
}

stop_signal() {
  # PostgreSQL's SIGTERM waits for every client to leave; SIGINT is its fast shutdown.
  if [ "$1" = postgres ]; then echo INT; else echo TERM; fi
}

stop_service() {
  local service="$1" pid
  if ! pid="$(running_pid "$service")"; then
    log "$service is not running"
    return 0
  fi
  log "stopping $service (pid $pid)"
  stop_pid "$service" "$pid" "$(stop_signal "$service")"
  rm -f "$(pid_file "$service")"
  log "$service stopped"
}

fail_start() { # fail_start <service> <message>: log tail, stop what was started, exit 1
  local service="$1" pid
  log "$service: $2; last 30 lines of $(log_file "$service"):"
  tail -n 30 "$(log_file "$service")" >&2 2>/dev/null || true
  if pid="$(running_pid "$service" 2>/dev/null)"; then
    stop_pid "$service" "$pid" "$(stop_signal "$service")"
  fi
  rm -f "$(pid_file "$service")"
  exit 1
}

# Waits until `ready_<service>` succeeds; fails (with the log's tail) if the process dies or time runs out.
wait_ready() { # wait_ready <service> <seconds>
  local service="$1" deadline=$((SECONDS + $2)) pid
  pid="$(tr -dc '0-9' <"$(pid_file "$service")")"
  until "ready_$service"; do
    is_alive "$pid" || fail_start "$service" "the process exited during start-up"
    [ $SECONDS -lt $deadline ] || fail_start "$service" "not answering within ${2}s"
    sleep 0.2
  done
}

port_in_use() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# Refuses a port something else holds: its answers would be taken for ours.
require_free_port() { # require_free_port <service> <port> <variable>
  if port_in_use "$2"; then
    die "$1: port $2 is taken by a process this script did not start (another checkout's engines?); stop it or set $3"
  fi
}

# Starts a command in the background in a session of its own (a Ctrl-C or hang-up of the caller's
# terminal does not reach it), stdin from /dev/null, output appended to the log, no other inherited file
# descriptor (a caller's pipe held open would keep the caller waiting; fd 9 is our lock), and records its
# pid. setsid does not fork here (a background job of a script is never a process-group leader), so $! is
# the engine itself.
launch() { # launch <service> <command...>
  local service="$1" log
  shift
  log="$(log_file "$service")"
  (
    for fd in "/proc/$BASHPID/fd"/*; do
      fd="${fd##*/}"
      if [ "$fd" -gt 2 ] 2>/dev/null; then eval "exec $fd>&-" 2>/dev/null || true; fi
    done
    exec setsid "$@" </dev/null >>"$log" 2>&1
  ) &
  echo $! >"$(pid_file "$service")"
}

url_of() {
  case "$1" in
  postgres) echo "postgres://mlops:mlops@127.0.0.1:$POSTGRES_PORT/mlops" ;;
  redis) echo "redis://127.0.0.1:$REDIS_PORT" ;;
  s3) echo "http://127.0.0.1:$S3_PORT" ;;
  kafka) echo "127.0.0.1:$KAFKA_PORT" ;;
  esac
}

# --- postgres --------------------------------------------------------------------------------------------

PG_BIN=""
find_postgres_bin() {
  local dir
  for dir in $(printf '%s\n' /usr/lib/postgresql/*/bin | sort -V -r); do
    if [ -x "$dir/initdb" ] && [ -x "$dir/postgres" ] && [ -x "$dir/pg_isready" ]; then
      PG_BIN="$dir"
      return 0
    fi
  done
  return 1
}

# PostgreSQL refuses to run as root: as root, run its programs as the postgres system user. setpriv
# execs the program (no process in between), so a pid taken from the shell is the program's own.
AS_POSTGRES=()
[ "$IS_ROOT" = 1 ] && AS_POSTGRES=(setpriv --reuid=postgres --regid=postgres --init-groups --)
as_postgres() { "${AS_POSTGRES[@]}" "$@"; }

ready_postgres() { "$PG_BIN/pg_isready" -q -h 127.0.0.1 -p "$POSTGRES_PORT" -t 2; }

pg_sql() { # pg_sql <database> <sql>
  PGPASSWORD=mlops PGCONNECT_TIMEOUT=5 "$PG_BIN/psql" -X -q -v ON_ERROR_STOP=1 -h 127.0.0.1 \
    -p "$POSTGRES_PORT" -U mlops -d "$1" -tAc "$2"
}

# Before a start with no running postmaster on record: data/postmaster.pid, PostgreSQL's own lock, may
# name a postmaster that is still alive (our pid file was lost: adopt it) or a dead one. A postmaster
# killed with SIGKILL stays a zombie until pid 1 reaps it, which can take a while here, and PostgreSQL
# takes a zombie's pid for a live postmaster ("lock file postmaster.pid already exists"): remove the lock
# once no process of the old server is left in the data directory.
check_postmaster_lock() { # check_postmaster_lock <postgres home: data directory and socket>
  local data="$1/data" lockpid deadline proc left
  [ -f "$data/postmaster.pid" ] || return 0
  lockpid="$(head -n 1 "$data/postmaster.pid" 2>/dev/null | tr -dc '0-9')"
  if [ -n "$lockpid" ] && is_alive "$lockpid" && [ "$(cat "/proc/$lockpid/comm" 2>/dev/null)" = postgres ] &&
    [ "$(readlink "/proc/$lockpid/cwd" 2>/dev/null)" = "$data" ]; then
    log "postgres: adopting the running postmaster (pid $lockpid) named by $data/postmaster.pid"
    echo "$lockpid" >"$(pid_file postgres)"
    return 0
  fi
  deadline=$((SECONDS + STOP_TIMEOUT))
  while :; do
    left=""
    for proc in /proc/[0-9]*; do
      if [ "$(readlink "$proc/cwd" 2>/dev/null)" = "$data" ] && is_alive "${proc#/proc/}"; then
        left="$left ${proc#/proc/}"
      fi
    done
    [ -n "$left" ] || break
    [ $SECONDS -lt $deadline ] ||
      die "postgres: processes of an old server are still running in $data (pids$left); stop them first"
    sleep 0.2
  done
  log "postgres: removing the stale lock $data/postmaster.pid (pid ${lockpid:-?} is gone)"
  rm -f "$data/postmaster.pid"
  # The socket's lock names the same dead postmaster.
  local socket_lock="$1/.s.PGSQL.$POSTGRES_PORT.lock"
  if [ -f "$socket_lock" ]; then
    lockpid="$(head -n 1 "$socket_lock" 2>/dev/null | tr -dc '0-9')"
    if [ -z "$lockpid" ] || ! is_alive "$lockpid"; then
      rm -f "$socket_lock" "${socket_lock%.lock}"
    fi
  fi
}

# Where the data directory and the socket live: the postgres user must reach it. That is
# <state>/postgres, unless a folder above it is closed to other users (a clone under /root, say): then
# a folder under /var/tmp named after the state folder, which <state>/postgres/pgdir points to.
postgres_home() {
  local dir="$STATE/postgres" fallback
  [ "$IS_ROOT" = 1 ] || {
    echo "$dir"
    return 0
  }
  [ "$(stat -c %U "$dir")" = postgres ] || chown postgres: "$dir"
  if as_postgres test -w "$dir"; then
    echo "$dir"
    return 0
  fi
  if [ "$(stat -c %U "$STATE")" = "$(id -un)" ] && [ "$(($(stat -c '%#a' "$STATE") & 1))" = 0 ]; then
    # e.g. a state folder from mktemp -d (mode 700): let other users pass through it, not list it.
    log "postgres: chmod o+x $STATE so that the postgres user can reach $dir"
    chmod o+x "$STATE"
    if as_postgres test -w "$dir"; then
      echo "$dir"
      return 0
    fi
  fi
  fallback="/var/tmp/mlops-services-$(printf '%s' "$STATE" | cksum | cut -d' ' -f1)/postgres"
  install -d -m 755 "${fallback%/*}"
  install -d -m 700 -o postgres -g "$(id -gn postgres)" "$fallback"
  as_postgres test -w "$fallback" || die "postgres: the postgres user can reach neither $dir nor $fallback"
  [ "$(cat "$dir/pgdir" 2>/dev/null)" = "$fallback" ] || {
    log "postgres: the postgres user cannot reach $dir (a folder above it is closed to other users): data and socket go to $fallback"
    echo "$fallback" >"$dir/pgdir"
  }
  echo "$fallback"
}

up_postgres() {
  find_postgres_bin || {
    apt_install postgresql
    find_postgres_bin || die "postgres: package postgresql installed, but no initdb under /usr/lib/postgresql/*/bin"
  }
  if [ "$IS_ROOT" = 1 ] && ! id postgres >/dev/null 2>&1; then
    log "postgres: creating the postgres system user"
    useradd --system --user-group --no-create-home --home-dir /var/lib/postgresql --shell /usr/sbin/nologin postgres
  fi
  local dir="$STATE/postgres" pgdir # dir: our pid file and logs; pgdir: data directory and socket
  pgdir="$(postgres_home)"
  local socket="$pgdir/.s.PGSQL.$POSTGRES_PORT"
  [ ${#socket} -le 107 ] || die "postgres: socket path $socket is longer than 107 bytes; use a shorter MLOPS_SERVICES_DIR"

  if ! [ -f "$pgdir/data/PG_VERSION" ]; then
    log "postgres: initdb in $pgdir/data ($PG_BIN)"
    rm -rf "$pgdir/data"
    local pwfile="$pgdir/initdb.pw"
    echo mlops >"$pwfile"
    [ "$IS_ROOT" = 1 ] && chown postgres: "$pwfile"
    if ! (cd "$pgdir" && as_postgres "$PG_BIN/initdb" -D "$pgdir/data" -U mlops --pwfile="$pwfile" \
      --auth=scram-sha-256 --encoding=UTF8 --no-locale --no-sync) >"$dir/initdb.log" 2>&1; then
      rm -f "$pwfile"
      log "postgres: initdb failed; last 30 lines of $dir/initdb.log:"
      tail -n 30 "$dir/initdb.log" >&2
      exit 1
    fi
    rm -f "$pwfile"
  fi

  local pid
  if ! pid="$(running_pid postgres)"; then
    check_postmaster_lock "$pgdir"
    pid="$(running_pid postgres 2>/dev/null)" || pid=""
  fi
  if [ -n "$pid" ]; then
    wait_ready postgres "$START_TIMEOUT"
    log "postgres already running (pid $pid)"
    return 0
  fi
  require_free_port postgres "$POSTGRES_PORT" MLOPS_TEST_POSTGRES_PORT
  log "postgres: starting on 127.0.0.1:$POSTGRES_PORT"
  launch postgres "${AS_POSTGRES[@]}" "$PG_BIN/postgres" -D "$pgdir/data" -p "$POSTGRES_PORT" \
    -c listen_addresses=127.0.0.1 -c unix_socket_directories="$pgdir" -c fsync=off \
    -c synchronous_commit=off -c full_page_writes=off -c max_connections=200
  wait_ready postgres "$START_TIMEOUT"
  # The postmaster's own record of its pid is the authority (and equals $! here).
  pid="$(head -n 1 "$pgdir/data/postmaster.pid" 2>/dev/null | tr -dc '0-9')"
  [ -n "$pid" ] && echo "$pid" >"$(pid_file postgres)"
  if [ "$(pg_sql postgres "select 1 from pg_database where datname = 'mlops'")" != 1 ]; then
    log "postgres: creating database mlops"
    pg_sql postgres "create database mlops" >&2 || fail_start postgres "could not create database mlops"
  fi
  log "postgres up (pid $(running_pid postgres))"
}

# --- redis -----------------------------------------------------------------------------------------------

ready_redis() { [ "$(redis-cli -h 127.0.0.1 -p "$REDIS_PORT" ping 2>/dev/null)" = PONG ]; }

up_redis() {
  if ! command -v redis-server >/dev/null || ! command -v redis-cli >/dev/null; then
    apt_install redis-server redis-tools
  fi
  local dir="$STATE/redis" pid
  mkdir -p "$dir/data"
  if pid="$(running_pid redis)"; then
    wait_ready redis "$START_TIMEOUT"
    log "redis already running (pid $pid)"
    return 0
  fi
  require_free_port redis "$REDIS_PORT" MLOPS_TEST_REDIS_PORT
  cat >"$dir/redis.conf" <<EOF
# written by scripts/run_local_services.sh
bind 127.0.0.1
port $REDIS_PORT
protected-mode yes
daemonize no
logfile ""
dir $dir/data
save ""
appendonly no
EOF
  log "redis: starting on 127.0.0.1:$REDIS_PORT"
  launch redis redis-server "$dir/redis.conf"
  wait_ready redis "$START_TIMEOUT"
  log "redis up (pid $(running_pid redis))"
}

# --- s3: s3proxy with its jclouds filesystem backend -----------------------------------------------------

EMPTY_SHA256=e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855

# A request signed with AWS signature v4 by curl itself (--aws-sigv4, curl >= 7.75). curl before 8.x does
# not send x-amz-content-sha256, which s3proxy requires: send the payload's hash (empty body by default).
s3_curl() { # s3_curl <payload sha256> <curl args...>
  local sha="$1"
  shift
  curl -sS --max-time 10 --aws-sigv4 "aws:amz:$S3_REGION:s3" --user "$S3_ACCESS_KEY:$S3_SECRET_KEY" \
    -H "x-amz-content-sha256: $sha" "$@"
}

s3_status_code() { # s3_status_code <method> <path> [curl args...]: prints the HTTP status
  local method="$1" path="$2"
  shift 2
  s3_curl "$EMPTY_SHA256" -o /dev/null -w '%{http_code}' -X "$method" "$@" "http://127.0.0.1:$S3_PORT$path" 2>/dev/null ||
    true
}

HAS_SIGV4=""
has_sigv4() {
  [ -n "$HAS_SIGV4" ] || { curl --help all 2>/dev/null | grep -q -- '--aws-sigv4' && HAS_SIGV4=1 || HAS_SIGV4=0; }
  [ "$HAS_SIGV4" = 1 ]
}

# Answers HTTP at all (403 to an anonymous request is an answer).
ready_s3() {
  local code
  code="$(curl -s -o /dev/null -w '%{http_code}' --max-time 2 "http://127.0.0.1:$S3_PORT/" 2>/dev/null || true)"
  [ -n "$code" ] && [ "$code" != 000 ]
}

# The test bucket exists and our credentials are accepted.
healthy_s3() {
  if has_sigv4; then
    [ "$(s3_status_code HEAD "/$S3_BUCKET" -I)" = 200 ]
  else
    ready_s3 && [ -d "$STATE/s3/data/$S3_BUCKET" ]
  fi
}

s3_lib() { echo "$STATE/s3/lib"; }
s3_jar() { echo "$(s3_lib)/s3proxy-$S3PROXY_VERSION-jar-with-dependencies.jar"; }

fetch_s3proxy() {
  local dir="$STATE/s3" lib
  lib="$(s3_lib)"
  [ -s "$(s3_jar)" ] && return 0
  command -v mvn >/dev/null || apt_install maven
  log "s3: fetching s3proxy $S3PROXY_VERSION from Maven Central (once; cached in ~/.m2 and $lib)"
  local tmp="$dir/lib.tmp"
  rm -rf "$tmp"
  mkdir -p "$tmp"
  # dependency:copy needs no project; run it in the empty tmp folder so no pom.xml around is picked up.
  if ! (cd "$tmp" && mvn -B -q -C -Dstyle.color=never dependency:copy \
    -Dartifact="org.gaul:s3proxy:$S3PROXY_VERSION:jar:jar-with-dependencies" -DoutputDirectory="$tmp") \
    >>"$(log_file s3)" 2>&1; then
    rm -rf "$tmp"
    log "s3: Maven could not fetch org.gaul:s3proxy:$S3PROXY_VERSION; last 30 lines of $(log_file s3):"
    tail -n 30 "$(log_file s3)" >&2
    exit 1
  fi
  rm -rf "$lib"
  mv "$tmp" "$lib"
  rm -f "$dir"/s3proxy-*-jar-with-dependencies.jar # an older layout of this folder
}

ensure_s3_bucket() {
  if ! has_sigv4; then
    # With the filesystem backend a bucket is a folder under the base directory.
    mkdir -p "$STATE/s3/data/$S3_BUCKET"
    return 0
  fi
  local code
  code="$(s3_status_code HEAD "/$S3_BUCKET" -I)"
  case "$code" in
  200) return 0 ;;
  404)
    log "s3: creating bucket $S3_BUCKET"
    code="$(s3_status_code PUT "/$S3_BUCKET")"
    [ "$code" = 200 ] || fail_start s3 "creating bucket $S3_BUCKET answered HTTP $code"
    ;;
  *) fail_start s3 "HEAD /$S3_BUCKET answered HTTP $code (credentials refused?)" ;;
  esac
}

# A real signed PUT, GET and DELETE of an object, done after each start.
probe_s3() {
  has_sigv4 || {
    log "s3: this curl has no --aws-sigv4 (curl >= 7.75 needed); skipped the PUT/GET check"
    return 0
  }
  local key="/$S3_BUCKET/.services-probe-$$" body="probe $$ $SECONDS $RANDOM" sha got code
  sha="$(printf '%s' "$body" | sha256sum | cut -d' ' -f1)"
  code="$(s3_curl "$sha" -o /dev/null -w '%{http_code}' -X PUT --data-binary "$body" \
    -H 'Content-Type: application/octet-stream' "http://127.0.0.1:$S3_PORT$key" 2>/dev/null || true)"
  [ "$code" = 200 ] || fail_start s3 "signed PUT of a test object answered HTTP $code"
  got="$(s3_curl "$EMPTY_SHA256" -f "http://127.0.0.1:$S3_PORT$key" 2>/dev/null || true)"
  [ "$got" = "$body" ] || fail_start s3 "signed GET of the test object returned '$got', not '$body'"
  code="$(s3_status_code DELETE "$key")"
  [ "$code" = 204 ] || [ "$code" = 200 ] || fail_start s3 "signed DELETE of the test object answered HTTP $code"
}

up_s3() {
  local dir="$STATE/s3" pid
  mkdir -p "$dir/data"
  command -v curl >/dev/null || apt_install curl ca-certificates
  if pid="$(running_pid s3)"; then
    wait_ready s3 "$START_TIMEOUT"
    ensure_s3_bucket
    log "s3 already running (pid $pid)"
    return 0
  fi
  require_java17 s3 "s3proxy $S3PROXY_VERSION"
  fetch_s3proxy
  require_free_port s3 "$S3_PORT" MLOPS_TEST_S3_PORT
  cat >"$dir/s3proxy.conf" <<EOF
# written by scripts/run_local_services.sh
s3proxy.endpoint=http://127.0.0.1:$S3_PORT
s3proxy.authorization=aws-v2-or-v4
s3proxy.identity=$S3_ACCESS_KEY
s3proxy.credential=$S3_SECRET_KEY
# empty: virtual-host-style addressing off, buckets are addressed path-style
s3proxy.virtual-host=
jclouds.provider=filesystem
jclouds.filesystem.basedir=$dir/data
EOF
  log "s3: starting s3proxy $S3PROXY_VERSION on 127.0.0.1:$S3_PORT"
  launch s3 java -Xmx1g -cp "$(s3_lib)/*" org.gaul.s3proxy.Main --properties "$dir/s3proxy.conf"
  wait_ready s3 "$START_TIMEOUT"
  ensure_s3_bucket
  probe_s3
  log "s3 up (pid $(running_pid s3))"
}

# --- kafka: Apache Kafka, one KRaft node that is broker and controller ------------------------------------

kafka_lib() { echo "$STATE/kafka/lib"; }

# The jars are this pom's runtime dependencies: the broker (kafka_2.13 holds kafka.Kafka and the storage
# formatter kafka.tools.StorageTool), kafka-tools for the command-line clients (org.apache.kafka.tools.*)
# less Connect's runtime (Jetty, Jersey: no tool used here needs it), and log4j2's slf4j binding.
kafka_pom() {
  cat <<POM
<!-- written by scripts/run_local_services.sh: the jars beside this file are its runtime dependencies -->
<project xmlns="http://maven.apache.org/POM/4.0.0">
  <modelVersion>4.0.0</modelVersion>
  <groupId>local.mlops-services</groupId>
  <artifactId>kafka-lib</artifactId>
  <version>$KAFKA_VERSION</version>
  <packaging>pom</packaging>
  <dependencies>
    <dependency>
      <groupId>org.apache.kafka</groupId>
      <artifactId>kafka_2.13</artifactId>
      <version>$KAFKA_VERSION</version>
    </dependency>
    <dependency>
      <groupId>org.apache.kafka</groupId>
      <artifactId>kafka-tools</artifactId>
      <version>$KAFKA_VERSION</version>
      <exclusions>
        <exclusion>
          <groupId>org.apache.kafka</groupId>
          <artifactId>connect-runtime</artifactId>
        </exclusion>
      </exclusions>
    </dependency>
    <dependency>
      <groupId>org.apache.logging.log4j</groupId>
      <artifactId>log4j-slf4j-impl</artifactId>
      <version>$KAFKA_LOG4J_VERSION</version>
    </dependency>
    <dependency>
      <groupId>org.apache.logging.log4j</groupId>
      <artifactId>log4j-core</artifactId>
      <version>$KAFKA_LOG4J_VERSION</version>
    </dependency>
  </dependencies>
</project>
POM
}

# Resolves the jars once; again only when the pom above changes (a new KAFKA_VERSION, say).
fetch_kafka() {
  local dir="$STATE/kafka" lib
  lib="$(kafka_lib)"
  [ -s "$lib/kafka_2.13-$KAFKA_VERSION.jar" ] && [ "$(cat "$lib/pom.xml" 2>/dev/null)" = "$(kafka_pom)" ] && return 0
  command -v mvn >/dev/null || apt_install maven
  log "kafka: fetching Apache Kafka $KAFKA_VERSION and its dependencies from Maven Central (once; cached in ~/.m2 and $lib)"
  local tmp="$dir/lib.tmp"
  rm -rf "$tmp"
  mkdir -p "$tmp"
  kafka_pom >"$tmp/pom.xml"
  if ! (cd "$tmp" && mvn -B -q -C -Dstyle.color=never dependency:copy-dependencies -DincludeScope=runtime \
    -DoutputDirectory="$tmp") >>"$(log_file kafka)" 2>&1; then
    rm -rf "$tmp"
    log "kafka: Maven could not fetch Apache Kafka $KAFKA_VERSION; last 30 lines of $(log_file kafka):"
    tail -n 30 "$(log_file kafka)" >&2
    exit 1
  fi
  rm -rf "$tmp/target"
  [ -s "$tmp/kafka_2.13-$KAFKA_VERSION.jar" ] || die "kafka: Maven resolved no kafka_2.13-$KAFKA_VERSION.jar into $tmp"
  rm -rf "$lib"
  mv "$tmp" "$lib"
}

# Runs one of Kafka's command-line classes, with a small heap, tuned to start fast, warnings on stderr.
kafka_tool() { # kafka_tool <main class> <args...>
  java -Xmx256m -XX:TieredStopAtLevel=1 -XX:+UseSerialGC -Djava.awt.headless=true \
    -Dlog4j2.configurationFile="$STATE/kafka/tools-log4j2.properties" -cp "$(kafka_lib)/*" "$@"
}

# Written at each start (the ports may have changed); the data folder is formatted once and kept.
write_kafka_config() {
  local dir="$STATE/kafka"
  cat >"$dir/server.properties" <<CONF
# written by scripts/run_local_services.sh
node.id=1
process.roles=broker,controller
listeners=PLAINTEXT://127.0.0.1:$KAFKA_PORT,CONTROLLER://127.0.0.1:$KAFKA_CONTROLLER_PORT
advertised.listeners=PLAINTEXT://127.0.0.1:$KAFKA_PORT
listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT
inter.broker.listener.name=PLAINTEXT
controller.listener.names=CONTROLLER
# A static quorum of this one node: the configuration, not the formatted data, names the controller, so a
# new MLOPS_TEST_KAFKA_CONTROLLER_PORT needs no new format.
controller.quorum.voters=1@127.0.0.1:$KAFKA_CONTROLLER_PORT
log.dirs=$dir/data
# For tests: one replica of everything, topics created on first use, no wait before a group's first rebalance.
auto.create.topics.enable=true
num.partitions=3
default.replication.factor=1
min.insync.replicas=1
offsets.topic.replication.factor=1
offsets.topic.num.partitions=10
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
transaction.state.log.num.partitions=10
share.coordinator.state.topic.replication.factor=1
share.coordinator.state.topic.min.isr=1
group.initial.rebalance.delay.ms=0
# Two cores and a 512 MB heap: fewer threads, a 32 MB compaction buffer (128 MB by default).
num.network.threads=2
num.io.threads=4
num.recovery.threads.per.data.dir=2
log.cleaner.dedupe.buffer.size=33554432
CONF
  cat >"$dir/log4j2.properties" <<CONF
# written by scripts/run_local_services.sh: the broker logs to stdout, which launch appends to kafka.log
status = warn
# log4j2's own shutdown hook would stop logging while Kafka's hook still shuts the broker down.
shutdownHook = disable
appender.stdout.type = Console
appender.stdout.name = STDOUT
appender.stdout.layout.type = PatternLayout
appender.stdout.layout.pattern = [%d] %p %m (%c)%n
rootLogger.level = info
rootLogger.appenderRef.stdout.ref = STDOUT
# Each component's full configuration at each start: server.properties says what differs from the defaults.
logger.config.name = org.apache.kafka.common.config.AbstractConfig
logger.config.level = warn
CONF
  cat >"$dir/tools-log4j2.properties" <<CONF
# written by scripts/run_local_services.sh: Kafka's command-line classes, warnings and errors on stderr
status = warn
appender.stderr.type = Console
appender.stderr.name = STDERR
appender.stderr.target = SYSTEM_ERR
appender.stderr.layout.type = PatternLayout
appender.stderr.layout.pattern = [%d] %p %m (%c)%n
rootLogger.level = warn
rootLogger.appenderRef.stderr.ref = STDERR
CONF
  # For the probe's Admin client: give up within seconds, not the default minute.
  cat >"$dir/admin.properties" <<CONF
# written by scripts/run_local_services.sh
request.timeout.ms=5000
default.api.timeout.ms=10000
CONF
}

kafka_cluster_id() { sed -n 's/^cluster\.id=//p' "$STATE/kafka/data/meta.properties" 2>/dev/null; }

# Formats the data folder, once: a later start keeps its topics and committed offsets.
format_kafka() {
  local dir="$STATE/kafka" id
  [ -f "$dir/data/meta.properties" ] && [ -n "$(kafka_cluster_id)" ] && return 0
  rm -rf "$dir/data"
  if ! id="$(kafka_tool kafka.tools.StorageTool random-uuid 2>>"$(log_file kafka)")" || [ -z "$id" ]; then
    log "kafka: kafka.tools.StorageTool random-uuid failed; last 30 lines of $(log_file kafka):"
    tail -n 30 "$(log_file kafka)" >&2
    exit 1
  fi
  log "kafka: formatting $dir/data (cluster id $id)"
  if ! kafka_tool kafka.tools.StorageTool format --cluster-id "$id" --config "$dir/server.properties" \
    >>"$(log_file kafka)" 2>&1; then
    rm -rf "$dir/data"
    log "kafka: formatting $dir/data failed; last 30 lines of $(log_file kafka):"
    tail -n 30 "$(log_file kafka)" >&2
    exit 1
  fi
}

# Bytes of kafka.log written before the last start: readiness is read from what follows.
KAFKA_LOG_OFFSET=0

# The listener is open and the broker logged that its start-up is done (metadata loaded, groups served).
ready_kafka() {
  port_in_use "$KAFKA_PORT" || return 1
  # Not `| grep -q`: under pipefail tail's SIGPIPE would fail the pipeline once grep has its match.
  [ -n "$(tail -c +$((KAFKA_LOG_OFFSET + 1)) "$(log_file kafka)" 2>/dev/null | grep -m 1 'Kafka Server started')" ]
}

# A real request (DescribeCluster through the Admin client) answered with the cluster id our data folder was
# formatted with: the broker on the port is ours and serves clients.
probe_kafka() {
  local got
  got="$(kafka_tool org.apache.kafka.tools.ClusterTool cluster-id --bootstrap-server "127.0.0.1:$KAFKA_PORT" \
    --command-config "$STATE/kafka/admin.properties" 2>/dev/null | sed -n 's/^Cluster ID: //p')"
  [ -n "$got" ] && [ "$got" = "$(kafka_cluster_id)" ]
}

up_kafka() {
  local dir="$STATE/kafka" pid
  mkdir -p "$dir"
  if pid="$(running_pid kafka)"; then
    wait_ready kafka "$START_TIMEOUT"
    probe_kafka || fail_start kafka "the broker does not report the cluster id of $dir/data"
    log "kafka already running (pid $pid)"
    return 0
  fi
  require_java17 kafka "Apache Kafka $KAFKA_VERSION"
  fetch_kafka
  require_free_port kafka "$KAFKA_PORT" MLOPS_TEST_KAFKA_PORT
  require_free_port kafka "$KAFKA_CONTROLLER_PORT" MLOPS_TEST_KAFKA_CONTROLLER_PORT
  write_kafka_config
  format_kafka
  log "kafka: starting Apache Kafka $KAFKA_VERSION on 127.0.0.1:$KAFKA_PORT (controller 127.0.0.1:$KAFKA_CONTROLLER_PORT)"
  KAFKA_LOG_OFFSET="$(stat -c %s "$(log_file kafka)" 2>/dev/null || echo 0)"
  # Kafka's own JVM flags (kafka-run-class.sh), with a 512 MB heap instead of 1 GB.
  launch kafka java -Xmx512m -Xms512m -XX:+UseG1GC -XX:MaxGCPauseMillis=20 -XX:InitiatingHeapOccupancyPercent=35 \
    -XX:+ExplicitGCInvokesConcurrent -Djava.awt.headless=true -Dlog4j2.configurationFile="$dir/log4j2.properties" \
    -cp "$(kafka_lib)/*" kafka.Kafka "$dir/server.properties"
  wait_ready kafka "$START_TIMEOUT"
  probe_kafka || fail_start kafka "the broker does not report the cluster id of $dir/data"
  log "kafka up (pid $(running_pid kafka))"
}

# --- prometheus (installed, not run) ---------------------------------------------------------------------

up_prometheus() {
  if ! command -v prometheus >/dev/null || ! command -v promtool >/dev/null; then
    apt_install prometheus
  fi
  command -v promtool >/dev/null || die "prometheus: promtool is missing after installing Debian's prometheus"
  log "prometheus installed: $(prometheus --version 2>&1 | head -n 1)"
}

# --- status and the env file -----------------------------------------------------------------------------

healthy() { # healthy <service>: process alive and answering
  case "$1" in
  postgres) find_postgres_bin && ready_postgres ;;
  redis) command -v redis-cli >/dev/null && ready_redis ;;
  s3) command -v curl >/dev/null && healthy_s3 ;;
  kafka) port_in_use "$KAFKA_PORT" && probe_kafka ;;
  esac
}

write_env() {
  local file="$STATE/env"
  {
    echo "# written by scripts/run_local_services.sh: the engines that are up"
    if running_pid postgres >/dev/null 2>&1; then echo "export MLOPS_TEST_POSTGRES_URL=$(url_of postgres)"; fi
    if running_pid redis >/dev/null 2>&1; then echo "export MLOPS_TEST_REDIS_URL=$(url_of redis)"; fi
    if running_pid s3 >/dev/null 2>&1; then
      echo "export MLOPS_TEST_S3_ENDPOINT=$(url_of s3)"
      echo "export MLOPS_TEST_S3_BUCKET=$S3_BUCKET"
      echo "export MLOPS_TEST_S3_ACCESS_KEY_ID=$S3_ACCESS_KEY"
      echo "export MLOPS_TEST_S3_SECRET_ACCESS_KEY=$S3_SECRET_KEY"
    fi
    if running_pid kafka >/dev/null 2>&1; then echo "export MLOPS_TEST_KAFKA_BROKERS=$(url_of kafka)"; fi
    if command -v promtool >/dev/null && command -v prometheus >/dev/null; then
      echo "export MLOPS_TEST_PROMETHEUS=$(command -v prometheus)"
      echo "export MLOPS_TEST_PROMTOOL=$(command -v promtool)"
    fi
  } >"$file.tmp"
  mv "$file.tmp" "$file"
}

# --- main ------------------------------------------------------------------------------------------------

[ $# -ge 1 ] || usage
command="$1"
shift
case "$command" in up | down | status) ;; -h | --help | help) usage ;; *) usage ;; esac
services=()
for service in "$@"; do
  case "$service" in
  postgres | redis | s3 | prometheus | kafka) [[ " ${services[*]-} " == *" $service "* ]] || services+=("$service") ;;
  *) die "unknown service '$service' (known: ${ALL_SERVICES[*]} prometheus kafka)" ;;
  esac
done
[ ${#services[@]} -gt 0 ] || services=("${ALL_SERVICES[@]}")

for variable in MLOPS_TEST_POSTGRES_PORT:$POSTGRES_PORT MLOPS_TEST_REDIS_PORT:$REDIS_PORT MLOPS_TEST_S3_PORT:$S3_PORT \
  MLOPS_TEST_KAFKA_PORT:$KAFKA_PORT MLOPS_TEST_KAFKA_CONTROLLER_PORT:$KAFKA_CONTROLLER_PORT; do
  port="${variable#*:}"
  if ! [[ "$port" =~ ^[0-9]{1,5}$ ]] || [ "$port" -lt 1 ] || [ "$port" -gt 65535 ]; then
    die "${variable%%:*}=$port is not a TCP port"
  fi
done

mkdir -p "$STATE"
STATE="$(cd "$STATE" && pwd)"
for service in "${services[@]}"; do mkdir -p "$STATE/$service"; done

case "$command" in
up)
  exec 9>"$STATE/.lock"
  flock 9 # one `up` or `down` at a time per state folder
  for service in "${services[@]}"; do "up_$service"; done
  write_env
  grep '^export ' "$STATE/env" || true
  ;;
down)
  exec 9>"$STATE/.lock"
  flock 9
  for service in "${services[@]}"; do [ "$service" = prometheus ] || stop_service "$service"; done
  write_env
  ;;
status)
  down=0
  for service in "${services[@]}"; do
    if [ "$service" = prometheus ]; then
      if command -v promtool >/dev/null; then printf '%-8s %s\n' prometheus "installed ($(command -v prometheus))"; else
        printf '%-8s %s\n' prometheus 'not installed'
        down=1
      fi
      continue
    fi
    if pid="$(running_pid "$service" 2>/dev/null)"; then
      if healthy "$service"; then
        printf '%-8s %-4s pid %-7s %s\n' "$service" up "$pid" "$(url_of "$service")"
      else
        printf '%-8s %-4s pid %-7s %s (process alive, not answering)\n' "$service" down "$pid" "$(url_of "$service")"
        down=1
      fi
    else
      printf '%-8s %-4s pid %-7s %s\n' "$service" down - "$(url_of "$service")"
      down=1
    fi
  done
  exit "$down"
  ;;
esac
