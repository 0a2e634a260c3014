#!/usr/bin/env bash
# Installs the official MLflow Python client (pinned) into a virtualenv for the compatibility tests.
# Idempotent: does nothing when the venv already has the pinned version. Prints the venv's python path.
set -euo pipefail

REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
STATE="${MLOPS_SERVICES_DIR:-$REPO/.services}"
VENV="$STATE/mlflow-venv"
MLFLOW_VERSION="2.22.0" # the 2.x line: stages and aliases both supported, as our API reference describes

if [ -x "$VENV/bin/python" ] && "$VENV/bin/python" -c "import mlflow, sys; sys.exit(mlflow.__version__ != '$MLFLOW_VERSION')" 2>/dev/null; then
  echo "$VENV/bin/python"
  exit 0
fi
echo "[mlflow] installing mlflow-skinny==$MLFLOW_VERSION into $VENV (first run only)..." >&2
mkdir -p "$STATE"
rm -rf "$VENV"
python3 -m venv "$VENV"
"$VENV/bin/pip" install --quiet --disable-pip-version-check "mlflow-skinny==$MLFLOW_VERSION" >&2
"$VENV/bin/python" -c "import mlflow; print('[mlflow] client', mlflow.__version__, 'ready')" >&2
echo "$VENV/bin/python"
