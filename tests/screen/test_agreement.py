"""Agreement with the batch models: what the service flags before loading is what the model flags
once the rows are loaded, for every screenable model and every one of its test cases
(include/sql/models/<domain>/<ID>.cases.yaml, positives and near-misses alike).

For each case (and each of its ``then`` steps) and each feed the model screens:
- the batch run: every row loaded, the model's SQL as scoring runs it; a row is *flagged* when an
  alert's evidence names it (feed and key);
- one at a time: the warehouse holds every row but one; that row is screened as the item a
  department's system would send; it must get the model's hit (same subject, evidence key and
  evidence as the batch alert) exactly when the batch run flags it;
- all at once: every current row of the feed is screened in one request against a warehouse without
  them; the hits must be the flagged rows.
"""

from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa
from models.test_model_cases import CASES, expand, insert_rows, run

from tianyan.registry import load_feeds
from tianyan.registry.models import load_models
from tianyan.screen.engine import evaluate, prepare_session, screenable_models
from tianyan.screen.items import candidates, parse_items
from tianyan.screen.targets import item_from_row

SCREENABLE = screenable_models()
SCREEN_CASES = [(m, d, c) for m, d, c in CASES if m in SCREENABLE]


def _steps(doc: dict, case: dict):
    """(rows of every feed, as_of, params) of the case and of each of its ``then`` steps."""
    given = {f: list(rows) for f, rows in (case.get("given") or {}).items()}
    as_of = case.get("as_of", doc.get("as_of"))
    params = case.get("params") or {}
    yield {f: list(r) for f, r in given.items()}, as_of, params
    for step in case.get("then") or []:
        for f, rows in (step.get("add") or {}).items():
            given.setdefault(f, []).extend(rows)
        as_of, params = step.get("as_of", as_of), step.get("params", params)
        yield {f: list(r) for f, r in given.items()}, as_of, params


def _current(row: dict) -> bool:
    return not row.get("_valid_to") and not row.get("_deleted")


def _flagged(alerts: list[dict], feed: str) -> dict[str, list[dict]]:
    out: dict[str, list[dict]] = {}
    for a in alerts:
        for key in {e["key"] for e in a["evidence"] if e["feed"] == feed}:
            out.setdefault(key, []).append(a)
    return out


def _comparable(a) -> tuple:
    evidence = sorted((e["feed"], e["key"], repr(sorted(e["values"].items()))) for e in a["evidence"])
    return (a["subject_kind"], a["subject_id"], a["evidence_key"], evidence)


def _screen(conn, feed: str, rows: list[dict], defaults: dict, as_of, model_id: str, params: dict):
    items = [item_from_row(feed, expand({**defaults.get(feed, {}), **r})) for r in rows]
    items = [{k: (v.isoformat() if isinstance(v, dt.date) else v) for k, v in it.items()
              if not k.startswith("_")} for it in items]
    parsed, errors = parse_items(items)
    assert not errors, f"{feed}: items the mapping builds from the case's rows fail: {errors}"
    conn.execute(sa.text("set role tianyan_screen"))
    try:
        ev = evaluate(conn, candidates(parsed), as_of, {model_id}, {model_id: expand(params)})
    finally:
        conn.execute(sa.text("reset role"))
    return {p.ref: ev.hits.get(p.index, []) for p in parsed}


@pytest.mark.parametrize(("model_id", "doc", "case"), SCREEN_CASES,
                         ids=[f"{m}: {c['name']}" for m, _, c in SCREEN_CASES])
def test_service_agrees_with_the_batch_model(db, model_id, doc, case):
    defaults = doc.get("defaults") or {}
    feeds = load_feeds()
    prepare_session(db)
    db.execute(sa.text("reset role"))
    checked = 0
    for given, as_of, params in _steps(doc, case):
        for feed in sorted(SCREENABLE[model_id].feeds & set(given)):
            key_col = feeds[feed].key[0]
            # current rows a department's system would screen (money coming in is no such item)
            pending = [r for r in given[feed]
                       if _current(r) and item_from_row(feed, expand({**defaults.get(feed, {}), **r}))]
            # the batch run on everything loaded
            sp = db.begin_nested()
            insert_rows(db, given, defaults)
            flagged = _flagged(run(db, model_id, as_of, params), feed)
            sp.rollback()
            # one at a time
            for r in pending:
                key = expand(r[key_col])
                sp = db.begin_nested()
                rest = {**given, feed: [x for x in given[feed] if x is not r]}
                insert_rows(db, rest, defaults)
                got = [h for h in _screen(db, feed, [r], defaults, as_of, model_id, params)[key]
                       if h.model_id == model_id]
                sp.rollback()
                want = flagged.get(key, [])
                assert bool(got) == bool(want), (
                    f"{model_id} {case['name']!r} as of {as_of}: row {key} of {feed} is "
                    f"{'flagged' if want else 'not flagged'} by the batch model, the service says "
                    f"{'hit' if got else 'no hit'}")
                assert sorted(map(_comparable, (h.__dict__ for h in got))) == sorted(map(_comparable, want))
                checked += 1
            # all at once
            sp = db.begin_nested()
            insert_rows(db, {**given, feed: [x for x in given[feed] if not any(x is p for p in pending)]}, defaults)
            answers = _screen(db, feed, pending, defaults, as_of, model_id, params)
            sp.rollback()
            hit = {k for k, hits in answers.items() if any(h.model_id == model_id for h in hits)}
            assert hit == {k for k in flagged if k in answers}, f"{model_id} {case['name']!r} as of {as_of}"
    if not checked:
        pytest.skip(f"{model_id} {case['name']!r}: no pending row of a screened feed")


def test_every_screenable_model_has_a_positive_case_here():
    """The agreement covers a hit for every model that declares ``screen:``."""
    positive = {m for m, _, c in SCREEN_CASES if c["expect"] or any(s["expect"] for s in c.get("then") or [])}
    assert set(SCREENABLE) == positive
    assert set(SCREENABLE) == {m.id for m in load_models().values() if m.screen and m.enabled}
