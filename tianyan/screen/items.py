"""Items of a screening request -> candidate feed rows, each checked as the loader would check it.

The values go through the ingest normalisation of their feed (tianyan.ingest.normalise: id18
folding and 15-digit upgrade, dates, decimals...) and the contract's row rules (required, enum,
id18, uscc, region, period, bounds), so a candidate is exactly the row that a delivery would load.
A problem fails that item only, with the item field it concerns.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from decimal import Decimal
from functools import cache
from typing import Any

import pandas as pd

from tianyan.ids import valid_id18, valid_uscc
from tianyan.ingest.gx_expectations import _PERIOD_SHAPE, _REGION_SHAPE
from tianyan.ingest.normalise import normalise
from tianyan.registry import load_feeds
from tianyan.screen.engine import Candidate
from tianyan.screen.targets import KINDS, TARGETS, Target, by_program

BASE_FIELDS = ("kind", "program", "ref", "region_code")


@cache
def kind_fields() -> dict[str, frozenset[str]]:
    """The fields an item of a kind may carry: those of any target of the kind (a field the chosen
    target's feed does not hold, e.g. ``paying_unit`` of an assistance payment, is accepted and not
    used; an unknown name is refused, so a typo does not pass silently)."""
    out: dict[str, set[str]] = {}
    for t in TARGETS:
        out.setdefault(t.kind, set()).update(t.item_fields())
    return {k: frozenset(v) for k, v in out.items()}


@dataclass
class ItemError:
    index: int
    field: str
    message: str

    def as_dict(self) -> dict:
        return {"field": self.field, "message": self.message}


@dataclass
class Parsed:
    index: int
    target: Target
    ref: str
    region_code: str | None
    row: dict[str, Any]


def _source(target: Target, col: str) -> str:
    src = target.columns[col]
    return src.split(":", 1)[1] if src.startswith(("@year:", "@ts:")) else src.split("?")[0]


def _value(item: dict, src: str) -> Any:
    if src.startswith("="):
        return src[1:]
    if src == "@program":
        return item.get("program")
    if src.startswith("@year:"):
        v = item.get(src[6:])
        return str(v)[:4] if v not in (None, "") else None
    if src.startswith("@ts:"):
        v = item.get(src[4:])
        return f"{v} 00:00:00" if v not in (None, "") else None
    if "?" in src:
        name, default = src.split("?", 1)
        v = item.get(name)
        return default if v in (None, "") else v
    return item.get(src)


def _prefix(i: int) -> str:
    return f"items[{i}]"


def parse_items(items: list[Any]) -> tuple[list[Parsed], list[ItemError]]:
    """Each raw item -> a parsed candidate or an error naming its field (``items[i].field``)."""
    errors: list[ItemError] = []
    staged: dict[str, list[tuple[int, Target, dict]]] = {}
    refs: dict[str, int] = {}
    targets = by_program()
    for i, item in enumerate(items):
        p = _prefix(i)
        if not isinstance(item, dict):
            errors.append(ItemError(i, p, "an item is a JSON object"))
            continue
        kind = item.get("kind")
        if kind not in KINDS:
            errors.append(ItemError(i, f"{p}.kind", f"{kind!r} is not one of {list(KINDS)}"))
            continue
        program = item.get("program") or ""
        target = targets.get((kind, program))
        if target is None:
            known = sorted(p for k, p in targets if k == kind and p)
            errors.append(ItemError(i, f"{p}.program", f"{program!r} is not a {kind} program; known: {known}"))
            continue
        allowed = set(BASE_FIELDS) | kind_fields()[kind]
        unknown = sorted(set(item) - allowed)
        if unknown:
            errors.append(ItemError(i, f"{p}.{unknown[0]}", f"not a field of a {kind} item "
                                    f"(the {target.name} target reads {sorted(target.item_fields())})"))
            continue
        ref = item.get("ref")
        ref = str(ref).strip() if ref not in (None, "") else f"item-{i}"
        if ref in refs:
            errors.append(ItemError(i, f"{p}.ref", f"{ref!r} is also the ref of items[{refs[ref]}]"))
            continue
        refs[ref] = i
        values = {col: _value({**item, "ref": ref}, src) for col, src in target.columns.items()}
        staged.setdefault(target.feed, []).append((i, target, values))
    parsed: list[Parsed] = []
    feeds = load_feeds()
    for feed_id, group in staged.items():
        feed = feeds[feed_id]
        raw = pd.DataFrame([{c.name: _text(v.get(c.name)) for c in feed.columns} for _, _, v in group],
                           index=range(len(group)), dtype=object)
        norm, fails = normalise(feed, raw)
        bad: dict[int, ItemError] = {}
        for f in fails.itertuples():
            i, target, _ = group[f.row]
            bad.setdefault(f.row, ItemError(i, f"{_prefix(i)}.{_source(target, f.column)}", f.message))
        records = norm.to_dict("records")
        for c in feed.columns:
            if c.name == "op":
                continue
            values_ = [r[c.name] for r in records]
            present = [v is not None and v == v for v in values_]
            ok_id = _valid_ids(values_, present, valid_id18) if c.id18 else None
            ok_uscc = _valid_ids(values_, present, valid_uscc) if c.uscc else None
            for pos, (v, has) in enumerate(zip(values_, present, strict=True)):
                if pos in bad:
                    continue
                if not has:
                    message = "is required" if c.required else None
                elif c.enum_values and v not in c.enum_values:
                    message = f"is not one of {list(c.enum_values)}"
                elif ok_id is not None and not ok_id[pos]:
                    message = "is not a valid resident id (GB 11643)"
                elif ok_uscc is not None and not ok_uscc[pos]:
                    message = "is not a valid unified social credit code (GB 32100)"
                elif c.region and not REGION.match(str(v)):
                    message = "is not a 12-digit region code"
                elif c.period and not PERIOD.match(str(v)):
                    message = "is not a period YYYY-MM"
                elif (c.min is not None or c.max is not None) and not _in_bounds(v, c):
                    message = _bound_text(c)
                else:
                    message = None
                if message:
                    i, target, _ = group[pos]
                    src = _source(target, c.name) if c.name in target.columns else c.name
                    bad[pos] = ItemError(i, f"{_prefix(i)}.{src}", f"{src} {message}")
        for pos, (i, target, values) in enumerate(group):
            if pos in bad:
                errors.append(bad[pos])
                continue
            row = {k: _typed(feed_id, k, v) for k, v in records[pos].items() if k != "op"}
            parsed.append(Parsed(i, target, values[feed.key[0]], row.get("region_code") or values.get("region_code"),
                                 row))
    errors.sort(key=lambda e: e.index)
    parsed.sort(key=lambda p: p.index)
    return parsed, errors


# The shapes of the contract's region and period rules (tianyan.ingest.gx_expectations).
REGION = re.compile(rf"^(?:{_REGION_SHAPE})$")
PERIOD = re.compile(rf"^(?:{_PERIOD_SHAPE})$")


def _valid_ids(values: list, present: list[bool], check) -> list[bool]:
    """The loader's vectorised id check on the present values (True where absent)."""
    ok = check(pd.Series([v if p else None for v, p in zip(values, present, strict=True)], dtype=object))
    return [bool(o) or not p for o, p in zip(ok.tolist(), present, strict=True)]


def _text(v: Any) -> Any:
    if v is None or v == "":
        return None
    if isinstance(v, bool):
        return "true" if v else "false"
    return str(v)


def _in_bounds(v: Any, c) -> bool:
    try:
        d = Decimal(str(v))
    except Exception:  # noqa: BLE001 - a type failure is reported by normalise
        return True
    if c.min is not None and (d < c.min or (d == c.min and not c.min_inclusive)):
        return False
    return not (c.max is not None and d > c.max)


def _bound_text(c) -> str:
    parts = []
    if c.min is not None:
        parts.append((">=" if c.min_inclusive else ">") + f" {c.min}")
    if c.max is not None:
        parts.append(f"<= {c.max}")
    return "must be " + " and ".join(parts)


def _typed(feed_id: str, col: str, v: Any) -> Any:
    """Canonical text -> the value jsonb_populate_recordset reads for the column (text is fine for
    every type PostgreSQL parses; timestamps keep their offset)."""
    if v is None or (isinstance(v, float) and v != v):
        return None
    return v


def candidates(parsed: list[Parsed]) -> list[Candidate]:
    return [Candidate(p.index, p.target.feed, p.ref, p.row) for p in parsed]


def today_shanghai() -> dt.date:
    return (dt.datetime.now(dt.UTC) + dt.timedelta(hours=8)).date()
