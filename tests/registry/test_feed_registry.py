from pathlib import Path

import pytest
import yaml

from tianyan import paths
from tianyan.registry import RegistryError, load_departments, load_feeds
from tianyan.registry.feeds import ColumnSpec, parse_feeds

SHARED = paths.ROOT.parent / "shared" / "spec"


@pytest.mark.skipif(not SHARED.exists(), reason="../shared/spec is not present (users' checkouts)")
@pytest.mark.parametrize("name", ["feeds.yaml", "models.yaml"])
def test_repo_copy_of_the_spec_agrees_with_shared(name):
    assert (paths.SPEC_DIR / name).read_text(encoding="utf-8") == (SHARED / name).read_text(encoding="utf-8"), (
        f"include/spec/{name} differs from ../shared/spec/{name}: copy the user's spec again"
    )


def test_registry_has_47_feeds_of_24_departments():
    feeds = load_feeds()
    assert len(feeds) == 47
    assert list(feeds) == sorted(feeds)
    assert {f.department for f in feeds.values()} == set(load_departments())
    assert len(load_departments()) == 24


def test_column_notation_is_parsed():
    c = ColumnSpec.parse("amount", "decimal! >0")
    assert c.type == "decimal" and c.required and c.min == 0 and not c.min_inclusive
    e = ColumnSpec.parse("op", "enum(U|D)!")
    assert e.enum_values == ("U", "D")
    r = ColumnSpec.parse("uscc", "string! uscc ref:market_regulation.enterprises.uscc")
    assert r.uscc and r.ref == "market_regulation.enterprises.uscc"
    g = ColumnSpec.parse("grade", "int! between 1 4")
    assert (g.min, g.max) == (1, 4)


def test_every_ref_names_a_feed_and_one_of_its_columns():
    """The registry parses ``ref:FEED.COL`` as text; the referential report joins on it, so a typo in the
    spec would make that report silently empty."""
    feeds = load_feeds()
    refs = [(f.id, c.name, c.ref) for f in feeds.values() for c in f.columns if c.ref]
    assert len(refs) == 11
    for feed_id, column, ref in refs:
        target, _, target_column = ref.rpartition(".")
        assert target in feeds, f"{feed_id}.{column}: ref:{ref} names no feed"
        assert target_column in feeds[target].column_names, f"{feed_id}.{column}: ref:{ref} names no column"


def test_a_key_that_is_not_a_column_is_refused():
    doc = _doc("string!")
    doc["feeds"]["health.deaths"]["key"] = ["death_id"]
    with pytest.raises(RegistryError, match=r"feed health\.deaths: .*key columns \['death_id'\] are not columns"):
        parse_feeds(doc)


def _doc(column_notation: str, delivery: dict | None = None) -> dict:
    return {
        "departments": {"health": {"zh": "x", "en": "y"}},
        "feeds": {
            "health.deaths": {
                "title": "t",
                "delivery": delivery or {"transport": "file", "format": "csv", "mode": "append", "cadence": "daily"},
                "key": ["id"],
                "columns": {"id": column_notation},
            }
        },
    }


def test_bad_entries_name_the_feed_and_the_field():
    with pytest.raises(RegistryError, match=r"feed health\.deaths: field 'columns': column 'id': unknown type"):
        parse_feeds(_doc("strnig!"))
    with pytest.raises(RegistryError, match=r"feed health\.deaths: .*unknown rule 'id19'"):
        parse_feeds(_doc("string! id18 id19"))
    with pytest.raises(RegistryError, match=r"feed health\.deaths: .*cadence"):
        parse_feeds(_doc("string!", {"transport": "file", "format": "csv", "mode": "append", "cadence": "hourly"}))
    doc = _doc("string!")
    del doc["feeds"]["health.deaths"]["key"]
    with pytest.raises(RegistryError, match=r"feed health\.deaths: field 'key' is missing"):
        parse_feeds(doc)


def test_feed_tables_migration_is_generated_from_the_registry():
    """0002 is the registry's DDL with the column types of its time (timestamp without time zone; 0009
    converts them). That the migrated schema equals the current registry's DDL is checked against
    PostgreSQL in tests/warehouse/test_feed_tables_migrations.py."""
    from tianyan.warehouse.ddl import FEED_TABLES_MIGRATION, INITIAL_PG_TYPES, render

    assert FEED_TABLES_MIGRATION.read_text(encoding="utf-8") == render(INITIAL_PG_TYPES), (
        "run `python -m tianyan.warehouse.ddl` to regenerate 0002_feed_tables.sql"
    )
    assert render() != render(INITIAL_PG_TYPES) and "timestamptz" in render()


def test_spec_yaml_parses_in_the_repo_copy():
    doc = yaml.safe_load(Path(paths.SPEC_DIR / "feeds.yaml").read_text(encoding="utf-8"))
    assert len(doc["feeds"]) == 47


def test_socket_connections_of_the_embedded_server_keep_their_host(monkeypatch):
    """The embedded warehouse is reached through a unix socket given as ?host=/dir (SQLAlchemy's form)."""
    from tianyan.connections import get_connection

    monkeypatch.setenv("AIRFLOW_CONN_FINANCE_DB", "postgresql://postgres:@/tianyan_exchange?host=/srv/x/pgdata")
    info = get_connection("finance_db").psycopg_conninfo()
    assert "host=/srv/x/pgdata" in info and "dbname=tianyan_exchange" in info
