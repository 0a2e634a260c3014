"""Drives the model registry of a movie-mlops server with the official mlflow client and asserts results.

Usage: python mlflow_client_registry.py <tracking-uri>
"""
import os
import sys
import tempfile

import mlflow
from mlflow import MlflowClient
from compat_checks import check, error_code

uri = sys.argv[1]
mlflow.set_tracking_uri(uri)
client = MlflowClient(uri)





mlflow.set_experiment("registry-compat")
runs = []
for index, ndcg in enumerate([0.20, 0.31]):
    with mlflow.start_run(run_name=f"als-{index}") as run:
        mlflow.log_metric("ndcg_at_10", ndcg)
        folder = tempfile.mkdtemp()
        with open(os.path.join(folder, "MLmodel"), "w") as handle:
            handle.write(f"version: {index}\n")
        mlflow.log_artifacts(folder, artifact_path="model")
        runs.append(run.info.run_id)

first = mlflow.register_model(f"runs:/{runs[0]}/model", "compat_recommender")
check("register_model creates version 1", first.version == "1" and first.status == "READY")
second = mlflow.register_model(f"runs:/{runs[1]}/model", "compat_recommender")
check("second registration is version 2", second.version == "2" and second.run_id == runs[1])
check("source resolved from the run", second.source.endswith(f"/{runs[1]}/artifacts/model"), second.source)
check("duplicate model name refused", error_code(lambda: client.create_registered_model("compat_recommender")) == "RESOURCE_ALREADY_EXISTS")

model = client.get_registered_model("compat_recommender")
check("get_registered_model", model.name == "compat_recommender" and len(model.latest_versions) == 1)
client.update_registered_model("compat_recommender", description="ALS on the watch log")
check("update_registered_model", client.get_registered_model("compat_recommender").description == "ALS on the watch log")
client.update_model_version("compat_recommender", "2", description="64 factors")
check("update_model_version", client.get_model_version("compat_recommender", "2").description == "64 factors")
client.set_registered_model_tag("compat_recommender", "team", "recsys")
client.set_model_version_tag("compat_recommender", "2", "validated", "yes")
check("tags", client.get_registered_model("compat_recommender").tags == {"team": "recsys"} and client.get_model_version("compat_recommender", "2").tags == {"validated": "yes"})

client.transition_model_version_stage("compat_recommender", "1", "Production")
client.transition_model_version_stage("compat_recommender", "2", "Production", archive_existing_versions=True)
check("archive_existing_versions", client.get_model_version("compat_recommender", "1").current_stage == "Archived")
latest = client.get_latest_versions("compat_recommender", stages=["Production"])
check("get_latest_versions by stage", [v.version for v in latest] == ["2"])
check("bad stage refused", error_code(lambda: client.transition_model_version_stage("compat_recommender", "2", "Prod")) == "INVALID_PARAMETER_VALUE")

client.set_registered_model_alias("compat_recommender", "champion", "2")
client.set_registered_model_alias("compat_recommender", "challenger", "1")
check("get_model_version_by_alias", client.get_model_version_by_alias("compat_recommender", "champion").version == "2")
check("aliases listed on the model", {a: v for a, v in client.get_registered_model("compat_recommender").aliases.items()} == {"champion": "2", "challenger": "1"})
client.set_registered_model_alias("compat_recommender", "champion", "1")
check("alias reassigned", client.get_model_version_by_alias("compat_recommender", "champion").version == "1")
client.delete_registered_model_alias("compat_recommender", "challenger")
check("unknown alias refused", error_code(lambda: client.get_model_version_by_alias("compat_recommender", "challenger")) == "INVALID_PARAMETER_VALUE")

target = tempfile.mkdtemp()
local = mlflow.artifacts.download_artifacts("models:/compat_recommender@champion", dst_path=target)
with open(os.path.join(local, "MLmodel")) as handle:
    check("download a model by alias", handle.read() == "version: 0\n")
check("download uri", client.get_model_version_download_uri("compat_recommender", "2").endswith("/artifacts/model"))

names = [m.name for m in client.search_registered_models(filter_string="name LIKE 'compat%'")]
check("search_registered_models", names == ["compat_recommender"], names)
versions = client.search_model_versions("name='compat_recommender'")
check("search_model_versions", sorted(v.version for v in versions) == ["1", "2"])
by_run = client.search_model_versions(f"run_id='{runs[1]}'")
check("search_model_versions by run", [v.version for v in by_run] == ["2"])

client.rename_registered_model("compat_recommender", "compat_recommender_v2")
check("rename keeps versions", client.get_model_version("compat_recommender_v2", "2").run_id == runs[1])
client.delete_model_version("compat_recommender_v2", "1")
check("delete_model_version", error_code(lambda: client.get_model_version("compat_recommender_v2", "1")) == "RESOURCE_DOES_NOT_EXIST")
client.delete_registered_model("compat_recommender_v2")
check("delete_registered_model", error_code(lambda: client.get_registered_model("compat_recommender_v2")) == "RESOURCE_DOES_NOT_EXIST")
print("done", flush=True)
