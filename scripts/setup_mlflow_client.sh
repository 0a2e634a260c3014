#!/usr/bin/env bash
# Installs the Python peers of the compatibility tests (pinned), one virtualenv per MLflow client line:
#   2 → mlflow-venv:  mlflow-skinny 2.22 (stages and aliases both supported), numpy + safetensors to read
#                     and write model tensors the way Python tools do;
#   3 → mlflow3-venv: the current mlflow-skinny 3.x, with pandas, numpy and scikit-learn for pyfunc and
#                     sklearn models, datasets and tables (the LoggedModel API of MLflow 3).
# Usage: setup_mlflow_client.sh [2|3]. Without an argument both are installed and the 2.x python is printed;
# with one, only that line is installed and its python is printed.
# Idempotent: a venv that already has its pinned set is left alone.
set -euo pipefail

REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
STATE="${MLOPS_SERVICES_DIR:-$REPO/.services}"
NUMPY_VERSION="2.4.6"
MLFLOW2_PINNED="mlflow-skinny==2.22.0 numpy==$NUMPY_VERSION safetensors==0.8.0"
MLFLOW3_PINNED="mlflow-skinny==3.18.0 numpy==$NUMPY_VERSION pandas==3.1.1 scikit-learn==1.9.1"

# install_venv <venv folder> <pinned set>: prints the venv's python path.
install_venv() {
  local venv="$1" pinned="$2"
  if [ -x "$venv/bin/python" ] && [ "$(cat "$venv/pinned.txt" 2>/dev/null)" = "$pinned" ]; then
    echo "$venv/bin/python"
    return 0
  fi
  echo "[mlflow] installing $pinned into $venv (first run only)..." >&2
  mkdir -p "$STATE"
  rm -rf "$venv"
  python3 -m venv "$venv"
  # shellcheck disable=SC2086 # the pinned set is a list of words on purpose
  "$venv/bin/pip" install --quiet --disable-pip-version-check $pinned >&2
  echo "$pinned" >"$venv/pinned.txt"
  "$venv/bin/python" -c "import mlflow; print('[mlflow] client', mlflow.__version__, 'ready')" >&2
  echo "$venv/bin/python"
}

case "${1:-both}" in
2) install_venv "$STATE/mlflow-venv" "$MLFLOW2_PINNED" ;;
3) install_venv "$STATE/mlflow3-venv" "$MLFLOW3_PINNED" ;;
both)
  install_venv "$STATE/mlflow3-venv" "$MLFLOW3_PINNED" >/dev/null
  install_venv "$STATE/mlflow-venv" "$MLFLOW2_PINNED"
  ;;
*)
  echo "usage: $0 [2|3]" >&2
  exit 2
  ;;
esac
