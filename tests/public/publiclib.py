"""Helpers of the public site tests: rows written into a warehouse as the loader leaves them."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from decimal import Decimal

import sqlalchemy as sa

from tianyan.registry import load_feeds

AS_OF = dt.date(2026, 11, 27)


def put(conn: sa.Connection, feed_id: str, rows: list[dict], valid_from: dt.date = dt.date(2026, 1, 1)) -> None:
    """Current rows into ``<feed>__history`` as the loader leaves them (columns not given are null)."""
    feed = load_feeds()[feed_id]
    schema, table = feed.history_table
    for row in rows:
        assert set(row) <= {c.name for c in feed.data_columns}, f"{feed_id}: {sorted(row)}"
        values = {k: Decimal(str(v)) if isinstance(v, float) else v for k, v in row.items()}
        values.update(_valid_from=dt.datetime.combine(valid_from, dt.time()), _valid_to=None, _deleted=False,
                      _row_hash=hashlib.md5(json.dumps(row, sort_keys=True, default=str).encode()).hexdigest(),
                      _batch_id="test", _delivery_date=valid_from)
        cols = ", ".join(f'"{k}"' for k in values)
        conn.execute(sa.text(f'insert into "{schema}"."{table}" ({cols}) values ({", ".join(":" + k for k in values)})'),
                     values)
