"""The answer key covers every model (the 67 of the catalogue and those added beside them), and the expected-quarantine rows really break their rule."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal, InvalidOperation

import pandas as pd
import yaml
from stdnum.cn import uscc
from synth_testlib import norm_id18, read_delivery

from tianyan import paths
from tianyan.registry import load_feeds
from tianyan.registry.models import load_models


def test_answer_key_covers_every_model(city):
    drop, manifest = city
    catalogue = yaml.safe_load((paths.SPEC_DIR / "models.yaml").read_text(encoding="utf-8"))["models"]
    models = {m.id: {"subject": m.subject} for m in load_models().values()}
    assert set(catalogue) <= set(models)
    key = pd.read_csv(drop / "answer_key.csv", dtype=str)
    assert list(key.columns) == ["model_id", "expected", "subject_kind", "subject_id", "note"]
    for mid, m in models.items():
        rows = key[key.model_id == mid]
        assert (rows.expected == "1").sum() >= 2, mid
        assert (rows.expected == "0").sum() >= 1, mid
        kinds = set(rows.subject_kind)
        assert kinds <= {m["subject"], "person" if mid == "CA01" else m["subject"]}, (mid, kinds)
        pos = set(rows[rows.expected == "1"].subject_id)
        assert not pos & set(rows[rows.expected == "0"].subject_id), mid
        for sid in rows[rows.subject_kind == "person"].subject_id:
            assert norm_id18(sid) == sid, (mid, sid)
    assert set(manifest["planted"]) == set(models)


def _breaks(rule: str, col, value) -> bool:
    if rule == "required":
        return value is None or str(value).strip() == ""
    if value is None:
        return False
    v = str(value)
    if rule == "id18":
        return norm_id18(v) is None
    if rule == "uscc":
        return not uscc.is_valid(v)
    if rule == "region":
        return not re.fullmatch(r"\d{12}", v)
    if rule == "period":
        return not re.fullmatch(r"\d{4}-(0[1-9]|1[0-2])", v)
    if rule == "enum":
        return v not in col.enum_values
    if rule == "type":
        try:
            dt.date.fromisoformat(v)
            return False
        except ValueError:
            return True
    if rule == "bound":
        try:
            x = Decimal(v)
        except InvalidOperation:
            return False
        lo_ok = col.min is None or (x >= col.min if col.min_inclusive else x > col.min)
        return not (lo_ok and (col.max is None or x <= col.max))
    raise AssertionError(rule)


def test_expected_quarantine_rows_break_their_rule(city):
    drop, _ = city
    feeds = load_feeds()
    q = pd.read_csv(drop / "expected_quarantine.csv", dtype={"row_no": int})
    assert list(q.columns) == ["feed_id", "delivery_date", "file", "row_no", "rule", "column"]
    assert len(q) >= 2 * len(feeds)
    assert set(q.rule) <= {"required", "id18", "uscc", "region", "period", "enum", "type", "bound", "unique"}
    cache = {}
    for r in q.itertuples():
        spec = feeds[r.feed_id]
        key = (r.feed_id, r.delivery_date)
        if key not in cache:
            cache[key] = read_delivery(spec, drop / spec.department / spec.name / r.delivery_date)
        row = cache[key][r.file].iloc[r.row_no - 1]
        assert _breaks(r.rule, spec.column(r.column), row[r.column]), r
