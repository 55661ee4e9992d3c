"""The data dictionary stays in sync with the warehouse catalog, and every catalog column has a meaning."""

from __future__ import annotations

import sqlalchemy as sa

from tianyan.warehouse import dictionary

UNCOMMENTED = sa.text(
    "select n.nspname || '.' || c.relname || '.' || a.attname "
    "from pg_class c join pg_namespace n on n.oid = c.relnamespace "
    "join pg_attribute a on a.attrelid = c.oid and a.attnum > 0 and not a.attisdropped "
    "where n.nspname = any(:schemas) and c.relkind in ('r', 'v', 'm', 'p') and c.relname not like '\\_%' "
    "and coalesce(btrim(col_description(c.oid, a.attnum)), '') = '' "
    "order by 1"
)


def test_committed_dictionary_is_current(warehouse_url):
    committed = dictionary.OUTPUT.read_text(encoding="utf-8")
    assert dictionary.render(warehouse_url) == committed, (
        "docs/data-dictionary.md is out of date: run `tianyan dictionary`"
    )


def test_every_catalog_column_has_a_meaning(warehouse_url):
    eng = sa.create_engine(warehouse_url)
    try:
        with eng.connect() as conn:
            missing = conn.execute(UNCOMMENTED, {"schemas": list(dictionary.CATALOG_SCHEMAS)}).scalars().all()
    finally:
        eng.dispose()
    assert missing == [], f"columns without a comment (add `comment on column`): {missing}"
