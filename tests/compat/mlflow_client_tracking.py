"""Drives a movie-mlops server with the official mlflow client (tracking API) and asserts the results.

Usage: python mlflow_client_tracking.py <tracking-uri>
Prints one line per check ("ok <name>") and exits non-zero at the first failure.
"""
import math
import sys
import time

import mlflow
import requests
from mlflow import MlflowClient
from mlflow.entities import Metric, Param, RunTag, ViewType
from compat_checks import check, error_code

uri = sys.argv[1]
mlflow.set_tracking_uri(uri)
client = MlflowClient(uri)





# Experiments
experiment_id = client.create_experiment("compat-experiment", tags={"team": "recsys"})
check("create_experiment returns a string id", isinstance(experiment_id, str) and experiment_id != "0")
experiment = client.get_experiment(experiment_id)
check("get_experiment", experiment.name == "compat-experiment" and experiment.tags.get("team") == "recsys")
check("artifact location is proxied", experiment.artifact_location == f"mlflow-artifacts:/{experiment_id}")
check("get_experiment_by_name", client.get_experiment_by_name("compat-experiment").experiment_id == experiment_id)
check("get_experiment_by_name for a missing name is None", client.get_experiment_by_name("no-such-experiment") is None)
check("duplicate experiment refused", error_code(lambda: client.create_experiment("compat-experiment")) == "RESOURCE_ALREADY_EXISTS")
check("unknown experiment id", error_code(lambda: client.get_experiment("987654")) == "RESOURCE_DOES_NOT_EXIST")
client.set_experiment_tag(experiment_id, "stage", "6")
check("set_experiment_tag", client.get_experiment(experiment_id).tags.get("stage") == "6")
client.rename_experiment(experiment_id, "compat-renamed")
check("rename_experiment", client.get_experiment(experiment_id).name == "compat-renamed")
names = [e.name for e in client.search_experiments(filter_string="name LIKE 'compat%'")]
check("search_experiments with filter", names == ["compat-renamed"], names)
mlflow.set_experiment("compat-renamed")

# Runs through the fluent API
with mlflow.start_run(run_name="als-run") as run:
    mlflow.log_param("algorithm", "als")
    mlflow.log_params({"factors": 64, "reg": 0.05})
    for step in range(5):
        mlflow.log_metric("loss", 1.0 / (step + 1), step=step)
    mlflow.log_metrics({"ndcg_at_10": 0.31, "recall_at_10": 0.12})
    mlflow.set_tag("model", "als")
    mlflow.set_tags({"dataset": "watch_log", "mlflow.note.content": "first try"})
als_id = run.info.run_id
fetched = client.get_run(als_id)
check("run finished", fetched.info.status == "FINISHED" and fetched.info.end_time is not None)
check("run name", fetched.info.run_name == "als-run")
check("params", fetched.data.params == {"algorithm": "als", "factors": "64", "reg": "0.05"}, fetched.data.params)
check("latest metric value", fetched.data.metrics["loss"] == 0.2 and fetched.data.metrics["ndcg_at_10"] == 0.31)
check("tags", fetched.data.tags["model"] == "als" and fetched.data.tags["dataset"] == "watch_log")
check("artifact uri", fetched.info.artifact_uri == f"mlflow-artifacts:/{experiment_id}/{als_id}/artifacts")
history = client.get_metric_history(als_id, "loss")
check("metric history in step order", [m.step for m in history] == [0, 1, 2, 3, 4] and history[0].value == 1.0)

# Param overwrite refused, same value accepted
check(
    "changing a param value is refused",
    error_code(lambda: client.log_param(als_id, "algorithm", "bpr")) == "INVALID_PARAMETER_VALUE",
)
client.log_param(als_id, "algorithm", "als")
check("logging the same param value again is fine", True)

# log_batch through the client, NaN and infinity included
bpr = client.create_run(experiment_id, run_name="bpr-run", tags={"model": "bpr"})
now = int(time.time() * 1000)
client.log_batch(
    bpr.info.run_id,
    metrics=[Metric("ndcg_at_10", 0.25, now, 0), Metric("loss", float("nan"), now, 0), Metric("gain", float("inf"), now, 1)],
    params=[Param("factors", "32"), Param("algorithm", "bpr")],
    tags=[RunTag("dataset", "watch_log")],
)
bpr_run = client.get_run(bpr.info.run_id)
check("log_batch stored everything", bpr_run.data.params["factors"] == "32" and bpr_run.data.metrics["ndcg_at_10"] == 0.25)
check("NaN metric round-trips", math.isnan(bpr_run.data.metrics["loss"]))
check("infinite metric round-trips", bpr_run.data.metrics["gain"] == float("inf"))
# The client splits big batches itself, so send one over MLflow's documented limit by hand.
too_many = [{"key": f"m{i}", "value": 1.0, "timestamp": now, "step": 0} for i in range(1001)]
answer = requests.post(f"{uri}/api/2.0/mlflow/runs/log-batch", json={"run_id": bpr.info.run_id, "metrics": too_many}, timeout=30)
check("batch over MLflow's limit refused", answer.status_code == 400 and answer.json()["error_code"] == "INVALID_PARAMETER_VALUE", answer.text[:200])
check("nothing of the refused batch stored", "m0" not in client.get_run(bpr.info.run_id).data.metrics)
answer = requests.post(f"{uri}/api/2.0/mlflow/runs/log-metric", data="not json", headers={"Content-Type": "application/json"}, timeout=30)
check("malformed JSON refused as INVALID_PARAMETER_VALUE", answer.status_code == 400 and answer.json()["error_code"] == "INVALID_PARAMETER_VALUE")
answer = requests.post(f"{uri}/api/2.0/mlflow/runs/log-metric", json={"run_id": bpr.info.run_id, "key": "x", "value": "high", "timestamp": now}, timeout=30)
check("wrong value type names the field", answer.status_code == 400 and "value" in answer.json()["message"], answer.text[:200])
check(
    "batch with a conflicting param stores nothing",
    error_code(lambda: client.log_batch(bpr.info.run_id, metrics=[Metric("atomic", 1.0, now, 0)], params=[Param("factors", "99")]))
    == "INVALID_PARAMETER_VALUE"
    and "atomic" not in client.get_run(bpr.info.run_id).data.metrics,
)
client.set_terminated(bpr.info.run_id, "FAILED")
check("set_terminated", client.get_run(bpr.info.run_id).info.status == "FAILED")
client.delete_tag(bpr.info.run_id, "dataset")
check("delete_tag", "dataset" not in client.get_run(bpr.info.run_id).data.tags)

check("NUL in a tag value refused", error_code(lambda: client.set_tag(bpr.info.run_id, "bad", "a\x00b")) == "INVALID_PARAMETER_VALUE")
check("traversal in a param name refused", error_code(lambda: client.log_param(bpr.info.run_id, "../etc", "x")) == "INVALID_PARAMETER_VALUE")

# Search runs: filters, order_by, pagination
runs = client.search_runs([experiment_id], filter_string="metrics.ndcg_at_10 > 0.3")
check("search by metric", [r.info.run_id for r in runs] == [als_id])
runs = client.search_runs([experiment_id], filter_string="params.algorithm = 'bpr' and attributes.status = 'FAILED'")
check("search by param and status", [r.info.run_name for r in runs] == ["bpr-run"])
runs = client.search_runs([experiment_id], filter_string="tags.model LIKE 'a%'")
check("search by tag LIKE", [r.info.run_name for r in runs] == ["als-run"])
runs = client.search_runs([experiment_id], filter_string="attributes.run_name IN ('als-run', 'bpr-run')", order_by=["metrics.ndcg_at_10 DESC"])
check("order_by metric", [r.info.run_name for r in runs] == ["als-run", "bpr-run"])
for index in range(5):
    client.create_run(experiment_id, run_name=f"page-{index}")
first = client.search_runs([experiment_id], max_results=3)
second = client.search_runs([experiment_id], max_results=3, page_token=first.token)
check("pagination tokens", len(first) == 3 and len(second) == 3 and first.token and not set(r.info.run_id for r in first) & set(r.info.run_id for r in second))
# mlflow-skinny has no pandas, so the fluent search returns entities.
found = mlflow.search_runs(experiment_ids=[experiment_id], filter_string="metrics.ndcg_at_10 > 0", output_format="list")
check("fluent search_runs", sorted(r.info.run_name for r in found) == ["als-run", "bpr-run"])
check("bad filter refused", error_code(lambda: client.search_runs([experiment_id], filter_string="metrics.ndcg >")) == "INVALID_PARAMETER_VALUE")

# Delete and restore
client.delete_run(als_id)
check("deleted run hidden from search", als_id not in [r.info.run_id for r in client.search_runs([experiment_id])])
check("deleted run listed with DELETED_ONLY", [r.info.run_id for r in client.search_runs([experiment_id], run_view_type=ViewType.DELETED_ONLY)] == [als_id])
client.restore_run(als_id)
check("restore_run", client.get_run(als_id).info.lifecycle_stage == "active")
client.delete_experiment(experiment_id)
check("delete_experiment", client.get_experiment(experiment_id).lifecycle_stage == "deleted")
check("logging to a run of a deleted experiment refused", error_code(lambda: client.log_metric(als_id, "late", 1.0)) == "INVALID_PARAMETER_VALUE")
client.restore_experiment(experiment_id)
check("restore_experiment", client.get_experiment(experiment_id).lifecycle_stage == "active")
check("unknown run", error_code(lambda: client.get_run("0" * 32)) == "RESOURCE_DOES_NOT_EXIST")

# Artifacts through the proxy
import os
import tempfile

workdir = tempfile.mkdtemp()
with open(os.path.join(workdir, "report.json"), "w") as handle:
    handle.write('{"ndcg": 0.31}')
os.makedirs(os.path.join(workdir, "model", "weights"))
with open(os.path.join(workdir, "model", "MLmodel"), "w") as handle:
    handle.write("flavors: {}\n")
with open(os.path.join(workdir, "model", "weights", "factors.bin"), "wb") as handle:
    handle.write(bytes(range(256)) * 4096)
client.log_artifact(als_id, os.path.join(workdir, "report.json"))
client.log_artifacts(als_id, os.path.join(workdir, "model"), artifact_path="model")
top = sorted((f.path, f.is_dir) for f in client.list_artifacts(als_id))
check("list_artifacts at the root", top == [("model", True), ("report.json", False)], top)
inner = sorted(f.path for f in client.list_artifacts(als_id, "model"))
check("list_artifacts in a directory", inner == ["model/MLmodel", "model/weights"], inner)
target = tempfile.mkdtemp()
local = mlflow.artifacts.download_artifacts(run_id=als_id, artifact_path="model", dst_path=target)
with open(os.path.join(local, "weights", "factors.bin"), "rb") as handle:
    check("download_artifacts returns the same bytes", handle.read() == bytes(range(256)) * 4096)
with open(mlflow.artifacts.download_artifacts(run_id=als_id, artifact_path="report.json", dst_path=target)) as handle:
    check("download a single file", handle.read() == '{"ndcg": 0.31}')
base = f"{uri}/api/2.0/mlflow-artifacts/artifacts"
for name, path in [
    ("encoded parent", "%2e%2e/%2e%2e/etc/passwd"),
    ("double-encoded parent", "1/%252e%252e/x"),
    ("encoded absolute", "%2Fetc%2Fpasswd"),
    ("NUL byte", "1/abc%00.txt"),
    ("backslash", "1/..%5c..%5cx"),
]:
    answer = requests.put(f"{base}/{path}", data=b"x", timeout=30)
    check(f"artifact path refused: {name}", answer.status_code == 400 and answer.json().get("error_code") == "INVALID_PARAMETER_VALUE", f"{answer.status_code} {answer.text[:120]}")
answer = requests.get(f"{base}/1/none/artifacts/missing.txt", timeout=30)
check("missing artifact is 404", answer.status_code == 404 and answer.json()["error_code"] == "RESOURCE_DOES_NOT_EXIST")
print("done", flush=True)
