"""Reference peer for the feature-store benchmark: the real Feast (pinned in scripts/setup_feast_python.sh) with
the local provider, the file offline store and the SQLite online store, so our TypeScript feature store can be
compared against it on the same data.

Usage (python from scripts/setup_feast_python.sh):
  python feast_reference.py prepare --data FILE.parquet --repo DIR
      FILE.parquet: movie_id int64, event_timestamp timestamp (UTC), f0..f9 float64, one row per movie_id.
      Writes DIR/feature_store.yaml and DIR/definitions.py (entity `movie`, FeatureView `movie_bench` over
      FILE.parquet with f0..f9, FeatureService `movie_bench_service`), applies them (DIR/registry.db) and
      materializes every row into DIR/online.db. Prints one JSON line:
      {"feast_version", "apply_seconds", "materialize_seconds", "rows"}
  python feast_reference.py sdk-latency --repo DIR --ids FILE --batch 1|100 --requests N
      FILE: one movie_id per line. Times N in-process FeatureStore.get_online_features(...).to_dict() calls of
      `batch` ids each (ids taken in file order, cycling), after 50 untimed warm-up calls. Prints one JSON line:
      {"batch", "requests", "p50_ms", "p99_ms", "mean_ms", "null_values"}
      null_values counts feature values that came back None (0 when every id was materialized).

The same DIR serves HTTP with `<venv>/bin/feast -c DIR serve --host 127.0.0.1 --port N`.
All of Feast's own output goes to stderr, so stdout carries only the JSON line.
"""
import argparse
import contextlib
import importlib.util
import json
import math
import os
import sys
import time
from datetime import timedelta
from pathlib import Path

# Feast < 0.50 sent usage telemetry unless this is set; there is no internet here. Harmless where unused.
os.environ.setdefault("FEAST_USAGE", "False")

FEATURES = [f"f{i}" for i in range(10)]
FEATURE_REFS = [f"movie_bench:{name}" for name in FEATURES]
WARMUP_CALLS = 50

FEATURE_STORE_YAML = """\
project: mlops_bench
provider: local
registry: {repo}/registry.db
online_store:
  type: sqlite
  path: {repo}/online.db
offline_store:
  type: file
# 3 is the default and the only non-deprecated value in the pinned Feast (lower ones warn).
entity_key_serialization_version: 3
"""

DEFINITIONS_PY = '''\
"""Feast definitions for the feature-store benchmark (written by bench/reference/feast_reference.py)."""
from datetime import timedelta

from feast import Entity, FeatureService, FeatureView, Field, FileSource, PushSource, ValueType
from feast.types import Float64

movie = Entity(name="movie", join_keys=["movie_id"], value_type=ValueType.INT64)

movie_source = FileSource(name="movie_bench_source", path={data!r}, timestamp_field="event_timestamp")
# The push source of the write benchmark (POST /push); materialization still reads the file.
movie_push = PushSource(name="movie_bench_push", batch_source=movie_source)

movie_bench = FeatureView(
    name="movie_bench",
    entities=[movie],
    ttl=timedelta(0),  # 0 = no expiry: every materialized row stays servable
    schema=[Field(name=f"f{{i}}", dtype=Float64) for i in range(10)],
    source=movie_push,
    online=True,
)

movie_bench_service = FeatureService(name="movie_bench_service", features=[movie_bench])
'''


def prepare(data: Path, repo: Path) -> dict:
    import pyarrow.parquet as pq

    import feast

    data, repo = data.resolve(), repo.resolve()
    repo.mkdir(parents=True, exist_ok=True)
    # A rerun must start clean: a stale registry or online store would keep the previous data.
    for stale in ("registry.db", "online.db"):
        (repo / stale).unlink(missing_ok=True)
    (repo / "feature_store.yaml").write_text(FEATURE_STORE_YAML.format(repo=repo))
    (repo / "definitions.py").write_text(DEFINITIONS_PY.format(data=str(data)))

    # The materialize window has to cover every event_timestamp; Feast reads [start, end), so pad both ends.
    ts = pq.read_table(data, columns=["event_timestamp"]).column(0).to_pandas()
    rows = len(ts)
    start, end = ts.min().to_pydatetime() - timedelta(seconds=1), ts.max().to_pydatetime() + timedelta(seconds=1)

    # Load the definitions the way `feast apply` would see them, then apply their objects programmatically.
    spec = importlib.util.spec_from_file_location("mlops_bench_definitions", repo / "definitions.py")
    defs = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(defs)

    store = feast.FeatureStore(repo_path=str(repo))
    with contextlib.redirect_stdout(sys.stderr):  # Feast prints progress to stdout; keep stdout for JSON
        t0 = time.perf_counter()
        store.apply([defs.movie, defs.movie_source, defs.movie_bench, defs.movie_bench_service])
        t1 = time.perf_counter()
        store.materialize(start_date=start, end_date=end, feature_views=["movie_bench"])
        t2 = time.perf_counter()
    return {"feast_version": feast.__version__, "apply_seconds": round(t1 - t0, 3),
            "materialize_seconds": round(t2 - t1, 3), "rows": rows}


def percentile(sorted_values: list, p: float) -> float:
    """Nearest-rank percentile: the smallest value with at least p% of the values at or below it."""
    return sorted_values[max(0, math.ceil(p / 100 * len(sorted_values)) - 1)]


def sdk_latency(repo: Path, ids_file: Path, batch: int, requests: int) -> dict:
    import feast

    ids = [int(line) for line in ids_file.read_text().split()]
    if not ids:
        sys.exit("[feast-reference] the ids file is empty")
    store = feast.FeatureStore(repo_path=str(repo.resolve()))
    cursor = 0

    def next_rows() -> list:
        nonlocal cursor
        rows = [{"movie_id": ids[(cursor + j) % len(ids)]} for j in range(batch)]
        cursor = (cursor + batch) % len(ids)
        return rows

    # Warm-up loads the registry, opens the SQLite connection and fills Feast's caches, as a running server has.
    for _ in range(WARMUP_CALLS):
        store.get_online_features(features=FEATURE_REFS, entity_rows=next_rows()).to_dict()

    latencies_ms, null_values = [], 0
    for _ in range(requests):
        rows = next_rows()
        t0 = time.perf_counter()
        # to_dict() is timed too: the OnlineResponse holds protobufs, and a caller needs plain values.
        result = store.get_online_features(features=FEATURE_REFS, entity_rows=rows).to_dict()
        latencies_ms.append((time.perf_counter() - t0) * 1000)
        null_values += sum(v is None for name in FEATURES for v in result[name])
    latencies_ms.sort()
    return {"batch": batch, "requests": requests, "p50_ms": round(percentile(latencies_ms, 50), 4),
            "p99_ms": round(percentile(latencies_ms, 99), 4),
            "mean_ms": round(sum(latencies_ms) / len(latencies_ms), 4), "null_values": null_values}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("prepare", help="write, apply and materialize the Feast repo")
    p.add_argument("--data", type=Path, required=True)
    p.add_argument("--repo", type=Path, required=True)
    s = sub.add_parser("sdk-latency", help="time in-process get_online_features")
    s.add_argument("--repo", type=Path, required=True)
    s.add_argument("--ids", type=Path, required=True)
    s.add_argument("--batch", type=int, choices=[1, 100], required=True)
    s.add_argument("--requests", type=int, required=True)
    args = parser.parse_args()
    if args.command == "prepare":
        out = prepare(args.data, args.repo)
    else:
        if args.requests < 1:
            parser.error("--requests must be at least 1")
        out = sdk_latency(args.repo, args.ids, args.batch, args.requests)
    print(json.dumps(out), flush=True)


if __name__ == "__main__":
    main()
