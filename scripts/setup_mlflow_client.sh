#!/usr/bin/env bash
# Installs the Python peers of the compatibility tests (pinned) into one virtualenv: the official MLflow
# client, and numpy + safetensors to read and write model tensors the way Python tools do.
# Idempotent: does nothing when the venv already has the pinned set. Prints the venv's python path.
set -euo pipefail

REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
STATE="${MLOPS_SERVICES_DIR:-$REPO/.services}"
VENV="$STATE/mlflow-venv"
MLFLOW_VERSION="2.22.0" # the 2.x line: stages and aliases both supported, as our API reference describes
NUMPY_VERSION="2.4.6"
SAFETENSORS_VERSION="0.8.0"
PINNED="mlflow-skinny==$MLFLOW_VERSION numpy==$NUMPY_VERSION safetensors==$SAFETENSORS_VERSION"

if [ -x "$VENV/bin/python" ] && [ "$(cat "$VENV/pinned.txt" 2>/dev/null)" = "$PINNED" ]; then
  echo "$VENV/bin/python"
  exit 0
fi
echo "[mlflow] installing $PINNED into $VENV (first run only)..." >&2
mkdir -p "$STATE"
rm -rf "$VENV"
python3 -m venv "$VENV"
# shellcheck disable=SC2086 # the pinned set is a list of words on purpose
"$VENV/bin/pip" install --quiet --disable-pip-version-check $PINNED >&2
echo "$PINNED" >"$VENV/pinned.txt"
"$VENV/bin/python" -c "import mlflow; print('[mlflow] client', mlflow.__version__, 'ready')" >&2
echo "$VENV/bin/python"
