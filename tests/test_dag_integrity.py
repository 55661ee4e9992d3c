"""Policy tests over every DAG, parsed as the DAG processor does (no metadata DB needed)."""

import json
import os
import subprocess
import sys
import textwrap

import pytest

from tianyan import paths
from tianyan.orchestration import localenv

PARSE = textwrap.dedent(
    """
    import json, os, socket, sys
    # Nothing may touch a database or the network at parse time: any connection attempt fails the parse.
    def _refuse(*a, **k):
        raise RuntimeError("network or database access at DAG parse time")
    socket.socket.connect = _refuse
    socket.create_connection = _refuse
    from airflow.dag_processing.dagbag import BundleDagBag
    from airflow.serialization.encoders import coerce_to_core_timetable
    from airflow.timetables.base import TimeRestriction
    d = os.environ["AIRFLOW__CORE__DAGS_FOLDER"]
    bag = BundleDagBag(dag_folder=d, bundle_path=d, bundle_name="dags-folder")
    out = {"errors": {k: str(v) for k, v in bag.import_errors.items()}, "dags": {}}
    for dag_id, dag in sorted(bag.dags.items()):
        out["dags"][dag_id] = {
            "tags": sorted(dag.tags),
            "doc_md": dag.doc_md or "",
            "owners": sorted({t.owner for t in dag.tasks}),
            "retries": sorted({t.retries for t in dag.tasks}),
            "tasks": sorted(t.task_id for t in dag.tasks),
            "pools": sorted({t.pool for t in dag.tasks}),
            "order": list(bag.dags),
            "start_dates": sorted({str(x) for x in [dag.start_date, *(t.start_date for t in dag.tasks)]}),
            "operators": {t.task_id: type(t).__name__ for t in dag.tasks},
            "sensor_modes": sorted({t.mode for t in dag.tasks if hasattr(t, "poke_interval")}),
            # What the scheduler does with this DAG when it is first parsed or unpaused (None: no clock:
            # it runs on Asset events only, or manually).
            "first_run_after": str(getattr(coerce_to_core_timetable(dag.timetable).next_dagrun_info(
                last_automated_data_interval=None,
                restriction=TimeRestriction(dag.start_date, None, dag.catchup)), "run_after", None)),
        }
    print("@@" + json.dumps(out))
    """
)


@pytest.fixture(scope="module")
def parsed():
    env = {**os.environ, **localenv.airflow_defaults()}
    env.pop("AIRFLOW_CONN_WAREHOUSE", None)  # parsing must not need a warehouse
    proc = subprocess.run([sys.executable, "-c", PARSE], capture_output=True, text=True, env=env,
                          cwd=paths.ROOT, timeout=300)
    line = next((ln for ln in proc.stdout.splitlines() if ln.startswith("@@")), None)
    assert line, f"DAG parse failed:\n{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}"
    return json.loads(line[2:])


def test_no_import_errors_or_cycles_and_no_io_at_parse_time(parsed):
    assert parsed["errors"] == {}


def test_one_dag_per_department_plus_scoring(parsed):
    from tianyan.registry import load_departments

    expected = {f"dept_{d}" for d in load_departments()} | {"scoring", "public_site", "rules_whatif"}
    assert set(parsed["dags"]) == expected


@pytest.mark.parametrize("policy", ["owner", "tags", "retries", "doc_md"])
def test_every_dag_follows_the_policy(parsed, policy):
    for dag_id, d in parsed["dags"].items():
        if policy == "owner":
            assert d["owners"] and "airflow" not in d["owners"], f"{dag_id} has no owner"
        elif policy == "tags":
            assert d["tags"], f"{dag_id} has no tags"
        elif policy == "retries":
            assert min(d["retries"]) >= 2, f"{dag_id} has tasks with fewer than 2 retries"
        else:
            assert len(d["doc_md"]) > 100, f"{dag_id} has no doc_md"


def test_department_dags_have_a_task_group_per_feed_and_pools(parsed):
    from tianyan.registry import load_feeds

    for feed in load_feeds().values():
        d = parsed["dags"][f"dept_{feed.department}"]
        assert f"{feed.name}.land" in d["tasks"] and f"{feed.name}.validate_load" in d["tasks"]
        assert f"dept_{feed.department}" in d["pools"] and "warehouse" in d["pools"]
        assert feed.department in d["tags"]
        assert f"`{feed.id}`" in d["doc_md"]


def test_any_business_date_runs_and_unpausing_starts_no_run(parsed):
    """No start_date: Airflow creates no task instance for a logical date before it (a backfill of
    2024 would do nothing). And the first scheduled run is the next schedule point, not the last past
    one: unpausing must not queue a run without data ahead of the one a user triggered."""
    import pendulum

    now = pendulum.now("UTC")
    for dag_id, d in parsed["dags"].items():
        assert d["start_dates"] == ["None"], f"{dag_id} has a start_date"
        if d["first_run_after"] != "None":  # None: an Asset-only schedule (public_site) or none (rules_whatif)
            assert pendulum.parse(d["first_run_after"]) > now, f"{dag_id} would run at once when unpaused"


def test_land_tasks_wait_deferred_and_sensors_free_their_slot(parsed):
    for dag_id, d in parsed["dags"].items():
        if dag_id.startswith("dept_"):
            lands = {t: op for t, op in d["operators"].items() if t.endswith(".land")}
            assert lands and set(lands.values()) == {"LandOperator"}, dag_id
        assert d["sensor_modes"] in ([], ["reschedule"]), f"{dag_id}: a sensor holding a worker slot"
    assert parsed["dags"]["scoring"]["sensor_modes"] == ["reschedule"]
    assert parsed["dags"]["public_site"]["sensor_modes"] == ["reschedule"]
