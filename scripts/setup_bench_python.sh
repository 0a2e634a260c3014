#!/usr/bin/env bash
# Creates the Python 3.11 virtualenv for the benchmarks' reference peers (bench/reference/*.py), with pinned
# packages. Idempotent: reinstalls only when the pinned set below differs from the one recorded in the venv's
# marker file, so a second run is instant. Progress goes to stderr; the venv's python path is the last line
# of stdout:   PY="$(bash scripts/setup_bench_python.sh | tail -n 1)"
# Venv location: $MLOPS_BENCH_VENV (default <repo>/.services/bench-venv). Interpreter: $MLOPS_BENCH_PYTHON
# (default python3.11, else python3); it must be 3.11, the version every pin was checked to have wheels for.
set -euo pipefail

REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="${MLOPS_BENCH_VENV:-$REPO/.services/bench-venv}"
MARKER="$VENV/.mlops-bench-requirements"

REQUIREMENTS=(
  "numpy==2.4.6"        # arrays for every reference; implicit 0.7.3 is built against numpy 2
  "scipy==1.17.1"       # the user x item CSR matrix that implicit trains on
  "implicit==0.7.3"     # reference ALS and BPR (implicit.cpu.*), the library we compare against
  "safetensors==0.8.0"  # reads the benchmark's train.safetensors, writes top-k lists and factors
  "torch==2.15.0"       # reference NeuMF (NCF); PyPI's CUDA build, used on CPU only (no GPU here)
  "fastapi==0.165.0"    # reference model server for the serving benchmark
  "uvicorn==0.54.0"     # ASGI server that runs the fastapi reference
)

PYTHON="${MLOPS_BENCH_PYTHON:-$(command -v python3.11 || command -v python3)}"
WANTED="$("$PYTHON" -c 'import sys; print("python %d.%d" % sys.version_info[:2])')"
if [ "$WANTED" != "python 3.11" ]; then
  echo "[bench-python] $PYTHON is $WANTED; the pinned wheels need python 3.11 (set MLOPS_BENCH_PYTHON)" >&2
  exit 1
fi
WANTED="$WANTED"$'\n'"$(printf '%s\n' "${REQUIREMENTS[@]}")"

if [ -x "$VENV/bin/python" ] && [ -f "$MARKER" ] && [ "$(cat "$MARKER")" = "$WANTED" ]; then
  echo "$VENV/bin/python"
  exit 0
fi

if [ ! -x "$VENV/bin/python" ]; then
  echo "[bench-python] creating $VENV" >&2
  mkdir -p "$(dirname "$VENV")"
  "$PYTHON" -m venv "$VENV"
fi
echo "[bench-python] installing pinned packages (torch and its CUDA libraries: ~5.5 GB, a minute or two)..." >&2
rm -f "$MARKER"
"$VENV/bin/python" -m pip install --quiet --disable-pip-version-check --only-binary=:all: "${REQUIREMENTS[@]}" >&2
"$VENV/bin/python" -c 'import numpy, scipy, implicit, safetensors, torch, fastapi, uvicorn
print("[bench-python] ready: implicit", implicit.__version__, "torch", torch.__version__)' >&2
printf '%s' "$WANTED" >"$MARKER"
echo "$VENV/bin/python"
