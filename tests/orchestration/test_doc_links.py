"""Every link in every DAG's doc_md opens a page the Tianyan plugin serves (no 404 from the UI)."""

from __future__ import annotations

import importlib.util
import re

import pytest

from tianyan import paths

LINK = re.compile(r"\]\(([^)\s]+)\)")


def _plugin():
    spec = importlib.util.spec_from_file_location("tianyan_plugin_links", paths.ROOT / "plugins" / "tianyan_plugin.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def docs() -> dict[str, str]:
    from tianyan.orchestration.departments import build_all
    from tianyan.orchestration.scoring import build_scoring_dag

    dags = {**build_all(), "scoring": build_scoring_dag()}
    out = {dag_id: dag.doc_md or "" for dag_id, dag in dags.items()}
    for dag_id, dag in dags.items():
        for t in dag.tasks:
            out[f"{dag_id}.{t.task_id}"] = t.doc_md or ""
    return out


@pytest.fixture(scope="module")
def client(warehouse_url):
    from airflow.api_fastapi.auth.managers.simple.user import SimpleAuthManagerUser
    from airflow.api_fastapi.core_api.security import get_user
    from fastapi.testclient import TestClient

    plugin = _plugin()
    # What Airflow's login resolves to for a signed-in user of the UI (the pages require one).
    plugin.app.dependency_overrides[get_user] = lambda: SimpleAuthManagerUser(username="viewer", role="viewer")
    return TestClient(plugin.app), plugin.URL_PREFIX


def test_department_docs_link_to_the_plugin_pages(docs):
    links = {link for text in docs.values() for link in LINK.findall(text)}
    assert "/tianyan/feeds" in links and "/tianyan/data_docs/" in links
    assert "/tianyan/departments/finance" in links


def test_every_doc_link_resolves(docs, client, monkeypatch, warehouse_url):
    monkeypatch.setenv("AIRFLOW_CONN_WAREHOUSE", warehouse_url)
    http, prefix = client
    checked = 0
    for where, text in sorted(docs.items()):
        for link in LINK.findall(text):
            assert link.startswith(prefix + "/"), f"{where}: link {link} is not a Tianyan page"
            r = http.get(link.removeprefix(prefix), follow_redirects=True)
            assert r.status_code == 200, f"{where}: {link} answers {r.status_code}"
            checked += 1
    assert checked >= 3 * 24
