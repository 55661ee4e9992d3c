"""Investigators' outcomes in the synthetic city (issue 17): from the second delivery date on, the
city delivers outcomes for the planted alerts of the models whose alert id it can know (SA02 among
them), a mix of confirmed and dismissed; loaded and scored, they land on the real alerts (none
quarantined as unknown), so a what-if of SA02 shows an estimated precision. One date: none."""

from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa
from citylib import load_dates
from synth_testlib import read_delivery

from tianyan.orchestration.inprocess import exchange_for
from tianyan.registry import load_feeds
from tianyan.registry.models import load_models
from tianyan.scoring import whatif
from tianyan.scoring.evaluate import compare, current_alerts, read_answer_key
from tianyan.scoring.runner import run_model
from tianyan.synth import generate, oversight
from tianyan.synth.oversight import EVIDENCE_ROWS

pytestmark = pytest.mark.e2e
AS_OF = dt.date(2026, 11, 27)
MODELS = sorted(m for _, models in EVIDENCE_ROWS.values() for m in models)
DECIDED_BY = "investigator-02"


def outcomes(drop, day: dt.date) -> list[dict]:
    spec = load_feeds()["discipline.alert_dispositions"]
    folder = drop / spec.department / spec.name / day.isoformat()
    return [r for df in read_delivery(spec, folder).values() for r in df.to_dict("records")
            if r["recorded_by"] == DECIDED_BY]


def test_one_date_has_no_decided_outcomes(tmp_path):
    drop = tmp_path / "one"
    generate(drop, residents=1000, seed=3, as_of=AS_OF, days=1)
    assert outcomes(drop, AS_OF) == []


def test_outcomes_of_planted_alerts_land_on_them(make_database, tmp_path, monkeypatch):
    monkeypatch.setattr(oversight, "DECISION_DAYS", 1)  # all decided on the second date, the last one here
    drop = tmp_path / "city"
    generate(drop, residents=2000, seed=7, as_of=AS_OF, days=2)
    d2 = AS_OF + dt.timedelta(days=1)
    assert outcomes(drop, AS_OF) == []  # nothing is decided before the alerts are raised
    later = outcomes(drop, d2)
    kinds = {r["outcome"] for r in later}
    assert kinds & {"CONFIRMED", "PARTLY_CONFIRMED"} and kinds & {"NO_ISSUE", "DUPLICATE"}
    assert all(r["recorded_at"].startswith(d2.isoformat()) for r in later)

    url = make_database("disp")
    from tianyan.alerts import lifecycle
    from tianyan.warehouse.migrate import migrate

    migrate(url)
    models = load_models()
    with exchange_for(str(drop), db_url=make_database("dispfront")):
        assert not [r for r in load_dates(drop, url, [AS_OF], tmp_path / "w1").values() if isinstance(r, Exception)]
        assert {run_model(models[m], AS_OF, url).status for m in MODELS} == {"SUCCESS"}
        assert not [r for r in load_dates(drop, url, [d2], tmp_path / "w2").values() if isinstance(r, Exception)]
    lifecycle.apply(d2, url)

    eng = sa.create_engine(url)
    with eng.connect() as c:
        got = dict(c.execute(sa.text("select alert_id, outcome from alerts.alert where outcome is not null")).all())
        by_model = dict(c.execute(sa.text("select model_id, count(*) from alerts.alert where outcome is not null "
                                          "group by model_id")).all())
        unknown = c.execute(sa.text("select count(*) from meta.quarantine where rule = 'unknown_alert' "
                                    "and raw->>'recorded_by' = :by"), {"by": DECIDED_BY}).scalar()
    eng.dispose()
    assert {r["alert_id"]: r["outcome"] for r in later}.items() <= got.items()  # each on its alert
    assert unknown == 0 and set(by_model) == set(MODELS)  # every model has outcomes to estimate from
    # Outcomes close alerts, they do not remove them: the planted cases are still exactly what is found.
    report = compare(read_answer_key(drop), current_alerts(url)).set_index("model_id").loc[MODELS]
    assert (report["missed"] == 0).all() and (report["other_alerts"] == 0).all()
    assert (report["near_misses_flagged"] == 0).all()
    proposal = whatif.propose("SA02", {"car_price_min": 40000}, url=url)
    assert proposal.summary["added"]["alerts"] >= 1 and proposal.summary["proposed"]["precision"] is not None
