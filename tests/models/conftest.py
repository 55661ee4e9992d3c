"""Shared fixtures for the SQL model tests.

Helpers are plain functions (``put_rows``, ``run_model_file``, ``make_pid``, ``make_uscc``) and the
same functions as fixtures named ``put``, ``run_model``, ``pid`` and ``uscc`` (so test modules need no
import from conftest):

- ``db``: a SQLAlchemy connection to a freshly migrated warehouse (one database per test session,
  dropped at the end); every test runs inside a transaction that is rolled back, so each test starts
  from empty feed tables.
- ``put(conn, feed_id, rows, valid_from=...)``: insert rows into ``<dept>.<feed>__history`` as current
  versions (system columns filled), so they appear in the ``<dept>.<feed>`` view. Pass ``valid_to`` to
  insert a closed (past) version and ``deleted=True`` for an op-D version.
- ``run_model(conn, model_id, as_of, **params)``: run ``include/sql/models/*/<ID>.sql`` with the
  defaults of ``<ID>.yaml`` (overridden by ``params``) and return the rows as dicts, sorted.
- ``pid(n)`` / ``uscc(n)``: valid synthetic 18-character resident ids / credit codes.

The server and the database factory come from tests/conftest.py (``make_database``).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import json
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
import yaml
from stdnum.cn import ric
from stdnum.cn import uscc as uscc_mod

from tianyan import paths

RESULT_COLUMNS = [
    "subject_kind",
    "subject_id",
    "evidence_key",
    "region_code",
    "unit_code",
    "amount",
    "evidence",
]


# ---- identifiers ---------------------------------------------------------------------------


def make_pid(n: int, birth: str = "19700101", area: str = "110101") -> str:
    """A valid 18-character resident id: area + birth date + 3-digit sequence + GB 11643 check digit."""
    area = str(int(area) + n // 1000)  # more than 1000 ids: move to the next area code
    first17 = f"{area}{birth}{n % 1000:03d}"
    return first17 + ric.calc_check_digit(first17 + "0")  # stdnum expects all 18 characters


def make_uscc(n: int) -> str:
    """A valid unified social credit code (GB 32100 check character)."""
    first17 = f"91110000{n:09d}"
    return first17 + uscc_mod.calc_check_digit(first17)


# ---- database ------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def warehouse_url(make_database) -> Iterator[str]:
    """A migrated warehouse of the model tests' own (built with the shared ``make_database``),
    so rows other test modules leave in the session's shared warehouse cannot reach a model."""
    from tianyan.warehouse.conn import engine
    from tianyan.warehouse.migrate import migrate

    url = make_database("models")
    migrate(url)
    yield url
    engine(url).dispose()


@pytest.fixture
def db(warehouse_url: str) -> Iterator[sa.Connection]:
    """A connection inside a transaction that is rolled back after the test (empty feeds each test)."""
    eng = sa.create_engine(warehouse_url)
    with eng.connect() as conn:
        trans = conn.begin()
        try:
            yield conn
        finally:
            trans.rollback()
    eng.dispose()


# ---- feeds ---------------------------------------------------------------------------------


def _table(feed_id: str) -> str:
    dept, name = feed_id.split(".", 1)
    if not (dept.isidentifier() and name.isidentifier()):
        raise ValueError(f"bad feed id {feed_id!r}")
    return f'"{dept}"."{name}__history"'


def put_rows(
    conn: sa.Connection,
    feed_id: str,
    rows: list[dict[str, Any]],
    valid_from: dt.datetime | dt.date | str = dt.datetime(2024, 1, 1),
    valid_to: dt.datetime | dt.date | str | None = None,
    deleted: bool = False,
) -> None:
    """Insert rows into ``<feed>__history`` as versions valid from ``valid_from`` (current unless valid_to).

    Only the columns given are set (others stay null); system columns are filled. Dates may be ISO
    strings or date objects. ``op`` and ``changed_at`` keys are dropped/used as the warehouse does:
    a row's own ``changed_at`` (if present) becomes its ``_valid_from`` for delta feeds.
    """
    if not rows:
        return
    vf = _as_ts(valid_from)
    vt = _as_ts(valid_to) if valid_to is not None else None
    for row in rows:
        row = {k: v for k, v in row.items() if k != "op"}
        row_vf = _as_ts(row.pop("changed_at")) if "changed_at" in row else vf
        for k in row:
            if not k.isidentifier():
                raise ValueError(f"bad column {k!r}")
        values = dict(row)
        values.update(
            _valid_from=row_vf,
            _valid_to=vt,
            _deleted=deleted,
            _row_hash=hashlib.md5(json.dumps(row, sort_keys=True, default=str).encode()).hexdigest(),
            _batch_id="test",
            _delivery_date=row_vf.date(),
        )
        cols = ", ".join(f'"{k}"' for k in values)
        binds = ", ".join(f":{k}" for k in values)
        conn.execute(sa.text(f"insert into {_table(feed_id)} ({cols}) values ({binds})"), _typed(values))


def _as_ts(v: dt.datetime | dt.date | str) -> dt.datetime:
    if isinstance(v, dt.datetime):
        return v
    if isinstance(v, dt.date):
        return dt.datetime(v.year, v.month, v.day)
    return dt.datetime.fromisoformat(v)


def _typed(values: dict[str, Any]) -> dict[str, Any]:
    """ISO date strings -> date, floats -> Decimal (so psycopg binds them with the column's type)."""
    out: dict[str, Any] = {}
    for k, v in values.items():
        if isinstance(v, str) and len(v) == 10 and v[4] == "-" and v[7] == "-":
            with contextlib.suppress(ValueError):
                v = dt.date.fromisoformat(v)
        elif isinstance(v, float):
            v = Decimal(str(v))
        out[k] = v
    return out


# ---- models --------------------------------------------------------------------------------


def model_files(model_id: str) -> tuple[Path, Path]:
    found = sorted(paths.MODELS_SQL_DIR.glob(f"*/{model_id}.sql"))
    if len(found) != 1:
        raise FileNotFoundError(f"model {model_id}: expected one SQL file, found {found}")
    return found[0], found[0].with_suffix(".yaml")


def model_meta(model_id: str) -> dict[str, Any]:
    _, meta = model_files(model_id)
    return yaml.safe_load(meta.read_text(encoding="utf-8"))


def run_model_file(
    conn: sa.Connection, model_id: str, as_of: dt.date | str, **params: Any
) -> list[dict[str, Any]]:
    """Run a model with its yaml default params (overridden by ``params``); rows as dicts, sorted."""
    sql_path, _ = model_files(model_id)
    binds = dict(model_meta(model_id).get("params") or {})
    binds.update(params)
    binds["as_of"] = dt.date.fromisoformat(as_of) if isinstance(as_of, str) else as_of
    result = conn.execute(sa.text(sql_path.read_text(encoding="utf-8")), binds)
    cols = list(result.keys())
    assert cols == RESULT_COLUMNS, f"{model_id} returns {cols}"
    rows = [dict(zip(cols, r, strict=True)) for r in result]
    return sorted(rows, key=lambda r: (r["subject_kind"], r["subject_id"], r["evidence_key"] or ""))


def subjects(rows: list[dict[str, Any]]) -> set[str]:
    return {r["subject_id"] for r in rows}


# ---- the helpers as fixtures ----------------------------------------------------------------


@pytest.fixture
def put():
    """``put(conn, feed_id, rows, valid_from=..., valid_to=None, deleted=False)``."""
    return put_rows


@pytest.fixture
def run_model():
    """``run_model(conn, model_id, as_of, **params) -> list[dict]``."""
    return run_model_file


@pytest.fixture
def pid():
    """``pid(n, birth="19700101", area="110101") -> id18``."""
    return make_pid


@pytest.fixture
def uscc():
    """``uscc(n) -> USCC``."""
    return make_uscc
