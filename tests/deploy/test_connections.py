"""Connections are declared the same way in compose, .env.example, CI and the embedded mode.

The single list is include/config/connections.example.yaml. The registry decides which
department connections exist (conventions.md: `<department>_api` for http feeds, `<department>_db`
for database feeds); the embedded mode produces them from the exchange simulator
(tianyan.synth.exchange.exchange_connections) and sets `warehouse` itself (orchestration.inprocess).
Pools and connection files are generated from the registry: `python -m tianyan.orchestration.deploy_files`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from deploy_helpers import (
    ROOT,
    connection_list,
    env_var,
    environment,
    raw_compose,
    read_env_file,
    render_compose_connections,
    render_env_connections,
)

FIXED = {"warehouse": "postgres", "exchange_db": "postgres", "tianyan_notify": "smtp"}


def registry_connections() -> dict[str, str]:
    from tianyan.ingest.transports import conn_id_for
    from tianyan.registry import load_feeds

    out = dict(FIXED)
    for feed in load_feeds().values():
        cid = conn_id_for(feed)
        if cid:
            out[cid] = "http" if feed.delivery.transport == "http" else "postgres"
    return out


def test_connection_list_matches_the_registry_and_conventions():
    listed = {cid: c["conn_type"] for cid, c in connection_list().items()}
    assert listed == registry_connections()
    for cid in listed:
        assert re.fullmatch(r"[a-z][a-z0-9_]*", cid), cid


def test_examples_parse_as_the_declared_type():
    from tianyan.connections import parse

    for cid, c in connection_list().items():
        conn = parse(cid, c["example"])
        assert conn.conn_type == c["conn_type"], cid
        assert conn.host, cid
        assert "CHANGE_ME" in (conn.password or ""), f"{cid}: example password must be a placeholder"


def test_compose_declares_exactly_the_listed_connections():
    anchor = environment(raw_compose()["x-airflow-common"])
    declared = {k for k in anchor if k.startswith("AIRFLOW_CONN_")}
    assert declared == {env_var(cid) for cid in connection_list()}
    text = (ROOT / "docker-compose.yaml").read_text(encoding="utf-8")
    assert render_compose_connections() in text, "regenerate with `python -m tianyan.orchestration.deploy_files`"


def test_env_example_declares_exactly_the_listed_connections():
    env = read_env_file()
    assert {k for k in env if k.startswith("AIRFLOW_CONN_")} == {env_var(cid) for cid in connection_list()}
    for line in render_env_connections().splitlines():
        k, v = line.split("=", 1)
        assert env[k] == v, f".env.example {k}: regenerate with `python -m tianyan.orchestration.deploy_files`"


@dataclass
class _FakeServer:
    host: str = "127.0.0.1"
    port: int = 8765
    token: str = "t"


def test_embedded_mode_sets_the_same_ids():
    from tianyan.synth.exchange import exchange_connections

    env = exchange_connections(_FakeServer(), "postgresql+psycopg://u:p@127.0.0.1:5432/tianyan_exchange")
    departments = {cid for cid in connection_list() if cid not in FIXED}
    assert set(env) == {env_var(cid) for cid in departments}
    # orchestration.inprocess sets AIRFLOW_CONN_WAREHOUSE; tianyan.warehouse.conn reads `warehouse` and `exchange_db`.
    for path, ids in (("tianyan/orchestration/inprocess.py", {"warehouse"}), ("tianyan/warehouse/conn.py", {"warehouse", "exchange_db"})):
        text = (ROOT / path).read_text(encoding="utf-8")
        for cid in ids:
            assert f'"{cid}"' in text or env_var(cid) in text, (path, cid)


def test_code_tests_and_ci_name_only_listed_connections():
    listed = {env_var(cid) for cid in connection_list()}
    pattern = re.compile(r"AIRFLOW_CONN_[A-Z0-9_]*[A-Z0-9]")
    stray = {}
    # Unit tests may invent ids (e.g. a fake `dept_api`); the pipeline, CI and end-to-end runs may not.
    for folder in ("tianyan", "dags", "plugins", "tests/e2e", ".ci", "docs"):
        base = ROOT / folder
        if not base.exists():
            continue
        for f in base.rglob("*"):
            if f.suffix not in (".py", ".md", ".sh", ".yaml", "") or not f.is_file() or "__pycache__" in f.parts:
                continue
            for name in pattern.findall(f.read_text(encoding="utf-8", errors="ignore")):
                if name not in listed and not name.startswith("AIRFLOW_CONN_TEST"):
                    stray.setdefault(name, set()).add(str(f.relative_to(ROOT)))
    assert not stray, f"connections not in include/config/connections.example.yaml: {stray}"
