"""Times tracking calls of the official mlflow client against one server. Prints one JSON line.

Usage: python mlflow_tracking_bench.py <tracking-uri> <single-calls> <batches> <runs-for-search>
"""
import json
import sys
import time

from mlflow import MlflowClient
from mlflow.entities import Metric

uri, singles, batches, search_runs = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
client = MlflowClient(uri)
experiment = client.create_experiment(f"bench-{time.time_ns()}")
run = client.create_run(experiment).info.run_id
now = int(time.time() * 1000)

started = time.perf_counter()
for step in range(singles):
    client.log_metric(run, "loss", 1.0 / (step + 1), timestamp=now, step=step)
single_seconds = time.perf_counter() - started

started = time.perf_counter()
for batch in range(batches):
    client.log_batch(run, metrics=[Metric(f"m{i % 50}", float(i), now, batch * 1000 + i) for i in range(1000)])
batch_seconds = time.perf_counter() - started

search_experiment = client.create_experiment(f"search-{time.time_ns()}")
started = time.perf_counter()
for index in range(search_runs):
    run_id = client.create_run(search_experiment).info.run_id
    client.log_batch(run_id, metrics=[Metric("ndcg_at_10", (index % 1000) / 1000, now, 0)])
fill_seconds = time.perf_counter() - started

# 21 searches: a median of 5 moved by a third between runs of the same commit.
latencies = []
for _ in range(21):
    started = time.perf_counter()
    found = client.search_runs([search_experiment], filter_string="metrics.ndcg_at_10 > 0.9", order_by=["metrics.ndcg_at_10 DESC"], max_results=100)
    latencies.append(time.perf_counter() - started)
latencies.sort()
print(json.dumps({
    "log_metric_per_s": singles / single_seconds,
    "log_batch_metrics_per_s": batches * 1000 / batch_seconds,
    "log_batch_ms": batch_seconds / batches * 1000,
    "create_and_log_runs_per_s": search_runs / fill_seconds,
    "search_ms_median": latencies[len(latencies) // 2] * 1000,
    "search_results": len(found),
}))
