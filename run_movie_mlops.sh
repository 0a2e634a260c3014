#!/usr/bin/env bash
# The seed guide's entry point, with its menu numbers, mapped onto the `mlops` command. One process serves
# every stage; started from here it also answers on the guide's ports (8080 Airflow, 8001 PyTorch API,
# 6566 Feast, 5000 MLflow), so the guide's commands work as written.
#
#   ./run_movie_mlops.sh          the menu (on a terminal)
#   ./run_movie_mlops.sh 11       one option, no questions (scripts, CI)
set -uo pipefail
cd "$(dirname "$0")" || exit 1

HOME_DIR=${MLOPS_HOME:-./.mlops}
PORT=${MLOPS_PORT:-8000}
HOST=${MLOPS_HOST:-127.0.0.1}
URL="http://${HOST}:${PORT}"
PID_FILE="$HOME_DIR/run_movie_mlops.pid"
LOG_FILE="$HOME_DIR/logs/platform.log"
GUIDE_PORTS=(8080 8001 6566 5000)
READY_TIMEOUT=${MLOPS_READY_TIMEOUT_SECONDS:-180}
CURL_AUTH=()
[ -n "${MLOPS_TOKEN:-}" ] && CURL_AUTH=(-H "Authorization: Bearer ${MLOPS_TOKEN}")

say() { printf '%s\n' "$*"; }
fail() { printf 'run_movie_mlops: %s\n' "$*" >&2; exit 1; }

is_running() { [ -f "$PID_FILE" ] && kill -0 "$(cat "$PID_FILE")" 2>/dev/null; }

setup() {
  [ -f .env ] || { cp .env.template .env && say "created .env from .env.template (edit it to set TMDB_API_KEY and the rest)"; }
  if [ ! -d node_modules ] || [ ! -f dist/cli/main.js ]; then
    say "installing dependencies and building (npm install)..."
    npm install --no-audit --no-fund || fail "npm install failed"
  fi
  say "set up: start everything with ./run_movie_mlops.sh 2"
}

start_all() {
  [ -f dist/cli/main.js ] || setup
  if is_running; then
    say "already running (pid $(cat "$PID_FILE")) at $URL"
    return 0
  fi
  mkdir -p "$(dirname "$LOG_FILE")"
  say "starting movie-mlops (logs: $LOG_FILE)..."
  MLOPS_EXTRA_PORTS=${MLOPS_EXTRA_PORTS:-guide} MLOPS_LOG_FORMAT=${MLOPS_LOG_FORMAT:-json} \
    nohup node dist/cli/main.js up >>"$LOG_FILE" 2>&1 &
  echo $! >"$PID_FILE"
  local waited=0
  until curl -fsS "${CURL_AUTH[@]}" "$URL/ready" >/dev/null 2>&1; do
    if ! is_running; then
      rm -f "$PID_FILE"
      tail -n 20 "$LOG_FILE" >&2
      fail "the platform stopped while starting (last lines of $LOG_FILE above)"
    fi
    [ "$waited" -ge "$READY_TIMEOUT" ] && fail "not ready after ${READY_TIMEOUT}s: see $LOG_FILE"
    sleep 1
    waited=$((waited + 1))
    [ $((waited % 5)) -eq 0 ] && say "  ...waiting for the first model (${waited}s)"
  done
  say "movie-mlops is up: web UI $URL/  API docs $URL/docs"
  say "  the guide's ports answer too: ${GUIDE_PORTS[*]} (Airflow, PyTorch API, Feast, MLflow: all this one app)"
}

stop_all() {
  if ! is_running; then
    say "not running"
    rm -f "$PID_FILE"
    return 0
  fi
  local pid
  pid=$(cat "$PID_FILE")
  kill -TERM "$pid"
  for _ in $(seq 1 30); do
    kill -0 "$pid" 2>/dev/null || break
    sleep 1
  done
  kill -0 "$pid" 2>/dev/null && kill -KILL "$pid"
  rm -f "$PID_FILE"
  say "stopped"
}

status() {
  node dist/cli/main.js status --url "$URL"
  local code=$?
  for port in "${GUIDE_PORTS[@]}"; do
    if curl -fsS "${CURL_AUTH[@]}" "http://${HOST}:${port}/health" >/dev/null 2>&1; then
      say "  port $port: up"
    else
      say "  port $port: not answering (started with ./run_movie_mlops.sh 2, or MLOPS_EXTRA_PORTS=guide)"
    fi
  done
  return $code
}

# The guide's final check and its real-usage scenario, against the running platform.
system_test() {
  is_running || curl -fsS "$URL/health" >/dev/null 2>&1 || start_all
  local failures=0
  check() {
    local name=$1
    shift
    local code
    code=$(curl -s -o /tmp/run_movie_mlops.$$ -w '%{http_code}' "${CURL_AUTH[@]}" "$@")
    if [[ "$code" =~ ^2 ]]; then
      say "  ok    $name ($code)"
    else
      say "  FAIL  $name ($code): $(head -c 300 /tmp/run_movie_mlops.$$)"
      failures=$((failures + 1))
    fi
  }
  say "== the MLOps house, stage by stage"
  check "1 pipelines (Airflow, :8080)" "http://${HOST}:8080/health"
  check "2 features (Feast, :6566)" "http://${HOST}:6566/health"
  check "5 training pipeline registered" "http://${HOST}:8080/api/v1/dags/movie_training_pipeline" -u admin:admin
  check "6 registry (MLflow, :5000)" "http://${HOST}:5000/health"
  check "7 serving (PyTorch API, :8001)" "http://${HOST}:8001/health"
  check "8 metrics" "$URL/metrics"
  check "9 events" "$URL/api/v1/events?limit=1"
  say "== the guide's usage scenario"
  check "recommendations for a new user" "$URL/api/v1/recommendations?k=10&user_id=test_user_001"
  check "feedback" -X POST "$URL/api/v1/feedback" -H "Content-Type: application/json" \
    -d '{"user_id": "test_user_001", "movie_id": "123", "rating": 4.5, "interaction_type": "like"}'
  check "recommendations after feedback" "$URL/api/v1/recommendations?k=10&user_id=test_user_001"
  check "batch features" -X POST "$URL/api/v1/features/batch" -H "Content-Type: application/json" \
    -d '{"entity_ids": [1, 2, 3], "features": ["rating", "popularity", "genre"], "entity_type": "movie"}'
  check "user interaction event" -X POST "$URL/api/v1/events/user-interaction" -H "Content-Type: application/json" \
    -d '{"user_id": "user_3", "movie_id": "movie_57", "interaction_type": "view", "rating": 4}'
  rm -f /tmp/run_movie_mlops.$$
  if [ "$failures" -gt 0 ]; then
    say "$failures check(s) failed"
    return 1
  fi
  say "every check passed"
}

one_process() {
  say "every stack is one process in movie-mlops: starting everything"
  start_all
}

run_option() {
  case "$1" in
    1) setup ;;
    2) start_all ;;
    3) stop_all ;;
    4) stop_all && rm -rf "$HOME_DIR" && say "removed $HOME_DIR (data, models, runs)" ;;
    5 | 6 | 7) one_process ;;
    8) system_test ;;
    11) status ;;
    12) node dist/cli/main.js events tail all --limit 20 ;;
    13) npm test ;;
    0) exit 0 ;;
    *) fail "unknown option $1 (0-8, 11-13; run without arguments for the menu)" ;;
  esac
}

menu() {
  cat <<'EOF'
movie-mlops
  1) set up (first time: .env, npm install)      2) start everything
  3) stop                                         4) stop and delete local data
  5) API stack    6) ML stack    7) monitoring    (one process: same as 2)
  8) full system test (the guide's checks)        11) service status
  12) recent events                               13) the test suite (npm test)
  0) exit
EOF
}

if [ $# -gt 0 ]; then
  run_option "$1"
  exit $?
fi
if [ ! -t 0 ]; then
  menu
  fail "give an option number, e.g. ./run_movie_mlops.sh 2"
fi
while true; do
  menu
  read -r -p "choose: " choice || exit 0
  run_option "$choice"
done
