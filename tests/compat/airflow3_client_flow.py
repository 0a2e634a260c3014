"""Drives a movie-mlops server with the official Airflow 3 REST client (apache-airflow-client 3.x, /api/v2).

Usage: python airflow3_client_flow.py <server-url>
Prints one line per check ("ok <name>") and exits non-zero at the first failure; the last line is "done".
The server runs the compat pipelines of tests/compat/stage5-airflow-client.test.ts.
"""
import sys

import airflow_client.client as client
from airflow_client.client.api.dag_api import DAGApi
from airflow_client.client.api.dag_run_api import DagRunApi
from airflow_client.client.api.monitor_api import MonitorApi
from airflow_client.client.api.task_api import TaskApi
from airflow_client.client.api.task_instance_api import TaskInstanceApi
from airflow_client.client.api.version_api import VersionApi
from airflow_client.client.models.clear_task_instances_body import ClearTaskInstancesBody
from airflow_client.client.models.clear_task_instances_body_task_ids_inner import ClearTaskInstancesBodyTaskIdsInner
from airflow_client.client.models.dag_patch_body import DAGPatchBody
from airflow_client.client.models.dag_run_clear_body import DAGRunClearBody
from airflow_client.client.models.dag_run_patch_body import DAGRunPatchBody
from airflow_client.client.models.patch_task_instance_body import PatchTaskInstanceBody
from airflow_client.client.models.trigger_dag_run_post_body import TriggerDAGRunPostBody
from airflow_checks import check, status_of, wait_for

configuration = client.Configuration(host=sys.argv[1])
api = client.ApiClient(configuration)
dags = DAGApi(api)
runs = DagRunApi(api)
instances = TaskInstanceApi(api)
tasks_api = TaskApi(api)

# Health and version
health = MonitorApi(api).get_health()
check("get_health", health.metadatabase.status == "healthy", health)
check("get_version", bool(VersionApi(api).get_version().version))

# DAGs and their filters
listed = dags.get_dags()
ids = [dag.dag_id for dag in listed.dags]
check("get_dags lists the pipelines", {"compat_flow", "compat_paused", "compat_slow"} <= set(ids), ids)
check("dag_id_pattern", [d.dag_id for d in dags.get_dags(dag_id_pattern="flow").dags] == ["compat_flow"])
check("tags", [d.dag_id for d in dags.get_dags(tags=["nightly"]).dags] == ["compat_paused"])
check("tags_match_mode all", [d.dag_id for d in dags.get_dags(tags=["compat", "nightly"], tags_match_mode="all").dags] == [])
check("paused=True", [d.dag_id for d in dags.get_dags(paused=True, dag_id_pattern="compat").dags] == ["compat_paused"])
dag = dags.get_dag("compat_flow")
check("get_dag", dag.dag_id == "compat_flow" and not dag.is_paused and [t.name for t in dag.tags] == ["compat"])
details = dags.get_dag_details("compat_flow")
check("get_dag_details", details.dag_id == "compat_flow" and details.timezone == "UTC")
check("get_dag for an unknown DAG is 404", status_of(lambda: dags.get_dag("no_such_dag")) == 404)
check("patch_dag unpauses", dags.patch_dag("compat_paused", DAGPatchBody(is_paused=False)).is_paused is False)
dags.patch_dag("compat_paused", DAGPatchBody(is_paused=True), update_mask=["is_paused"])

# Tasks
tasks = tasks_api.get_tasks("compat_flow").tasks
check("get_tasks", [t.task_id for t in tasks] == ["extract", "transform", "load"], tasks)
check("retry_delay is a TimeDelta", tasks[1].retry_delay.seconds == 1 and tasks[1].retry_delay.days == 0)
check("get_task", tasks_api.get_task("compat_flow", "load").task_id == "load")

# Trigger with conf and wait for the run
run = runs.trigger_dag_run("compat_flow", TriggerDAGRunPostBody(dag_run_id="v2_first", logical_date=None, conf={"rows": 3}))
check("trigger_dag_run with conf", run.dag_run_id == "v2_first" and run.conf == {"rows": 3})
check("a taken run id is 409", status_of(lambda: runs.trigger_dag_run("compat_flow", TriggerDAGRunPostBody(dag_run_id="v2_first", logical_date=None))) == 409)
check("a bad conf is refused", status_of(lambda: runs.trigger_dag_run("compat_flow", TriggerDAGRunPostBody(logical_date=None, conf={"rows": "many"}))) == 400)
state = wait_for(lambda: runs.get_dag_run("compat_flow", "v2_first").state.value, {"success", "failed"})
check("the run fails at transform's first attempt", state == "failed", state)
check("get_dag_runs filters by state", "v2_first" in [r.dag_run_id for r in runs.get_dag_runs("compat_flow", state=["failed"]).dag_runs])

# Task instances and logs
tis = {ti.task_id: ti for ti in instances.get_task_instances("compat_flow", "v2_first").task_instances}
check("get_task_instances", tis["extract"].state.value == "success" and tis["transform"].state.value == "failed" and tis["load"].state.value == "upstream_failed", tis)
ti = instances.get_task_instance("compat_flow", "v2_first", "transform")
check("get_task_instance", ti.task_id == "transform" and ti.try_number == 1)
log = instances.get_log("compat_flow", "v2_first", "transform", 1)
events = [message.event for message in log.content.actual_instance]
check("get_log by try", any("first attempt fails" in event for event in events), events)

# Clear the failed task and what depends on it: the run goes on to success
dry = instances.post_clear_task_instances("compat_flow", ClearTaskInstancesBody(dag_run_id="v2_first", task_ids=[ClearTaskInstancesBodyTaskIdsInner("transform")], include_downstream=True, only_failed=False, dry_run=True))
check("clear (dry run) lists transform and load", sorted(t.task_id for t in dry.task_instances) == ["load", "transform"], dry)
check("dry run changed nothing", instances.get_task_instance("compat_flow", "v2_first", "transform").state.value == "failed")
instances.post_clear_task_instances("compat_flow", ClearTaskInstancesBody(dag_run_id="v2_first", task_ids=[ClearTaskInstancesBodyTaskIdsInner("transform")], include_downstream=True, only_failed=False, dry_run=False))
state = wait_for(lambda: runs.get_dag_run("compat_flow", "v2_first").state.value, {"success"})
check("the cleared run succeeds", state == "success", state)
ti = instances.get_task_instance("compat_flow", "v2_first", "transform")
check("transform ran again as attempt 2", ti.state.value == "success" and ti.try_number == 2, ti)
events = [m.event for m in instances.get_log("compat_flow", "v2_first", "transform", 2).content.actual_instance]
check("log of attempt 2", any("attempt 2" in event for event in events), events)

# Mark a task, clear a whole run, mark a run, delete a run
marked = instances.patch_task_instance("compat_flow", "v2_first", "load", PatchTaskInstanceBody(new_state="failed"))
check("patch_task_instance marks failed", [t.state.value for t in marked.task_instances] == ["failed"], marked)
check("the run follows its tasks", runs.get_dag_run("compat_flow", "v2_first").state.value == "failed")
cleared = runs.clear_dag_run("compat_flow", "v2_first", DAGRunClearBody(dry_run=False, only_failed=True))
check("clear_dag_run", cleared.actual_instance.dag_run_id == "v2_first")
state = wait_for(lambda: runs.get_dag_run("compat_flow", "v2_first").state.value, {"success"})
check("the run cleared again succeeds", state == "success", state)
runs.trigger_dag_run("compat_slow", TriggerDAGRunPostBody(dag_run_id="v2_slow", logical_date=None))
wait_for(lambda: getattr(instances.get_task_instance("compat_slow", "v2_slow", "wait").state, "value", None), {"running"})
marked = runs.patch_dag_run("compat_slow", "v2_slow", DAGRunPatchBody(state="failed"))
check("patch_dag_run marks failed", marked.state.value == "failed")
check("the running task is failed with it", instances.get_task_instance("compat_slow", "v2_slow", "wait").state.value == "failed")
marked = runs.patch_dag_run("compat_slow", "v2_slow", DAGRunPatchBody(state="success", note="checked by hand"), update_mask=["state", "note"])
check("patch_dag_run marks success with a note", marked.state.value == "success" and marked.note == "checked by hand")
runs.delete_dag_run("compat_slow", "v2_slow")
check("delete_dag_run", status_of(lambda: runs.get_dag_run("compat_slow", "v2_slow")) == 404)
check("a deleted run is gone from the list", "v2_slow" not in [r.dag_run_id for r in runs.get_dag_runs("compat_slow").dag_runs])
print("done", flush=True)
