"""Pools and connection examples are generated from the registry, and a 48th feed added the way a
newcomer would (a few lines of include/spec/feeds.yaml) reaches everything that follows from it."""

from __future__ import annotations

import json
import shutil

import pytest
import yaml

from tianyan import paths
from tianyan.ingest import contract_doc, suites
from tianyan.orchestration import deploy_files
from tianyan.registry import feeds as registry
from tianyan.warehouse import ddl, dictionary

# What a newcomer appends: a new department reached through its HTTP API, with one feed.
NEW_FEED = """
  sports.venue_bookings:
    title: Public sports venue bookings (subsidised)
    delivery: {transport: http, format: json, mode: append, cadence: daily}
    key: [booking_id]
    columns:
      booking_id: "string! unique"
      id_no: "string! id18"
      venue_code: "string!"
      booked_on: "date!"
      subsidy: "decimal! >=0"
      enterprise_uscc: "string uscc ref:market_regulation.enterprises.uscc"
"""
NEW_DEPARTMENT = "  sports:                {zh: 體育局, en: Sports Bureau}\n"


def test_committed_files_are_what_the_registry_generates():
    assert deploy_files.out_of_date() == [], "run python -m tianyan.orchestration.deploy_files"


@pytest.fixture
def grown(tmp_path, monkeypatch):
    """A copy of the registry with the 48th feed, and a copy of the deployment files."""
    text = (paths.SPEC_DIR / "feeds.yaml").read_text(encoding="utf-8")
    head, feeds_part = text.split("\nfeeds:\n", 1)
    head = head.replace("\ndepartments:\n", "\ndepartments:\n" + NEW_DEPARTMENT, 1)
    spec = tmp_path / "feeds.yaml"
    spec.write_text(head + "\nfeeds:\n" + feeds_part.rstrip("\n") + "\n" + NEW_FEED, encoding="utf-8")
    feeds = registry.load_feeds(spec)
    departments = registry.load_departments(spec)
    for module in (ddl, contract_doc, dictionary):
        monkeypatch.setattr(module, "load_feeds", lambda path=None: feeds)
        if hasattr(module, "load_departments"):
            monkeypatch.setattr(module, "load_departments", lambda path=None: departments)
    root = tmp_path / "repo"
    (root / "include" / "config").mkdir(parents=True)
    for name in (".env.example", "docker-compose.yaml", "include/config/orchestration.yaml"):
        shutil.copy(paths.ROOT / name, root / name)
    return feeds, root


def test_a_48th_feed_reaches_everything(grown, warehouse_url, tmp_path):
    feeds, root = grown
    assert len(feeds) == len(registry.load_feeds()) + 1
    feed = feeds["sports.venue_bookings"]

    # GX suite: one expectation set per rule of its columns
    suite = suites.build_suite_dict(feed)
    kinds = {(e["type"], e["kwargs"].get("column")) for e in suite["expectations"]}
    assert ("expect_column_values_to_be_valid_id18", "id_no") in kinds
    assert ("expect_column_values_to_be_valid_uscc", "enterprise_uscc") in kinds

    # DDL: in the regenerated 0002 and in the new feed's migration
    assert "create schema if not exists sports;" in ddl.render()
    assert "create table if not exists sports.venue_bookings__history" in ddl.render()
    migration = ddl.new_feeds_migration("0099", ["sports.venue_bookings"], tmp_path)
    assert migration.name == "0099_sports_venue_bookings.sql"
    assert migration.read_text(encoding="utf-8").startswith("-- New feed tables (sports.venue_bookings)")

    # pools and connections
    assert deploy_files.pools(feeds)["dept_sports"]["slots"] == 1  # paged HTTP API: one client at a time
    assert deploy_files.connections(feeds)["sports_api"]["conn_type"] == "http"
    assert sorted(p.name for p in deploy_files.write(feeds, root)) == [
        ".env.example", "connections.example.yaml", "docker-compose.yaml", "pools.json"]
    assert deploy_files.out_of_date(feeds, root) == []
    assert "dept_sports" in json.loads((root / "include/config/pools.json").read_text(encoding="utf-8"))
    listed = yaml.safe_load((root / "include/config/connections.example.yaml").read_text(encoding="utf-8"))
    assert "sports_api" in listed["connections"]
    assert "AIRFLOW_CONN_SPORTS_API=http://" in (root / ".env.example").read_text(encoding="utf-8")
    compose = yaml.safe_load((root / "docker-compose.yaml").read_text(encoding="utf-8"))
    assert "AIRFLOW_CONN_SPORTS_API" in compose["x-airflow-common"]["environment"]

    # docs: the contract and the data dictionary
    assert "sports.venue_bookings" in contract_doc.render()
    assert "sports.venue_bookings" in dictionary.render(warehouse_url)


def test_pool_slots_setting_overrides_the_rule(tmp_path, monkeypatch):
    config = tmp_path / "config"
    config.mkdir()
    (config / "orchestration.yaml").write_text("pool_slots: {warehouse: 6, dept_finance: 3}\n", encoding="utf-8")
    monkeypatch.setattr(paths, "CONFIG_DIR", config)
    got = deploy_files.pools()
    assert (got["warehouse"]["slots"], got["dept_finance"]["slots"], got["dept_audit"]["slots"]) == (6, 3, 2)
