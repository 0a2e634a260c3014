"""Drives a movie-mlops server with the official MLflow 3 client: logged models, datasets, tables.

Usage: python mlflow3_client_models.py <tracking-uri>
Prints one line per check ("ok <name>") and exits non-zero at the first failure.
"""
import os
import sys
import tempfile

import mlflow
import mlflow.pyfunc
import pandas as pd
import requests
from mlflow import MlflowClient
from mlflow.entities import LoggedModelStatus
from compat_checks import check, error_code

uri = sys.argv[1]
mlflow.set_tracking_uri(uri)
client = MlflowClient(uri)
check("client is MLflow 3", mlflow.__version__.startswith("3."), mlflow.__version__)


class AddN(mlflow.pyfunc.PythonModel):
    """A tiny model: adds `n` to every value."""

    def __init__(self, n):
        self.n = n

    def predict(self, context, model_input, params=None):
        return model_input + self.n


experiment_id = mlflow.set_experiment("compat-mlflow3").experiment_id
frame = pd.DataFrame({"user_id": [1, 2, 3], "rating": [4.0, 3.5, 5.0]})

# Logged models through a flavor: create → artifacts → outputs → finalize
with mlflow.start_run(run_name="pyfunc-run") as run:
    mlflow.log_param("n", 3)
    dataset = mlflow.data.from_pandas(frame, name="ratings", targets="rating")
    mlflow.log_input(dataset, context="training")
    info = mlflow.pyfunc.log_model(name="adder", python_model=AddN(3), pip_requirements=["pandas"])
    mlflow.log_metric("rmse", 0.8, step=1, model_id=info.model_id, dataset=dataset)
    mlflow.log_table(pd.DataFrame({"movie": ["a", "b"], "score": [0.9, 0.4]}), artifact_file="eval/table.json")
run_id = run.info.run_id
check("log_model returns a logged model id", info.model_id.startswith("m-"), info.model_id)
check("model uri is models:/<id>", info.model_uri == f"models:/{info.model_id}", info.model_uri)
model = client.get_logged_model(info.model_id)
check("logged model is READY", model.status == LoggedModelStatus.READY, model.status)
check("logged model keeps its run and experiment", model.source_run_id == run_id and model.experiment_id == experiment_id)
check("logged model carries the run's params", model.params.get("n") == "3", model.params)
check(
    "artifact location under the experiment",
    model.artifact_location == f"mlflow-artifacts:/{experiment_id}/models/{info.model_id}/artifacts",
    model.artifact_location,
)
check("model metric linked", any(m.key == "rmse" and m.value == 0.8 and m.dataset_name == "ratings" for m in model.metrics), model.metrics)
files = sorted(f.path for f in client.list_logged_model_artifacts(info.model_id))
check("model artifacts uploaded", "MLmodel" in files and "python_model.pkl" in files, files)
fetched = client.get_run(run_id)
check("run outputs name the model", [o.model_id for o in fetched.outputs.model_outputs] == [info.model_id])
inputs = fetched.inputs.dataset_inputs
check("run inputs list the dataset", len(inputs) == 1 and inputs[0].dataset.name == "ratings", inputs)
check("dataset input carries its context", {t.key: t.value for t in inputs[0].tags}.get("mlflow.data.context") == "training")
check("dataset digest and source kept", inputs[0].dataset.digest == dataset.digest and inputs[0].dataset.source_type == "code")

# Loading: by model id, by run path (resolved through search_logged_models)
loaded = mlflow.pyfunc.load_model(info.model_uri)
check("load_model(models:/<id>) predicts", loaded.predict(pd.DataFrame({"x": [1, 2]}))["x"].tolist() == [4, 5])
listed = sorted(f.path for f in client.list_artifacts(run_id, "adder"))
check("list_artifacts(run, path) lists the run's model", "adder/MLmodel" in listed, listed)
by_run = mlflow.pyfunc.load_model(f"runs:/{run_id}/adder")
check("load_model(runs:/<run>/<name>) predicts", by_run.predict(pd.DataFrame({"x": [0]}))["x"].tolist() == [3])

# Tables
table = mlflow.load_table("eval/table.json", run_ids=[run_id], extra_columns=["run_id"])
check("load_table reads log_table back", table["movie"].tolist() == ["a", "b"] and "run_id" in table.columns, table)
check("log_table lists its artifact", [f.path for f in client.list_artifacts(run_id, "eval")] == ["eval/table.json"])

# A flavor the user may have: scikit-learn
from sklearn.linear_model import LinearRegression

with mlflow.start_run(run_name="sklearn-run") as sk_run:
    regression = LinearRegression().fit([[0.0], [1.0], [2.0]], [1.0, 3.0, 5.0])
    # 3.x saves with skops by default, a package of its own; cloudpickle is the format that needs nothing more.
    sk_info = mlflow.sklearn.log_model(
        regression, name="linear", input_example=[[3.0]], serialization_format="cloudpickle"
    )
sk_model = mlflow.sklearn.load_model(sk_info.model_uri)
check("sklearn.log_model and load_model round-trip", round(float(sk_model.predict([[4.0]])[0]), 6) == 9.0)
check("sklearn model carries its flavor", client.get_logged_model(sk_info.model_id).source_run_id == sk_run.info.run_id)

# Registering a logged model
version = mlflow.register_model(info.model_uri, "compat-adder")
check("register_model(models:/<id>) creates version 1", version.version == "1", version)
check("version takes the model's run", version.run_id == run_id, version)
raw = requests.get(f"{uri}/api/2.0/mlflow/model-versions/get", params={"name": "compat-adder", "version": "1"}, timeout=10)
check("version remembers the logged model", raw.json()["model_version"].get("model_id") == info.model_id, raw.text)
check(
    "version source resolves into the artifact store",
    client.get_model_version_download_uri("compat-adder", "1") == model.artifact_location,
)
served = mlflow.pyfunc.load_model("models:/compat-adder/1")
check("load_model(models:/<name>/<version>) predicts", served.predict(pd.DataFrame({"x": [10]}))["x"].tolist() == [13])
tag = client.get_logged_model(info.model_id).tags.get("mlflow.modelVersions", "")
check("logged model lists its registered versions", '"compat-adder"' in tag, tag)

# Searching logged models
second = mlflow.pyfunc.log_model(name="adder-two", python_model=AddN(5), pip_requirements=["pandas"])
mlflow.end_run()
names = [m.name for m in mlflow.search_logged_models(experiment_ids=[experiment_id], output_format="list")]
check("search_logged_models, newest first", names == ["adder-two", "linear", "adder"], names)
active = [m.name for m in mlflow.search_logged_models(output_format="list")]
check("search_logged_models() searches the active experiment", active == names, active)
found = mlflow.search_logged_models(experiment_ids=[experiment_id], filter_string="metrics.rmse < 1", output_format="list")
check("search_logged_models on a metric", [m.model_id for m in found] == [info.model_id], found)
found = client.search_logged_models([experiment_id], filter_string="name = 'adder-two' AND status = 'READY'")
check("search_logged_models on attributes", [m.model_id for m in found] == [second.model_id], found)
frame_result = mlflow.search_logged_models(experiment_ids=[experiment_id], filter_string="params.n = '3'")
check("search_logged_models returns a DataFrame", list(frame_result["model_id"]) == [info.model_id])
paged = client.search_logged_models([experiment_id], max_results=1)
check("search_logged_models pages", len(paged) == 1 and paged.token is not None)
check(
    "bad logged-model filter is INVALID_PARAMETER_VALUE",
    error_code(lambda: client.search_logged_models([experiment_id], filter_string="metrics.rmse < 'x'")) == "INVALID_PARAMETER_VALUE",
)

# Tags, params, finalize, delete
client.set_logged_model_tags(second.model_id, {"team": "recsys"})
check("set_logged_model_tags", client.get_logged_model(second.model_id).tags.get("team") == "recsys")
client.delete_logged_model_tag(second.model_id, "team")
check("delete_logged_model_tag", "team" not in client.get_logged_model(second.model_id).tags)
external = mlflow.create_external_model(name="external", params={"k": "10"}, experiment_id=experiment_id)
client.log_model_params(external.model_id, {"alpha": "0.1"})
check("log_model_params", client.get_logged_model(external.model_id).params == {"k": "10", "alpha": "0.1"})
client.finalize_logged_model(external.model_id, LoggedModelStatus.FAILED)
check("finalize_logged_model FAILED", client.get_logged_model(external.model_id).status == LoggedModelStatus.FAILED)
client.delete_logged_model(external.model_id)
check("deleted model is gone", error_code(lambda: client.get_logged_model(external.model_id)) == "RESOURCE_DOES_NOT_EXIST")
check("unknown model id", error_code(lambda: client.get_logged_model("m-" + "0" * 32)) == "RESOURCE_DOES_NOT_EXIST")
bad = requests.post(f"{uri}/api/2.0/mlflow/logged-models", json={"name": "x"}, timeout=10)
check("create without experiment_id names the field", bad.status_code == 400 and "experiment_id" in bad.json()["message"], bad.text)

# Runs searched by their datasets
with mlflow.start_run(run_name="eval-run"):
    mlflow.log_input(mlflow.data.from_pandas(frame.head(2), name="holdout"), context="evaluation")
def run_names(filter_string):
    return sorted(r.info.run_name for r in client.search_runs([experiment_id], filter_string))
check("search_runs on datasets.name", run_names("datasets.name = 'ratings'") == ["pyfunc-run"])
check("search_runs on datasets.context", run_names("datasets.context = 'evaluation'") == ["eval-run"])
check("search_runs on datasets.digest", run_names(f"datasets.digest = '{dataset.digest}'") == ["pyfunc-run"])
check("search_runs on datasets IN", run_names("datasets.name IN ('ratings', 'holdout')") == ["eval-run", "pyfunc-run"])

# Larger artifacts in parts (multipart upload through the artifact proxy): the server advertises it, and
# the client uses it for files above the minimum size (lowered here from its 500 MB default).
info_answer = requests.get(f"{uri}/api/3.0/mlflow/server-info", timeout=10).json()
check("server-info advertises multipart uploads", info_answer.get("multipart_uploads_enabled") is True, info_answer)
os.environ["MLFLOW_MULTIPART_UPLOAD_MINIMUM_FILE_SIZE"] = str(1024)
os.environ["MLFLOW_MULTIPART_UPLOAD_CHUNK_SIZE"] = str(5 * 1024 * 1024)
payload = os.urandom(11 * 1024 * 1024 + 7)
with tempfile.TemporaryDirectory() as folder, mlflow.start_run(run_name="big-artifact") as big:
    path = os.path.join(folder, "weights.bin")
    with open(path, "wb") as handle:
        handle.write(payload)
    mlflow.log_artifact(path, "parts")
    downloaded = mlflow.artifacts.download_artifacts(run_id=big.info.run_id, artifact_path="parts/weights.bin", dst_path=folder + "/out")
    with open(downloaded, "rb") as handle:
        check("multipart upload stores every byte in order", handle.read() == payload)
    check("no upload left under way", requests.post(
        f"{uri}/api/2.0/mlflow-artifacts/mpu/abort/{big.info.experiment_id}/{big.info.run_id}/artifacts/parts",
        json={"path": "weights.bin", "upload_id": "0" * 32}, timeout=10).status_code == 404)
print("done", flush=True)
