#!/usr/bin/env bash
# The json expressions are JavaScript template literals: single quotes keep them from the shell.
# shellcheck disable=SC2016

# Smoke test of a running platform, after a deploy: liveness (/health), readiness of every component
# (/ready: database, artifact store, model...) and one real recommendation served by a model version.
#
#   scripts/run_smoke_test.sh <base-url> [<user-id>]        e.g. http://127.0.0.1:8000 42
#
# Waits up to MLOPS_SMOKE_TIMEOUT_SECONDS (default 180) for /health and /ready, as a fresh rollout starts
# and loads its model. A platform serving beyond loopback needs an API token for the recommendation:
# MLOPS_SMOKE_TOKEN (a viewer token is enough) is sent as `Authorization: Bearer`, never on a command line.
# Exit 0 when all three pass, 1 naming the check that failed. Needs curl and node.
set -euo pipefail

if [ "$#" -lt 1 ] || [ "$#" -gt 2 ]; then
  echo "usage: $0 <base-url> [<user-id>]" >&2
  exit 2
fi
BASE_URL="${1%/}"
USER_ID="${2:-1}"
TIMEOUT="${MLOPS_SMOKE_TIMEOUT_SECONDS:-180}"

log() { printf '[smoke] %s\n' "$*" >&2; }
fail() {
  log "FAILED: $*"
  exit 1
}
# request <path>: sets STATUS (the HTTP status, 000 when nothing answers) and BODY; never fails.
request() {
  local file
  file="$(mktemp)"
  local config=""
  [ -z "${MLOPS_SMOKE_TOKEN:-}" ] || config="header = \"Authorization: Bearer $MLOPS_SMOKE_TOKEN\""
  # The token reaches curl as configuration on its standard input, so no process listing shows it.
  STATUS="$(curl -sS --config - -o "$file" -w '%{http_code}' --max-time 15 "$BASE_URL$1" <<<"$config" 2>/dev/null)" ||
    STATUS=000
  BODY="$(cat "$file")"
  rm -f "$file"
}
# wait_for <path>: requests it until it answers 200, for at most TIMEOUT seconds in all.
wait_for() {
  while :; do
    request "$1"
    [ "$STATUS" = 200 ] && return 0
    [ "$SECONDS" -lt "$DEADLINE" ] || fail "GET $1 answered $STATUS after ${TIMEOUT}s: $BODY"
    sleep 3
  done
}
# json <expression> reads JSON on stdin and prints the expression's value (`it` is the parsed document).
json() {
  node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>{const it=JSON.parse(s);const v=('"$1"');process.stdout.write(typeof v==="string"?v:JSON.stringify(v))})'
}

DEADLINE=$((SECONDS + TIMEOUT))
wait_for /health
log "health: $(json '`${it.service} ${it.version}, up ${it.uptime_seconds} s`' <<<"$BODY")"

wait_for /ready
log "ready: $(json 'it.components.map(c=>`${c.name}=${c.status}`).join(" ")' <<<"$BODY")"

request "/api/v1/recommendations?user_id=$USER_ID&k=5"
[ "$STATUS" = 200 ] || fail "GET /api/v1/recommendations answered $STATUS: $BODY"
count="$(json 'it.recommendations.length' <<<"$BODY")"
[ "$count" -ge 1 ] || fail "no recommendation for user $USER_ID: $BODY"
log "recommendations: $count for user $USER_ID from $(json '`${it.model?.name} version ${it.model?.version} (${it.strategy})`' <<<"$BODY")"
echo "smoke test passed: $BASE_URL"
