#!/usr/bin/env bash
# Installs the official Airflow REST client (apache-airflow-client), pinned, into two virtualenvs for the
# compatibility tests: the 2.x line (speaks /api/v1) and the current 3.x line (speaks /api/v2).
# Idempotent: a venv that already has its pinned version is left alone. Prints two lines,
# `MLOPS_TEST_AIRFLOW2_PYTHON=<path>` and `MLOPS_TEST_AIRFLOW3_PYTHON=<path>`.
set -euo pipefail

REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
STATE="${MLOPS_SERVICES_DIR:-$REPO/.services}"
AIRFLOW2_CLIENT="apache-airflow-client==2.10.0" # the newest 2.x: Airflow 2's stable API, /api/v1
AIRFLOW3_CLIENT="apache-airflow-client==3.3.2"  # the newest 3.x: Airflow 3's API, /api/v2

install() {
  local venv="$1" pinned="$2"
  if [ -x "$venv/bin/python" ] && [ "$(cat "$venv/pinned.txt" 2>/dev/null)" = "$pinned" ]; then
    return 0
  fi
  echo "[airflow] installing $pinned into $venv (first run only)..." >&2
  mkdir -p "$STATE"
  rm -rf "$venv"
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet --disable-pip-version-check "$pinned" >&2
  echo "$pinned" >"$venv/pinned.txt"
  "$venv/bin/python" -c "import airflow_client.client as c; print('[airflow] client', c.__version__, 'ready')" >&2
}

install "$STATE/airflow2-venv" "$AIRFLOW2_CLIENT"
install "$STATE/airflow3-venv" "$AIRFLOW3_CLIENT"
echo "MLOPS_TEST_AIRFLOW2_PYTHON=$STATE/airflow2-venv/bin/python"
echo "MLOPS_TEST_AIRFLOW3_PYTHON=$STATE/airflow3-venv/bin/python"
