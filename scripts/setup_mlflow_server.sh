#!/usr/bin/env bash
# Installs the full MLflow package (pinned; it brings `mlflow server`) into a virtualenv, for the
# benchmark that compares our tracking server with the real one. Idempotent. Prints the venv's bin folder.
set -euo pipefail

REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
STATE="${MLOPS_SERVICES_DIR:-$REPO/.services}"
VENV="${MLOPS_MLFLOW_SERVER_VENV:-$STATE/mlflow-server-venv}"
MLFLOW_VERSION="2.22.0"

if [ -x "$VENV/bin/mlflow" ] && "$VENV/bin/python" -c "import mlflow, sqlalchemy, sys; sys.exit(mlflow.__version__ != '$MLFLOW_VERSION' or sqlalchemy.__version__.startswith('2.1'))" 2>/dev/null; then
  echo "$VENV/bin"
  exit 0
fi
echo "[mlflow] installing mlflow==$MLFLOW_VERSION (with its server) into $VENV..." >&2
mkdir -p "$STATE"
rm -rf "$VENV"
python3 -m venv "$VENV"
# SQLAlchemy 2.1 dropped a pool class MLflow 2.22 imports.
"$VENV/bin/pip" install --quiet --disable-pip-version-check "mlflow==$MLFLOW_VERSION" "sqlalchemy>=2.0,<2.1" >&2
echo "$VENV/bin"
