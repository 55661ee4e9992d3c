"""days=3: later dates carry only that day's increments, on each feed's cadence."""

from __future__ import annotations

import datetime as dt

import pytest
from synth_testlib import AS_OF, SEED, read_delivery

from tianyan.registry import load_feeds
from tianyan.synth import generate

EVENT_DATE = {  # append feeds: the column that dates the event
    "civil_affairs.assistance_payments": "pay_date",
    "agriculture.collective_ledger": "entry_date",
    "finance.fiscal_payments": "pay_date",
    "finance.subsidy_payments": "pay_date",
    "medical_insurance.claims": None,  # admit (outpatient) or discharge (inpatient) date
}


@pytest.fixture(scope="module")
def three_days(tmp_path_factory):
    drop = tmp_path_factory.mktemp("days3")
    manifest = generate(drop, residents=2000, seed=SEED, as_of=AS_OF, days=3)
    return drop, manifest


def test_later_dates_carry_increments_only(three_days):
    drop, manifest = three_days
    dates = [AS_OF + dt.timedelta(days=k) for k in range(3)]
    assert manifest["dates"] == [d.isoformat() for d in dates]
    for fid, spec in load_feeds().items():
        per = manifest["feeds"][fid]
        assert AS_OF.isoformat() in per, fid
        for d in dates[1:]:
            folder = drop / spec.department / spec.name / d.isoformat()
            cad, mode = spec.delivery.cadence, spec.delivery.mode
            due = cad == "daily" or (cad == "weekly" and d.weekday() == 0) or (cad == "monthly" and d.day == 1)
            assert folder.is_dir() == due, (fid, d)
            if not due:
                continue
            files = read_delivery(spec, folder)
            rows = sum(len(df) for df in files.values())
            if mode == "snapshot":
                assert rows >= per[AS_OF.isoformat()]["rows"] - per[AS_OF.isoformat()]["invalid"], fid
                continue
            assert rows < per[AS_OF.isoformat()]["rows"], fid
            for df in files.values():
                if mode == "delta":
                    assert all(str(v).startswith(d.isoformat()) for v in df["changed_at"]), fid
                col = EVENT_DATE.get(fid)
                if col:
                    assert set(df[col]) <= {d.isoformat()}, (fid, d)


def test_later_dates_have_changes(three_days):
    _, manifest = three_days
    d1 = (AS_OF + dt.timedelta(days=1)).isoformat()
    assert manifest["feeds"]["public_security.household_registration"][d1]["rows"] > 0
    assert manifest["feeds"]["market_regulation.enterprises"][d1]["rows"] > 0
    assert manifest["feeds"]["public_security.vehicle_registrations"][d1]["rows"] > 0
