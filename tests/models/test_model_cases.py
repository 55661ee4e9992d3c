"""Every model's test cases (include/sql/models/<domain>/<ID>.cases.yaml) against real PostgreSQL.

A case loads its ``given`` rows as the feeds' current rows (columns left out take the file's
``defaults`` for that feed, or stay null), runs ``<ID>.sql`` as of ``as_of`` with the ``<ID>.yaml``
parameter defaults (``params`` overrides them), and the model must return exactly the alerts under
``expect``, compared on the columns they name (``evidence_keys``: the keys of the alert's evidence).
``then`` steps run again on the same rows after adding ``add`` rows, at another ``as_of`` or with
other ``params``. Every run must also be deterministic and its evidence well formed. The format is
described in docs/conventions.md.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
import yaml
from stdnum.cn import ric
from stdnum.cn import uscc as uscc_mod

from tianyan import paths
from tianyan.registry import load_feeds
from tianyan.registry.models import (
    CASES_SUFFIX,
    HISTORY_SUFFIX,
    OUTPUT_COLUMNS,
    bind_values,
    load_model,
    load_models,
)

DEFAULT_VALID_FROM = dt.datetime(2024, 1, 1)
FILE_KEYS = {"as_of", "defaults", "cases"}
CASE_KEYS = {"name", "as_of", "params", "given", "expect", "then"}
STEP_KEYS = {"as_of", "params", "add", "expect"}
SYSTEM_KEYS = {"_valid_from", "_valid_to", "_deleted"}
PLACEHOLDER = re.compile(r"\{(pid|uscc) (\d+)\}")


# ---- synthetic identifiers -----------------------------------------------------------------


def make_pid(n: int, birth: str = "19700101", area: str = "110101") -> str:
    """A valid 18-character resident id: area + birth date + 3-digit sequence + GB 11643 check digit."""
    area = str(int(area) + n // 1000)  # more than 1000 ids: move to the next area code
    first17 = f"{area}{birth}{n % 1000:03d}"
    return first17 + ric.calc_check_digit(first17 + "0")  # stdnum expects all 18 characters


def make_uscc(n: int) -> str:
    """A valid unified social credit code (GB 32100 check character)."""
    first17 = f"91110000{n:09d}"
    return first17 + uscc_mod.calc_check_digit(first17)


def expand(value: Any) -> Any:
    """``{pid N}`` / ``{uscc N}`` anywhere in a string, in nested lists and mappings too."""
    if isinstance(value, str):
        return PLACEHOLDER.sub(lambda m: (make_pid if m[1] == "pid" else make_uscc)(int(m[2])), value)
    if isinstance(value, list):
        return [expand(v) for v in value]
    if isinstance(value, dict):
        return {k: expand(v) for k, v in value.items()}
    return value


# ---- the cases -----------------------------------------------------------------------------


def case_files() -> list[Path]:
    return sorted(paths.MODELS_SQL_DIR.glob(f"*/*{CASES_SUFFIX}"))


def _check_keys(what: str, doc: dict, allowed: set[str]) -> None:
    unknown = set(doc) - allowed
    assert not unknown, f"{what}: unknown keys {sorted(unknown)} (allowed: {sorted(allowed)})"


def load_cases() -> list[tuple[str, dict, dict]]:
    """(model id, file document, case) for every case of every cases file."""
    out = []
    for path in case_files():
        doc = yaml.safe_load(path.read_text(encoding="utf-8"))
        model_id = path.name.removesuffix(CASES_SUFFIX)
        _check_keys(path.name, doc, FILE_KEYS)
        for case in doc["cases"]:
            _check_keys(f"{path.name} case {case.get('name')!r}", case, CASE_KEYS)
            for step in case.get("then") or []:
                _check_keys(f"{path.name} case {case['name']!r} then", step, STEP_KEYS)
            out.append((model_id, doc, case))
    return out


CASES = load_cases()


def _ts(value: dt.date | dt.datetime) -> dt.datetime:
    return value if isinstance(value, dt.datetime) else dt.datetime.combine(value, dt.time())


def insert_rows(conn: sa.Connection, given: dict[str, list[dict]], defaults: dict[str, dict]) -> None:
    """Rows into ``<feed>__history`` as the loader leaves them (current unless ``_valid_to``)."""
    feeds = load_feeds()
    for feed_id, rows in given.items():
        assert feed_id in feeds, f"{feed_id} is not a feed of the registry"
        dept, name = feed_id.split(".")
        known = {c.name for c in feeds[feed_id].columns} | SYSTEM_KEYS
        for row in rows:
            row = expand({**defaults.get(feed_id, {}), **row})
            assert set(row) <= known, f"{feed_id}: no columns {sorted(set(row) - known)}"
            values = {k: v for k, v in row.items() if k not in SYSTEM_KEYS}
            valid_from = _ts(row.get("_valid_from", DEFAULT_VALID_FROM))
            values.update(
                _valid_from=valid_from,
                _valid_to=_ts(row["_valid_to"]) if row.get("_valid_to") else None,
                _deleted=bool(row.get("_deleted", False)),
                _row_hash=hashlib.md5(json.dumps(values, sort_keys=True, default=str).encode()).hexdigest(),
                _batch_id="case",
                _delivery_date=valid_from.date(),
            )
            values = {k: Decimal(str(v)) if isinstance(v, float) else v for k, v in values.items()}
            cols = ", ".join(f'"{k}"' for k in values)
            conn.execute(sa.text(f'insert into "{dept}"."{name}{HISTORY_SUFFIX}" ({cols}) '
                                 f"values ({', '.join(':' + k for k in values)})"), values)


def run(conn: sa.Connection, model_id: str, as_of: dt.date, params: dict) -> list[dict]:
    model = load_models()[model_id]
    defaults = load_model(paths.ROOT / Path(model.sql_path).with_suffix(".yaml"), {}).params  # no overrides
    binds = bind_values({**defaults, **expand(params), "as_of": as_of})
    result = conn.execute(sa.text(model.sql), {k: v for k, v in binds.items() if k in model.binds})
    assert tuple(result.keys()) == OUTPUT_COLUMNS, f"{model_id} returns {list(result.keys())}"
    rows = [dict(zip(OUTPUT_COLUMNS, r, strict=True)) for r in result]
    return sorted(rows, key=lambda r: (r["subject_kind"], r["subject_id"], r["evidence_key"] or ""))


def _norm(value: Any) -> Any:
    if isinstance(value, bool) or value is None:
        return value
    if isinstance(value, int | float | Decimal):
        return Decimal(str(value)).normalize()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, list):
        return sorted(_norm(v) for v in value)
    return value


def projected(rows: list[dict], columns: list[str]) -> list[tuple]:
    def pick(row: dict, col: str) -> Any:
        if col == "evidence_keys":
            return _norm(list({e["key"] for e in row["evidence"]}))
        assert col in OUTPUT_COLUMNS, f"expect names {col!r}, not an output column"
        return _norm(row[col])

    return sorted((tuple(pick(r, c) for c in columns) for r in rows), key=repr)


def check_run(conn: sa.Connection, model_id: str, as_of: dt.date, params: dict, expect: list[dict]) -> None:
    rows = run(conn, model_id, as_of, params)
    assert run(conn, model_id, as_of, params) == rows, f"{model_id} is not deterministic"
    feeds = load_feeds()
    for r in rows:
        assert isinstance(r["evidence"], list) and r["evidence"], r
        for e in r["evidence"]:
            assert set(e) == {"feed", "key", "values"} and e["key"] is not None, e
            assert e["feed"] in feeds, f"evidence names {e['feed']!r}, not a feed"
    expect = expand(expect)
    columns = list(expect[0]) if expect else ["subject_kind", "subject_id", "evidence_key"]
    assert all(list(e) == columns for e in expect), f"every expected alert names the columns {columns}"
    want = sorted((tuple(_norm(e[c]) for c in columns) for e in expect), key=repr)
    assert projected(rows, columns) == want


@pytest.mark.parametrize(("model_id", "doc", "case"), CASES, ids=[f"{m}: {c['name']}" for m, _, c in CASES])
def test_model_case(db, model_id, doc, case):
    defaults = doc.get("defaults") or {}
    as_of = case.get("as_of", doc.get("as_of"))
    params = case.get("params") or {}
    insert_rows(db, case.get("given") or {}, defaults)
    check_run(db, model_id, as_of, params, case["expect"])
    for step in case.get("then") or []:
        insert_rows(db, step.get("add") or {}, defaults)
        check_run(db, model_id, step.get("as_of", as_of), step.get("params", params), step["expect"])


def test_every_model_has_cases_and_a_positive_one():
    """Each model has a cases file in which at least one run expects an alert; no cases file lacks its model."""
    by_model: dict[str, list[dict]] = {}
    for model_id, _, case in CASES:
        by_model.setdefault(model_id, []).append(case)
    assert set(by_model) == set(load_models())
    for model_id, cases in by_model.items():
        runs = [c["expect"] for c in cases] + [s["expect"] for c in cases for s in c.get("then") or []]
        assert any(runs), f"{model_id}: no case expects an alert"
