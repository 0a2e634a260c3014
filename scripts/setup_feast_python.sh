#!/usr/bin/env bash
# Creates the Python 3.11 virtualenv for the feature-store benchmark's reference peer (bench/reference/
# feast_reference.py and `feast serve`): the real Feast from PyPI, with its whole dependency tree pinned so the
# peer is the same on every machine. Idempotent: reinstalls only when the pinned set below differs from the one
# recorded in the venv's marker file, so a second run is instant. Progress goes to stderr; the venv's python
# path is the last line of stdout:   PY="$(bash scripts/setup_feast_python.sh | tail -n 1)"
# (the feast CLI is beside it: "$(dirname "$PY")/feast").
# Venv location: $MLOPS_FEAST_VENV (default $MLOPS_SERVICES_DIR/feast-venv, else <repo>/.services/feast-venv). Interpreter: $MLOPS_FEAST_PYTHON
# (default python3.11, else python3); it must be 3.11, the version every pin was checked to have wheels for.
# Its own venv, not bench-venv: Feast pins its own fastapi/numpy/pandas ranges and must not move the others'.
set -euo pipefail

REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="${MLOPS_FEAST_VENV:-${MLOPS_SERVICES_DIR:-$REPO/.services}/feast-venv}"
MARKER="$VENV/.mlops-feast-requirements"

# feast 0.67.0 is the newest release and installs from wheels only (no sdist needed) on CPython 3.11.
# No extras are needed: in 0.67 the local provider, the file offline store (dask/pandas/pyarrow), the SQLite
# online store (stdlib sqlite3) and `feast serve` (fastapi, gunicorn + uvicorn-worker) are all core
# dependencies. The rest is its full dependency closure as pip resolved it, pinned so nothing drifts.
REQUIREMENTS=(
  "feast==0.67.0"              # the reference feature store itself
  # Offline store and materialization: the file offline store reads Parquet through dask and pandas.
  "numpy==2.4.6"
  "pandas==2.3.3"
  "pyarrow==26.0.1"
  "dask==2026.8.0"
  "cloudpickle==3.1.3" "fsspec==2026.9.0" "locket==1.0.0" "partd==1.4.2" "toolz==1.2.0"
  "importlib_metadata==10.2.0" "zipp==4.1.2" "lazy-importer==0.1.0"
  "python-dateutil==4.0.0" "pytz==2026.6" "tzdata==2026.6"
  # `feast serve`: FastAPI app run by gunicorn with uvicorn workers (uvicorn[standard] extras included).
  "fastapi==0.165.0" "starlette==1.10.0" "annotated-doc==0.0.7"
  "pydantic==2.14.4" "pydantic_core==2.50.5" "annotated-types==0.8.0" "typing-inspection==0.4.5"
  "gunicorn==27.0.1" "uvicorn==0.54.0" "uvicorn-worker==0.4.0"
  "uvloop==0.23.0" "httptools==0.9.0" "h11==0.16.0" "websockets==17.4" "watchfiles==1.3.0"
  "python-dotenv==1.2.4" "anyio==4.16.0" "idna==3.20"
  "prometheus_client==0.24.1" "psutil==7.2.2" "PyJWT==2.15.1"
  # Registry and feature-store core: protobuf registry, SQLAlchemy[mypy] (a hard dependency of feast 0.67).
  "protobuf==7.36.2" "SQLAlchemy==2.1.9" "mypy==2.4.1" "mypy_extensions==1.2.0" "pathspec==1.1.1"
  "librt==0.17.0" "ast_serialize==0.13.1" "types-greenlet==3.5.0.20260518" "typing_extensions==4.16.0"
  "mmh3==5.3.1" "dill==0.4.1" "attrs==26.1.0" "bigtree==1.5.3" "typeguard==4.6.1" "packaging==26.4"
  # CLI and output.
  "click==8.5.1" "colorama==0.4.6" "Jinja2==3.1.6" "MarkupSafe==3.0.4" "Pygments==2.21.0" "PyYAML==6.0.4"
  "tabulate==0.10.0" "tenacity==8.5.0" "toml==0.10.2" "tqdm==4.70.1"
  "requests==2.34.2" "urllib3==2.8.0" "certifi==2026.10.19.post1" "charset-normalizer==3.5.3"
)

# Feast before 0.50 sent usage telemetry unless this is False; 0.67 has none. Kept so a downgrade stays quiet.
export FEAST_USAGE=False

PYTHON="${MLOPS_FEAST_PYTHON:-$(command -v python3.11 || command -v python3)}"
WANTED="$("$PYTHON" -c 'import sys; print("python %d.%d" % sys.version_info[:2])')"
if [ "$WANTED" != "python 3.11" ]; then
  echo "[feast-python] $PYTHON is $WANTED; the pinned wheels need python 3.11 (set MLOPS_FEAST_PYTHON)" >&2
  exit 1
fi
WANTED="$WANTED"$'\n'"$(printf '%s\n' "${REQUIREMENTS[@]}")"

if [ -x "$VENV/bin/python" ] && [ -f "$MARKER" ] && [ "$(cat "$MARKER")" = "$WANTED" ]; then
  echo "$VENV/bin/python"
  exit 0
fi

if [ ! -x "$VENV/bin/python" ]; then
  echo "[feast-python] creating $VENV" >&2
  mkdir -p "$(dirname "$VENV")"
  "$PYTHON" -m venv "$VENV"
fi
echo "[feast-python] installing pinned feast and its dependencies (~600 MB, under a minute)..." >&2
rm -f "$MARKER"
"$VENV/bin/python" -m pip install --quiet --disable-pip-version-check --only-binary=:all: "${REQUIREMENTS[@]}" >&2
if ! CHECK="$("$VENV/bin/python" -m pip check --disable-pip-version-check)"; then
  echo "[feast-python] pip check failed: $CHECK" >&2
  exit 1
fi
"$VENV/bin/python" -c 'import feast, feast.feature_server, feast.infra.online_stores.sqlite, pandas, pyarrow, dask
print("[feast-python] ready: feast", feast.__version__, "pandas", pandas.__version__, "pyarrow", pyarrow.__version__)' >&2
printf '%s' "$WANTED" >"$MARKER"
echo "$VENV/bin/python"
