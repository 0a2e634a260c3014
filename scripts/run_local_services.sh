#!/usr/bin/env bash
# Installs (only if missing) and starts real engines on 127.0.0.1 for integration tests, idempotently:
# install if missing, start if stopped, nothing if running. Processes are stopped by their pid file only.
#
#   scripts/run_local_services.sh up|down|status [postgres|redis|s3 ...]    (no names: all of them)
#
# State (data, logs, pids) lives in $MLOPS_SERVICES_DIR (default <repo>/.services). After `up`, the file
# $MLOPS_SERVICES_DIR/env holds `export MLOPS_TEST_...=` lines for every engine that is up.
set -euo pipefail

REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
STATE="${MLOPS_SERVICES_DIR:-$REPO/.services}"
POSTGRES_PORT="${MLOPS_TEST_POSTGRES_PORT:-55432}"
REDIS_PORT="${MLOPS_TEST_REDIS_PORT:-56379}"
S3_PORT="${MLOPS_TEST_S3_PORT:-58080}"
S3PROXY_VERSION="2.9.0" # the newest s3proxy that runs on Java 17 with a self-contained jar
S3_BUCKET="mlops-test"
S3_ACCESS_KEY="mlops-access-key"
S3_SECRET_KEY="mlops-secret-key"
ALL_SERVICES=(postgres redis s3)

log() { printf '[services] %s\n' "$*" >&2; }
die() {
  log "error: $*"
  exit 1
}

# --- helpers -----------------------------------------------------------------------------------------

APT_UPDATED=0
apt_install() {
  command -v apt-get >/dev/null || die "apt-get not found: install $* yourself"
  local sudo=""
  [ "$(id -u)" -ne 0 ] && sudo="sudo"
  if [ "$APT_UPDATED" = 0 ]; then
    log "apt-get update"
    DEBIAN_FRONTEND=noninteractive $sudo apt-get update -qq >&2
    APT_UPDATED=1
  fi
  log "apt-get install $*"
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "$@" >&2
}

pid_file() { echo "$STATE/$1/$1.pid"; }

# A killed process whose parent never reaps it stays a zombie: alive to kill -0, but dead.
is_alive() {
  kill -0 "$1" 2>/dev/null && ! grep -q '^[0-9]* ([^)]*) Z' "/proc/$1/stat" 2>/dev/null
}

running_pid() {
  local file
  file="$(pid_file "$1")"
  [ -f "$file" ] || return 1
  local pid
  pid="$(tr -dc '0-9' <"$file")"
  if [ -n "$pid" ] && is_alive "$pid"; then
    echo "$pid"
    return 0
  fi
  rm -f "$file" # stale: the process is gone
  return 1
}

wait_for() { # wait_for <service> <seconds> <command...>
  local service="$1" seconds="$2"
  shift 2
  local deadline=$((SECONDS + seconds))
  until "$@" >/dev/null 2>&1; do
    if ! running_pid "$service" >/dev/null; then
      log "$service exited during start-up; last lines of its log:"
      tail -n 30 "$STATE/$service/$service.log" >&2 || true
      exit 1
    fi
    if [ $SECONDS -ge $deadline ]; then
      log "$service did not become ready within ${seconds}s; last lines of its log:"
      tail -n 30 "$STATE/$service/$service.log" >&2 || true
      exit 1
    fi
    sleep 0.2
  done
}

port_in_use() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# Refuses to start on a port something else holds: its answers would be taken for ours.
require_free_port() { # require_free_port <service> <port> <variable>
  if port_in_use "$2"; then
    die "port $2 for $1 is taken by a process this script did not start (another checkout's services?); stop it or set $3"
  fi
}

stop_service() {
  local service="$1" pid
  if ! pid="$(running_pid "$service")"; then
    log "$service is not running"
    return 0
  fi
  log "stopping $service (pid $pid)"
  # PostgreSQL's SIGTERM waits for clients to leave; SIGINT is its fast shutdown.
  local signal=TERM
  [ "$service" = postgres ] && signal=INT
  kill -"$signal" "$pid" 2>/dev/null || true
  local deadline=$((SECONDS + 10))
  while is_alive "$pid"; do
    if [ $SECONDS -ge $deadline ]; then
      log "$service did not stop in 10 s: SIGKILL"
      kill -KILL "$pid" 2>/dev/null || true
    fi
    sleep 0.1
  done
  rm -f "$(pid_file "$service")"
}

url_of() {
  case "$1" in
  postgres) echo "postgres://mlops:mlops@127.0.0.1:$POSTGRES_PORT/mlops" ;;
  redis) echo "redis://127.0.0.1:$REDIS_PORT" ;;
  s3) echo "http://127.0.0.1:$S3_PORT (bucket $S3_BUCKET)" ;;
  esac
}

# --- postgres ------------------------------------------------------------------------------------------

postgres_bin() {
  local dir
  dir="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)"
  [ -n "$dir" ] && [ -x "$dir/initdb" ] && echo "$dir"
}

as_postgres_user() {
  if [ "$(id -u)" -eq 0 ]; then
    runuser -u postgres -- "$@"
  else
    "$@"
  fi
}

up_postgres() {
  local bin
  bin="$(postgres_bin)" || {
    apt_install postgresql
    bin="$(postgres_bin)" || die "postgresql installed but no initdb found"
  }
  local dir="$STATE/postgres"
  mkdir -p "$dir"
  if [ "$(id -u)" -eq 0 ]; then
    id postgres >/dev/null 2>&1 || useradd --system --home-dir "$dir" --shell /usr/sbin/nologin postgres
    chown postgres "$dir"
    runuser -u postgres -- test -w "$dir" ||
      die "the postgres user cannot reach $dir; set MLOPS_SERVICES_DIR to a folder all users can traverse"
  fi
  if ! [ -f "$dir/data/PG_VERSION" ]; then
    log "initialising PostgreSQL in $dir/data"
    rm -rf "$dir/data"
    local pwfile="$dir/pw"
    echo "mlops" >"$pwfile"
    [ "$(id -u)" -eq 0 ] && chown postgres "$pwfile"
    as_postgres_user "$bin/initdb" -D "$dir/data" -U mlops --pwfile="$pwfile" --auth=scram-sha-256 \
      -E UTF8 --locale=C.UTF-8 >"$dir/initdb.log" 2>&1 || {
      tail -n 30 "$dir/initdb.log" >&2
      die "initdb failed"
    }
    rm -f "$pwfile"
  fi
  if running_pid postgres >/dev/null; then
    log "postgres already running"
  else
    require_free_port postgres "$POSTGRES_PORT" MLOPS_TEST_POSTGRES_PORT
    log "starting PostgreSQL on 127.0.0.1:$POSTGRES_PORT"
    as_postgres_user "$bin/postgres" -D "$dir/data" -p "$POSTGRES_PORT" -c listen_addresses=127.0.0.1 \
      -c unix_socket_directories="$dir" -c fsync=off -c synchronous_commit=off -c full_page_writes=off \
      -c max_connections=200 >>"$dir/postgres.log" 2>&1 &
    echo $! >"$(pid_file postgres)"
    wait_for postgres 30 "$bin/pg_isready" -h 127.0.0.1 -p "$POSTGRES_PORT" -q
    # Track the postmaster itself, not the runuser wrapper that started it.
    head -n 1 "$dir/data/postmaster.pid" >"$(pid_file postgres)"
    if ! PGPASSWORD=mlops psql -h 127.0.0.1 -p "$POSTGRES_PORT" -U mlops -d postgres -tAc \
      "select 1 from pg_database where datname = 'mlops'" | grep -q 1; then
      PGPASSWORD=mlops psql -h 127.0.0.1 -p "$POSTGRES_PORT" -U mlops -d postgres -qc "create database mlops" >&2
    fi
  fi
}

status_postgres() {
  local bin
  bin="$(postgres_bin)" || return 1
  "$bin/pg_isready" -h 127.0.0.1 -p "$POSTGRES_PORT" -q
}

# --- redis ---------------------------------------------------------------------------------------------

up_redis() {
  command -v redis-server >/dev/null || apt_install redis-server
  local dir="$STATE/redis"
  mkdir -p "$dir"
  if running_pid redis >/dev/null; then
    log "redis already running"
    return 0
  fi
  require_free_port redis "$REDIS_PORT" MLOPS_TEST_REDIS_PORT
  log "starting Redis on 127.0.0.1:$REDIS_PORT"
  cat >"$dir/redis.conf" <<EOF
bind 127.0.0.1
port $REDIS_PORT
dir $dir
daemonize no
save ""
appendonly no
protected-mode yes
EOF
  redis-server "$dir/redis.conf" >>"$dir/redis.log" 2>&1 &
  echo $! >"$(pid_file redis)"
  wait_for redis 20 status_redis
}

status_redis() {
  [ "$(redis-cli -h 127.0.0.1 -p "$REDIS_PORT" ping 2>/dev/null)" = "PONG" ]
}

# --- s3 (s3proxy with its filesystem backend) -----------------------------------------------------------

s3_jar() { echo "$STATE/s3/s3proxy-$S3PROXY_VERSION-jar-with-dependencies.jar"; }

up_s3() {
  local dir="$STATE/s3"
  mkdir -p "$dir/data"
  command -v java >/dev/null || apt_install openjdk-17-jre-headless
  if ! [ -f "$(s3_jar)" ]; then
    command -v mvn >/dev/null || apt_install maven
    log "fetching s3proxy $S3PROXY_VERSION from Maven Central"
    mvn -q dependency:copy -Dartifact="org.gaul:s3proxy:$S3PROXY_VERSION:jar:jar-with-dependencies" \
      -DoutputDirectory="$dir" >&2 || die "could not fetch s3proxy with Maven"
  fi
  # With the filesystem backend a bucket is a folder.
  mkdir -p "$dir/data/$S3_BUCKET"
  if running_pid s3 >/dev/null; then
    log "s3 already running"
    return 0
  fi
  require_free_port s3 "$S3_PORT" MLOPS_TEST_S3_PORT
  log "starting s3proxy on 127.0.0.1:$S3_PORT"
  cat >"$dir/s3proxy.conf" <<EOF
s3proxy.endpoint=http://127.0.0.1:$S3_PORT
s3proxy.authorization=aws-v2-or-v4
s3proxy.identity=$S3_ACCESS_KEY
s3proxy.credential=$S3_SECRET_KEY
s3proxy.virtual-host=
jclouds.provider=filesystem
jclouds.filesystem.basedir=$dir/data
EOF
  java -Xmx256m -jar "$(s3_jar)" --properties "$dir/s3proxy.conf" >>"$dir/s3.log" 2>&1 &
  echo $! >"$(pid_file s3)"
  wait_for s3 60 status_s3
}

status_s3() {
  # A signed HEAD of the test bucket: proves the server answers and accepts our credentials.
  [ "$(curl -s -o /dev/null -w '%{http_code}' --max-time 3 -I --aws-sigv4 "aws:amz:us-east-1:s3" \
    --user "$S3_ACCESS_KEY:$S3_SECRET_KEY" -H "x-amz-content-sha256: UNSIGNED-PAYLOAD" \
    "http://127.0.0.1:$S3_PORT/$S3_BUCKET")" = "200" ]
}

# --- env file ------------------------------------------------------------------------------------------

write_env() {
  local file="$STATE/env"
  {
    echo "# written by scripts/run_local_services.sh; source it to reach the test engines"
    if running_pid postgres >/dev/null; then echo "export MLOPS_TEST_POSTGRES_URL=$(url_of postgres)"; fi
    if running_pid redis >/dev/null; then echo "export MLOPS_TEST_REDIS_URL=$(url_of redis)"; fi
    if running_pid s3 >/dev/null; then
      echo "export MLOPS_TEST_S3_ENDPOINT=http://127.0.0.1:$S3_PORT"
      echo "export MLOPS_TEST_S3_BUCKET=$S3_BUCKET"
      echo "export MLOPS_TEST_S3_ACCESS_KEY_ID=$S3_ACCESS_KEY"
      echo "export MLOPS_TEST_S3_SECRET_ACCESS_KEY=$S3_SECRET_KEY"
    fi
  } >"$file.tmp"
  mv "$file.tmp" "$file"
}

# --- main ----------------------------------------------------------------------------------------------

command="${1:-}"
[ $# -gt 0 ] && shift
services=("$@")
[ ${#services[@]} -eq 0 ] && services=("${ALL_SERVICES[@]}")
for service in "${services[@]}"; do
  case "$service" in postgres | redis | s3) ;; *) die "unknown service '$service' (known: ${ALL_SERVICES[*]})" ;; esac
done
mkdir -p "$STATE"

case "$command" in
up)
  for service in "${services[@]}"; do "up_$service"; done
  write_env
  for service in "${services[@]}"; do log "$service up: $(url_of "$service")"; done
  ;;
down)
  for service in "${services[@]}"; do stop_service "$service"; done
  write_env
  ;;
status)
  down=0
  for service in "${services[@]}"; do
    if pid="$(running_pid "$service")" && "status_$service"; then
      printf '%-9s up    pid %-7s %s\n' "$service" "$pid" "$(url_of "$service")"
    else
      printf '%-9s down\n' "$service"
      down=1
    fi
  done
  exit $down
  ;;
*)
  echo "usage: $0 up|down|status [${ALL_SERVICES[*]// /|} ...]" >&2
  exit 2
  ;;
esac
