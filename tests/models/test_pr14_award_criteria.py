"""PR14 (Cardinal R036) once the proposed column public_resources.tenders.award_criteria arrives: the rule
reads it through to_jsonb(row), so the same SQL runs before and after the contract change. Here the column
is added to this test's warehouse (inside the test's transaction, rolled back after it)."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from test_model_cases import insert_rows, run

AS_OF = dt.date(2024, 12, 31)
TENDER = {"buyer_unit_code": "U1", "title": "t", "category": "GOODS", "budget_amount": 2000000,
          "publish_date": dt.date(2024, 3, 1), "region_code": "110101000000", "bid_deadline": dt.date(2024, 3, 15)}


def _add_award_criteria(db: sa.Connection) -> None:
    """The contract change docs/procurement.md proposes: one nullable column, in the history and the view."""
    view = db.execute(sa.text("select pg_get_viewdef('public_resources.tenders'::regclass, true)")).scalar()
    select, _, rest = view.partition("\n   FROM ")
    db.execute(sa.text("alter table public_resources.tenders__history add column award_criteria text"))
    db.execute(sa.text(f"create or replace view public_resources.tenders as {select},\n    award_criteria\n"
                       f"   FROM {rest}"))


def test_award_criteria_decides_once_delivered(db):
    _add_award_criteria(db)
    tenders, bids = [], []
    for tid, method in (("P1", "OPEN"), ("R1", "OPEN"), ("Q1", "INQUIRY"), ("Q2", "INQUIRY"), ("O1", "OPEN")):
        tenders.append({**TENDER, "tender_id": tid, "method": method})
        bids += [{"tender_id": tid, "bidder_uscc": "{uscc 1}", "bid_amount": 100000, "result": "DISQUALIFIED",
                  "submitted_at": dt.datetime(2024, 3, 10, 10)},
                 {"tender_id": tid, "bidder_uscc": "{uscc 2}", "bid_amount": 111111, "result": "WON",
                  "submitted_at": dt.datetime(2024, 3, 10, 11)}]
    insert_rows(db, {"public_resources.tenders": tenders, "public_resources.bids": bids}, {})
    for tid, criteria in (("P1", "PRICE_ONLY"), ("R1", "RATED"), ("Q1", "RATED")):
        db.execute(sa.text("update public_resources.tenders__history set award_criteria = :c where tender_id = :t"),
                   {"c": criteria, "t": tid})
    got = {r["subject_id"]: r for r in run(db, "PR14", AS_OF, {})}
    # P1: an open tender declared price-only is flagged; R1 and Q1 are rated: the criterion, when given, decides
    # (even for an inquiry); Q2 has no criterion and falls back to its method; O1 neither.
    assert sorted(got) == ["P1", "Q2"]
    assert got["P1"]["evidence"][0]["values"]["award_criteria"] == "PRICE_ONLY"
    assert got["Q2"]["evidence"][0]["values"]["award_criteria"] is None
    assert sorted(r["subject_id"] for r in run(db, "PR14", AS_OF, {"price_only_criteria": ["PRICE_ONLY", "RATED"]})) \
        == ["P1", "Q1", "Q2", "R1"]
