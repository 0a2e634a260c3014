"""Drives a movie-mlops server with the official Airflow 2 REST client (apache-airflow-client 2.x, /api/v1).

Usage: python airflow2_client_flow.py <server-url>
Prints one line per check ("ok <name>") and exits non-zero at the first failure; the last line is "done".
The server runs the compat pipelines of tests/compat/stage5-airflow-client.test.ts.
"""
import sys

import airflow_client.client as client
from airflow_client.client.api import dag_api, dag_run_api, monitoring_api, task_instance_api
from airflow_client.client.model.clear_task_instances import ClearTaskInstances
from airflow_client.client.model.dag import DAG
from airflow_client.client.model.dag_run import DAGRun
from airflow_client.client.model.update_dag_run_state import UpdateDagRunState
from airflow_client.client.model.update_task_instance import UpdateTaskInstance
from airflow_client.client.model.update_task_state import UpdateTaskState
from airflow_checks import check, status_of, wait_for

configuration = client.Configuration(host=f"{sys.argv[1]}/api/v1")
api = client.ApiClient(configuration)
dags = dag_api.DAGApi(api)
runs = dag_run_api.DAGRunApi(api)
instances = task_instance_api.TaskInstanceApi(api)
monitoring = monitoring_api.MonitoringApi(api)

# Health and version
health = monitoring.get_health()
check("get_health", str(health.metadatabase.status) == "healthy", health)
check("get_version", bool(monitoring.get_version().version))

# DAGs and their filters
listed = dags.get_dags()
ids = [dag.dag_id for dag in listed.dags]
check("get_dags lists the pipelines", {"compat_flow", "compat_paused", "compat_slow"} <= set(ids), ids)
check("dag_id_pattern", [d.dag_id for d in dags.get_dags(dag_id_pattern="flow").dags] == ["compat_flow"])
check("tags", sorted(d.dag_id for d in dags.get_dags(tags=["nightly"]).dags) == ["compat_paused"])
check("paused=True", [d.dag_id for d in dags.get_dags(paused=True, dag_id_pattern="compat").dags] == ["compat_paused"])
check("paused=False", "compat_paused" not in [d.dag_id for d in dags.get_dags(paused=False).dags])
check("only_active", len(dags.get_dags(only_active=True).dags) == len(ids))
dag = dags.get_dag("compat_flow")
check("get_dag", dag.dag_id == "compat_flow" and not dag.is_paused and [t.name for t in dag.tags] == ["compat"])
details = dags.get_dag_details("compat_flow")
check("get_dag_details", details.dag_id == "compat_flow" and details.timezone == "UTC")
check("get_dag for an unknown DAG is 404", status_of(lambda: dags.get_dag("no_such_dag")) == 404)
paused = dags.patch_dag("compat_paused", DAG(is_paused=False), update_mask=["is_paused"])
check("patch_dag unpauses", paused.is_paused is False)
dags.patch_dag("compat_paused", DAG(is_paused=True), update_mask=["is_paused"])

# Tasks
tasks = dags.get_tasks("compat_flow").tasks
check("get_tasks", [t.task_id for t in tasks] == ["extract", "transform", "load"], tasks)
check("retry_delay is a TimeDelta", tasks[1].retry_delay.seconds == 1 and tasks[1].retry_delay.days == 0)
check("downstream_task_ids", tasks[0].downstream_task_ids == ["transform"])

# Trigger with conf and wait for the run
run = runs.post_dag_run("compat_flow", DAGRun(dag_run_id="v1_first", conf={"rows": 3}))
check("post_dag_run with conf", run.dag_run_id == "v1_first" and run.conf == {"rows": 3})
check("a taken run id is 409", status_of(lambda: runs.post_dag_run("compat_flow", DAGRun(dag_run_id="v1_first"))) == 409)
state = wait_for(lambda: str(runs.get_dag_run("compat_flow", "v1_first").state), {"success", "failed"})
check("the run fails at transform's first attempt", state == "failed", state)
check("get_dag_runs filters by state", "v1_first" in [r.dag_run_id for r in runs.get_dag_runs("compat_flow", state=["failed"]).dag_runs])

# Task instances and logs
tis = {ti.task_id: ti for ti in instances.get_task_instances("compat_flow", "v1_first").task_instances}
check("get_task_instances", str(tis["extract"].state) == "success" and str(tis["transform"].state) == "failed" and str(tis["load"].state) == "upstream_failed", tis)
ti = instances.get_task_instance("compat_flow", "v1_first", "transform")
check("get_task_instance", ti.task_id == "transform" and ti.try_number == 1)
log = instances.get_log("compat_flow", "v1_first", "transform", 1)
check("get_log", "first attempt fails" in log.content, log)
check("get_log has no more after its token", instances.get_log("compat_flow", "v1_first", "transform", 1, token=log.continuation_token).content == "")
check("get_log full_content", "first attempt fails" in instances.get_log("compat_flow", "v1_first", "transform", 1, full_content=True).content)

# Clear the failed task and what depends on it: the run goes on to success
dry = instances_dry = dags.post_clear_task_instances("compat_flow", ClearTaskInstances(dag_run_id="v1_first", task_ids=["transform"], include_downstream=True, only_failed=False, dry_run=True))
check("clear (dry run) lists transform and load", sorted(t.task_id for t in dry.task_instances) == ["load", "transform"], dry)
check("dry run changed nothing", str(instances.get_task_instance("compat_flow", "v1_first", "transform").state) == "failed")
dags.post_clear_task_instances("compat_flow", ClearTaskInstances(dag_run_id="v1_first", task_ids=["transform"], include_downstream=True, only_failed=False, dry_run=False))
state = wait_for(lambda: str(runs.get_dag_run("compat_flow", "v1_first").state), {"success"})
check("the cleared run succeeds", state == "success", state)
ti = instances.get_task_instance("compat_flow", "v1_first", "transform")
check("transform ran again as attempt 2", str(ti.state) == "success" and ti.try_number == 2, ti)
check("log of attempt 2", "attempt 2" in instances.get_log("compat_flow", "v1_first", "transform", 2).content)

# Mark a task, mark a run, delete a run
instances.patch_task_instance("compat_flow", "v1_first", "load", UpdateTaskInstance(dry_run=False, new_state=UpdateTaskState("failed")))
check("patch_task_instance marks failed", str(instances.get_task_instance("compat_flow", "v1_first", "load").state) == "failed")
check("the run follows its tasks", str(runs.get_dag_run("compat_flow", "v1_first").state) == "failed")
runs.post_dag_run("compat_slow", DAGRun(dag_run_id="v1_slow"))
wait_for(lambda: str(instances.get_task_instance("compat_slow", "v1_slow", "wait").state), {"running"})
marked = runs.update_dag_run_state("compat_slow", "v1_slow", UpdateDagRunState(state="failed"))
check("update_dag_run_state marks failed", str(marked.state) == "failed")
check("the running task is failed with it", str(instances.get_task_instance("compat_slow", "v1_slow", "wait").state) == "failed")
marked = runs.update_dag_run_state("compat_slow", "v1_slow", UpdateDagRunState(state="success"))
check("update_dag_run_state marks success", str(marked.state) == "success")
runs.delete_dag_run("compat_slow", "v1_slow")
check("delete_dag_run", status_of(lambda: runs.get_dag_run("compat_slow", "v1_slow")) == 404)
check("a deleted run is gone from the list", "v1_slow" not in [r.dag_run_id for r in runs.get_dag_runs("compat_slow").dag_runs])
print("done", flush=True)
