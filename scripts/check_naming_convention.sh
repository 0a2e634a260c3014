#!/usr/bin/env bash
# Checks names against CONVENTIONS.md:
#
#   files        TypeScript kebab-case (watch-log.ts), in kebab-case folders; tests under tests/ (but the
#                per-port contract suites) named by stage: stage<N>-<name>.test.ts, or security-<name>.test.ts
#                for the security work, which has no stage number in SPEC.md; shell scripts
#                setup_/run_/deploy_/monitor_/validate_/check_<target>_<function>.sh; Python snake_case;
#                YAML and JSON kebab-case; docs kebab-case, <stage>.<substage>-<title>-implementation.md
#                for implementation notes
#   metrics      every prom-client metric in src/: mlops_<subsystem>_<name>_<unit>, lowercase snake_case,
#                counters end in _total (and only counters), _info only on gauges, base units (seconds,
#                bytes, ratio), no name twice
#   environment  every variable of .env.template, src/config/env-schema.ts and the ${VARIABLES} of
#                deploy/docker-compose*.yml: UPPER_SNAKE_CASE, platform settings MLOPS_*, otherwise named
#                after the service they configure (POSTGRES_, REDIS_, S3_, KAFKA_, TMDB_, GRAFANA_, AWS_)
#   docker       in deploy/docker-compose*.yml: containers mlops-<feature>-<env>, images
#                movie-mlops/<feature>:<tag>, volumes mlops-<datatype>-<env>
#
#   scripts/check_naming_convention.sh [--root DIR] [--quiet] [-- FILE...]
#
# With no FILE, every file of the repository (tracked and untracked, not ignored; every file under DIR when
# it is not a git checkout). With FILEs (paths relative to the root, as the pre-commit hook passes the
# staged ones), only those names, and the metric, environment and docker names of those files.
# Exit 0 when every name follows the rules, 1 with one line per problem on stderr, 2 on bad usage.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
QUIET=0
FILES=()
usage() {
  echo "usage: $0 [--root DIR] [--quiet] [-- FILE...]" >&2
  exit 2
}
while [ "$#" -gt 0 ]; do
  case "$1" in
  --root)
    [ "$#" -ge 2 ] || usage
    ROOT="$(cd "$2" && pwd)" || usage
    shift 2
    ;;
  --quiet) QUIET=1 && shift ;;
  --) shift && FILES=("$@") && break ;;
  -h | --help) usage ;;
  -*) usage ;;
  *) FILES=("$@") && break ;;
  esac
done
cd "$ROOT"

PROBLEMS=0
problem() { # problem <kind> <name> <rule>
  printf '%s %s: %s\n' "$1" "$2" "$3" >&2
  PROBLEMS=$((PROBLEMS + 1))
}

# --- which files ---------------------------------------------------------------------------------------

if [ "${#FILES[@]}" -eq 0 ]; then
  if [ "$(git rev-parse --show-toplevel 2>/dev/null || true)" = "$(pwd -P)" ]; then
    while IFS= read -r -d '' file; do
      [ -e "$file" ] && FILES+=("$file")
    done < <(git ls-files -z --cached --others --exclude-standard)
  else
    while IFS= read -r -d '' file; do
      FILES+=("${file#./}")
    done < <(find . \( -name node_modules -o -name .git -o -name dist -o -name .mlops -o -name .services \
      -o -name coverage \) -prune -o -type f -print0)
  fi
fi

# --- file names --------------------------------------------------------------------------------------------

KEBAB='[a-z0-9]+(-[a-z0-9]+)*'
SNAKE='[a-z0-9]+(_[a-z0-9]+)*'
DOTTED_KEBAB="$KEBAB(\\.$KEBAB)*"

check_file() {
  local path="$1" base="${1##*/}" dir=""
  [[ "$path" == */* ]] && dir="${path%/*}"
  case "$base" in
  *.ts | *.tsx)
    [[ "$base" =~ ^$DOTTED_KEBAB\.tsx?$ ]] ||
      problem file "$path" "TypeScript files are kebab-case (watch-log.ts, online-store.ts)"
    local part
    if [ -n "$dir" ]; then
      IFS=/ read -r -a parts <<<"$dir"
      for part in "${parts[@]}"; do
        [[ "$part" =~ ^$KEBAB$ ]] || problem file "$path" "folders of TypeScript files are kebab-case (\"$part\")"
      done
    fi
    if [[ "$path" =~ ^tests/[^/]+/ && "$path" != tests/contract/* && "$base" == *.test.ts ]]; then
      [[ "$base" =~ ^stage[0-9]-$KEBAB\.test\.ts$ || "$base" =~ ^security(-$KEBAB)?\.test\.ts$ ]] ||
        problem file "$path" "tests under tests/ are named by stage: stage<N>-<name>.test.ts (security-<name>.test.ts; tests/contract: by port)"
    fi
    ;;
  *.sh)
    [[ "$base" =~ ^(setup|run|deploy|monitor|validate|check)(_[a-z0-9]+)+\.sh$ ]] ||
      problem script "$path" "shell scripts are setup_|run_|deploy_|monitor_|validate_|check_<target>_<function>.sh, snake_case"
    ;;
  *.py)
    [[ "$base" =~ ^$SNAKE\.py$ ]] || problem file "$path" "Python files are snake_case"
    ;;
  *.yml | *.yaml | *.json)
    [[ "$base" =~ ^$DOTTED_KEBAB\.(ya?ml|json)$ ]] || problem file "$path" "YAML and JSON files are kebab-case"
    ;;
  *.md)
    case "$base" in
    README.md | CHANGELOG.md | CONTRIBUTING.md | LICENSE.md | SECURITY.md) ;;
    *-implementation.md | *-testing.md)
      [[ "$base" =~ ^[0-9]+\.[0-9]+-$KEBAB-(implementation|testing)\.md$ ]] ||
        problem doc "$path" "implementation and testing notes are <stage>.<substage>-<title>-implementation.md"
      ;;
    *)
      [[ "$base" =~ ^$KEBAB\.md$ ]] ||
        problem doc "$path" "documents are kebab-case: <title>-guide.md, <title>-reference.md, <topic>.md"
      ;;
    esac
    ;;
  esac
}

METRIC_SOURCES=()
ENV_TEMPLATES=()
ENV_SCHEMAS=()
COMPOSE_FILES=()
for file in "${FILES[@]}"; do
  file="${file#./}"
  check_file "$file"
  [ -f "$file" ] || continue
  case "$file" in
  src/*.test.ts) ;;
  src/*.ts) grep -q "from 'prom-client'" "$file" && METRIC_SOURCES+=("$file") ;;
  esac
  case "$file" in
  .env.template) ENV_TEMPLATES+=("$file") ;;
  src/config/env-schema.ts) ENV_SCHEMAS+=("$file") ;;
  deploy/docker-compose*.yml | deploy/docker-compose*.yaml) COMPOSE_FILES+=("$file") ;;
  esac
done

# --- metric names ------------------------------------------------------------------------------------------

# "<type> <name>" for each `new Counter|Gauge|Histogram|Summary({ name: '...' })`.
list_metrics() {
  awk '
    match($0, /new (Counter|Gauge|Histogram|Summary)[<(]/) { type = substr($0, RSTART + 4, RLENGTH - 5) }
    type != "" && match($0, /name: *["'\''][^"'\'']*["'\'']/) {
      name = substr($0, RSTART, RLENGTH); sub(/^name: *["'\'']/, "", name); sub(/["'\'']$/, "", name)
      print type, name; type = ""
    }' "$@"
}

NON_BASE_UNITS='(milliseconds|millis|ms|microseconds|us|nanoseconds|ns|minutes|hours|days|kilobytes|kb|megabytes|mb|gigabytes|gb|percent|pct)'
METRICS=0
declare -A SEEN_METRICS=()
if [ "${#METRIC_SOURCES[@]}" -gt 0 ]; then
  while read -r type name; do
    METRICS=$((METRICS + 1))
    if [ -n "${SEEN_METRICS[$name]:-}" ]; then
      problem metric "$name" "defined twice"
    fi
    SEEN_METRICS[$name]=1
    if ! [[ "$name" =~ ^mlops_[a-z][a-z0-9]*(_[a-z0-9]+)+$ ]]; then
      problem metric "$name" "metric names are mlops_<subsystem>_<name>_<unit>, lowercase snake_case"
      continue
    fi
    [[ "$name" =~ _${NON_BASE_UNITS}(_|$) ]] &&
      problem metric "$name" "use base units: seconds, bytes, ratio (not ${BASH_REMATCH[1]})"
    if [ "$type" = Counter ]; then
      [[ "$name" == *_total ]] || problem metric "$name" "counters end in _total"
    else
      [[ "$name" == *_total ]] && problem metric "$name" "only counters end in _total (this is a $type)"
    fi
    [[ "$name" == *_info && "$type" != Gauge ]] && problem metric "$name" "_info metrics are gauges"
    # Only a dimensionless gauge (mlops_drift_score) may stop at <subsystem>_<name>.
    [[ "$name" =~ ^mlops_[a-z0-9]+_[a-z0-9]+$ && "$type" != Gauge ]] &&
      problem metric "$name" "mlops_<subsystem>_<name>_<unit>: the name or the unit is missing"
  done < <(list_metrics "${METRIC_SOURCES[@]}")
fi

# --- environment variables ---------------------------------------------------------------------------------

SERVICE_PREFIXES='(POSTGRES|REDIS|S3|KAFKA|TMDB|GRAFANA|AWS)'
check_variable() { # check_variable <name> <where>
  local name="$1" where="$2"
  if ! [[ "$name" =~ ^[A-Z][A-Z0-9]*(_[A-Z0-9]+)*$ ]]; then
    problem variable "$name" "environment variables are UPPER_SNAKE_CASE ($where)"
  elif ! [[ "$name" =~ ^MLOPS_ || "$name" =~ ^${SERVICE_PREFIXES}_ ]]; then
    problem variable "$name" "platform settings start with MLOPS_; others name their service: POSTGRES_, REDIS_, S3_, KAFKA_, TMDB_, GRAFANA_, AWS_ ($where)"
  fi
}

VARIABLES=0
declare -A SEEN_VARIABLES=()
add_variable() {
  [ -n "${SEEN_VARIABLES[$1]:-}" ] && return 0
  SEEN_VARIABLES[$1]=1
  VARIABLES=$((VARIABLES + 1))
  check_variable "$1" "$2"
}
for file in "${ENV_TEMPLATES[@]}"; do
  # `NAME=value` and documented-but-unset `# NAME=value` lines.
  while read -r name; do add_variable "$name" "$file"; done < <(
    sed -nE 's/^#? ?([A-Za-z_][A-Za-z0-9_]*)=.*/\1/p' "$file"
  )
done
for file in "${ENV_SCHEMAS[@]}"; do
  # The keys of `export const ENV_SCHEMA = z.object({ ... });`.
  while read -r name; do add_variable "$name" "$file"; done < <(
    awk '/^export const ENV_SCHEMA = z\.object\(\{/ { inside = 1; next }
      inside && /^\}\)/ { inside = 0 }
      inside && match($0, /^  [A-Za-z_][A-Za-z0-9_]*:/) { print substr($0, 3, RLENGTH - 3) }' "$file"
  )
done
for file in "${COMPOSE_FILES[@]}"; do
  while read -r name; do add_variable "$name" "$file"; done < <(
    grep -v '^ *#' "$file" | grep -oE '\$\{[A-Za-z_][A-Za-z0-9_]*' | sed 's/^\${//' | sort -u
  )
done

# --- docker names ------------------------------------------------------------------------------------------

DOCKER_NAMES=0
for file in "${COMPOSE_FILES[@]}"; do
  while read -r kind name; do
    DOCKER_NAMES=$((DOCKER_NAMES + 1))
    case "$kind" in
    container)
      [[ "$name" =~ ^mlops-$KEBAB-(dev|test|staging|prod)$ ]] ||
        problem container "$name" "containers are mlops-<feature>-<env>, env one of dev, test, staging, prod ($file)"
      ;;
    image)
      if [[ "$name" == movie-mlops/* ]]; then
        [[ "$name" =~ ^movie-mlops/$KEBAB:[^[:space:]]+$ ]] ||
          problem image "$name" "the project's images are movie-mlops/<feature>:<tag> ($file)"
      fi
      ;;
    volume)
      [[ "$name" =~ ^mlops-$KEBAB-$KEBAB$ ]] ||
        problem volume "$name" "volumes are mlops-<datatype>-<env> ($file)"
      ;;
    esac
  done < <(awk '
    /^[^ #]/ { section = $1 }
    match($0, /^ +container_name: *[^ #]+/) { value = substr($0, RSTART, RLENGTH); sub(/^ +container_name: */, "", value); gsub(/["'\'']/, "", value); print "container", value }
    match($0, /^ +image: *[^ #]+/) { value = substr($0, RSTART, RLENGTH); sub(/^ +image: */, "", value); gsub(/["'\'']/, "", value); print "image", value }
    section == "volumes:" && match($0, /^  [^ #][^:]*:/) { print "volume", substr($0, 3, RLENGTH - 3) }' "$file")
done

# --- result ------------------------------------------------------------------------------------------------

if [ "$PROBLEMS" -gt 0 ]; then
  echo "$PROBLEMS naming problem(s); the rules are in CONVENTIONS.md" >&2
  exit 1
fi
[ "$QUIET" = 1 ] ||
  echo "names ok: ${#FILES[@]} files, $METRICS metrics, $VARIABLES environment variables, $DOCKER_NAMES docker names"
