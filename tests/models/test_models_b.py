"""Positive and near-miss cases for the village collective, procurement, fiscal, official conduct,
complaints/audit, transport and rural revitalization models (VC, PR, FI, OF, CA, TR, RV)."""

from __future__ import annotations

import datetime as dt

import pytest


class Env:
    """The shared fixtures bundled, so the small builders below can take one argument."""

    def __init__(self, db, put, run_model, pid, uscc):
        self.db, self.put, self.run_model, self.pid, self.uscc = db, put, run_model, pid, uscc


@pytest.fixture
def w(db, put, run_model, pid, uscc):
    return Env(db, put, run_model, pid, uscc)


AS_OF = "2024-12-31"
VILLAGE = "110101001001"
VILLAGE2 = "110101001002"
OTHER_DISTRICT_VILLAGE = "110102001001"


def subjects(rows):
    return {r["subject_id"] for r in rows}


def hits(rows, kind=None):
    if kind is not None:
        assert {r["subject_kind"] for r in rows} <= {kind}
    return subjects(rows)


def keys(rows):
    return {r["evidence_key"] for r in rows}


def check_shape(rows):
    for r in rows:
        assert isinstance(r["evidence"], list) and r["evidence"]
        for e in r["evidence"]:
            assert set(e) == {"feed", "key", "values"}
            assert e["key"] is not None


# ---- builders ------------------------------------------------------------------------------


def official(
    w, appointment_id, id_no, unit_code="U1", rank="SECTION", region=VILLAGE, start="2020-01-01", end=None
):
    w.put(
        w.db,
        "organization.officials",
        [
            dict(
                appointment_id=appointment_id,
                id_no=id_no,
                name="n",
                unit_code=unit_code,
                position="p",
                rank=rank,
                is_leader=False,
                jurisdiction_region_code=region,
                start_date=start,
                end_date=end,
            )
        ],
    )


def unit(w, unit_code, region="110101000000", kind="GOVERNMENT"):
    w.put(
        w.db,
        "organization.public_units",
        [dict(unit_code=unit_code, name="u", kind=kind, region_code=region)],
    )


def marriage(w, rid, a, b, date="2010-05-01", kind="MARRIAGE"):
    w.put(
        w.db,
        "civil_affairs.marriage_registrations",
        [
            dict(
                registration_id=rid,
                party1_id_no=a,
                party2_id_no=b,
                kind=kind,
                registration_date=date,
            )
        ],
    )


def person(w, id_no, household_id, relation="HEAD", region=VILLAGE, status="ACTIVE", status_date=None):
    w.put(
        w.db,
        "public_security.household_registration",
        [
            dict(
                id_no=id_no,
                name="n",
                gender="M",
                birth_date="1970-01-01",
                household_id=household_id,
                relation_to_head=relation,
                region_code=region,
                status=status,
                status_date=status_date,
                changed_at="2019-01-01",
            )
        ],
    )


def enterprise(
    w, code, legal_rep, status="ACTIVE", status_date=None, established="2010-01-01", capital=1_000_000
):
    w.put(
        w.db,
        "market_regulation.enterprises",
        [
            dict(
                uscc=code,
                name="e",
                legal_rep_id_no=legal_rep,
                registered_capital=capital,
                established_date=established,
                status=status,
                status_date=status_date,
                region_code="110101000000",
                changed_at="2019-01-01",
            )
        ],
    )


def enterprise_person(w, code, id_no, role="SHAREHOLDER"):
    w.put(
        w.db,
        "market_regulation.enterprise_persons",
        [
            dict(
                uscc=code,
                id_no=id_no,
                role=role,
                share_ratio=0.5,
                changed_at="2019-01-01",
            )
        ],
    )


def asset(w, asset_id, village=VILLAGE, asset_type="FARMLAND"):
    w.put(
        w.db,
        "agriculture.collective_assets",
        [
            dict(
                asset_id=asset_id,
                village_code=village,
                asset_type=asset_type,
                area=100,
                book_value=1000,
            )
        ],
    )


def contract(
    w,
    cid,
    village=VILLAGE,
    asset_id="A1",
    kind="PERSON",
    cp=None,
    rent=1000,
    area=10,
    start="2024-01-01",
    end="2025-01-01",
    award="NEGOTIATED",
    sign="2024-01-01",
):
    w.put(
        w.db,
        "agriculture.collective_contracts",
        [
            dict(
                contract_id=cid,
                village_code=village,
                asset_id=asset_id,
                counterparty_kind=kind,
                counterparty_id=cp or w.pid(900),
                annual_rent=rent,
                area=area,
                start_date=start,
                end_date=end,
                award_method=award,
                sign_date=sign,
                signer_id_no=w.pid(901),
            )
        ],
    )


def ledger(
    w,
    eid,
    amount=1000,
    method="BANK",
    direction="OUT",
    kind="PERSON",
    cp=None,
    category="OTHER",
    date="2024-06-01",
    village=VILLAGE,
):
    w.put(
        w.db,
        "agriculture.collective_ledger",
        [
            dict(
                entry_id=eid,
                village_code=village,
                entry_date=date,
                direction=direction,
                amount=amount,
                counterparty_kind=kind,
                counterparty_id=cp or w.pid(902),
                category=category,
                payment_method=method,
                approver_id_no=w.pid(903),
            )
        ],
    )


def tender(w, tid, method="OPEN", budget=100_000, publish="2024-03-01", deadline="2024-04-01", buyer="U1"):
    w.put(
        w.db,
        "public_resources.tenders",
        [
            dict(
                tender_id=tid,
                buyer_unit_code=buyer,
                title="t",
                category="GOODS",
                method=method,
                budget_amount=budget,
                publish_date=publish,
                bid_deadline=deadline,
                region_code="110101000000",
            )
        ],
    )


def bid(w, tid, bidder, amount=90_000, result="LOST", phone=None, ip=None):
    w.put(
        w.db,
        "public_resources.bids",
        [
            dict(
                tender_id=tid,
                bidder_uscc=bidder,
                bid_amount=amount,
                submitted_at=dt.datetime(2024, 3, 10),
                contact_phone=phone,
                submit_ip=ip,
                result=result,
            )
        ],
    )


def pcontract(w, cid, supplier, amount=100_000, sign="2024-05-01", buyer="U1", tender_id=None):
    w.put(
        w.db,
        "public_resources.contracts",
        [
            dict(
                contract_id=cid,
                tender_id=tender_id,
                buyer_unit_code=buyer,
                supplier_uscc=supplier,
                amount=amount,
                sign_date=sign,
                signer_id_no=w.pid(904),
            )
        ],
    )


def fiscal(
    w, pay_id, payee, amount=5000, date="2024-05-01", purpose="office supplies", kind="ORG", unit_code="U1"
):
    w.put(
        w.db,
        "finance.fiscal_payments",
        [
            dict(
                payment_id=pay_id,
                budget_unit_code=unit_code,
                payee_kind=kind,
                payee_id=payee,
                payee_name="p",
                payee_account="acc",
                amount=amount,
                pay_date=date,
                purpose=purpose,
                changed_at=dt.datetime.fromisoformat(date),
            )
        ],
    )


def complaint(w, cid, date, unit_code=None, id_no=None, status="OPEN"):
    w.put(
        w.db,
        "discipline.complaints",
        [
            dict(
                complaint_id=cid,
                received_date=date,
                channel="HOTLINE",
                subject_unit_code=unit_code,
                subject_id_no=id_no,
                category="c",
                region_code="110101000000",
                status=status,
            )
        ],
    )


def vehicle(
    w,
    plate,
    owner,
    owner_kind="PERSON",
    status="ACTIVE",
    status_date=None,
    price=50_000,
    vtype="SMALL_CAR",
    changed_at="2019-01-01",
    **kw,
):
    w.put(
        w.db,
        "public_security.vehicle_registrations",
        [
            dict(
                plate_no=plate,
                owner_kind=owner_kind,
                owner_id=owner,
                vehicle_type=vtype,
                purchase_price=price,
                registration_date="2018-01-01",
                status=status,
                status_date=status_date,
                changed_at=changed_at,
            )
        ],
        **kw,
    )


def op_subsidy(w, pay_id, plate, recipient, date="2024-06-01", kind="PERSON"):
    w.put(
        w.db,
        "transport.operating_subsidies",
        [
            dict(
                payment_id=pay_id,
                plate_no=plate,
                recipient_kind=kind,
                recipient_id=recipient,
                subsidy_year=2024,
                amount=3000,
                pay_date=date,
            )
        ],
    )


# ---- village_collective --------------------------------------------------------------------


def test_vc01_counterparty_is_official_relative_or_linked_enterprise(w):
    official_id, spouse_id, child_id = w.pid(1), w.pid(2), w.pid(3)
    official(w, "AP1", official_id, rank="VILLAGE", region=VILLAGE, start="2020-01-01")
    marriage(w, "M1", official_id, spouse_id)
    person(w, official_id, "H1", "HEAD")
    person(w, child_id, "H1", "CHILD")
    enterprise(w, w.uscc(1), child_id)
    contract(w, "C1", cp=spouse_id, sign="2024-02-01")  # spouse: hit
    contract(w, "C2", kind="ORG", cp=w.uscc(1), sign="2024-02-01")  # child's company: hit
    contract(w, "C3", village=VILLAGE2, cp=spouse_id, sign="2024-02-01")  # other village: miss
    contract(w, "C4", cp=spouse_id, sign="2019-06-01")  # before office: miss
    contract(w, "C5", cp=w.pid(4), sign="2024-02-01")  # stranger: miss
    rows = w.run_model(w.db, "VC01", AS_OF)
    check_shape(rows)
    assert keys(rows) == {"C1", "C2"}
    assert hits(rows, "village") == {VILLAGE}


def test_vc01_divorced_spouse_is_not_a_relative(w):
    official_id, ex_id = w.pid(1), w.pid(2)
    official(w, "AP1", official_id, rank="VILLAGE", region=VILLAGE)
    marriage(w, "M1", official_id, ex_id, date="2010-01-01")
    marriage(w, "M2", official_id, ex_id, date="2022-01-01", kind="DIVORCE")
    contract(w, "C1", cp=ex_id, sign="2024-02-01")
    contract(w, "C2", cp=ex_id, sign="2021-02-01")
    assert keys(w.run_model(w.db, "VC01", AS_OF)) == {"C2"}


def test_vc02_rent_far_below_district_median(w):
    for i in range(1, 6):
        asset(w, f"A{i}")
    asset(w, "B1", asset_type="POND")
    for i in range(1, 5):
        contract(w, f"C{i}", asset_id=f"A{i}", rent=1000, area=10)  # 100 per area
    contract(w, "C5", village=VILLAGE2, asset_id="A5", rent=400, area=10)  # 40 < 0.5 x 100: hit
    contract(w, "P1", asset_id="B1", rent=10, area=10)  # other type, no peers
    rows = w.run_model(w.db, "VC02", AS_OF)
    check_shape(rows)
    assert keys(rows) == {"C5"} and hits(rows, "village") == {VILLAGE2}
    assert w.run_model(w.db, "VC02", AS_OF, peers_min=6) == []


def test_vc02_near_miss_at_ratio(w):
    for i in range(1, 6):
        asset(w, f"A{i}")
    for i in range(1, 5):
        contract(w, f"C{i}", asset_id=f"A{i}", rent=1000, area=10)
    contract(w, "C5", asset_id="A5", rent=500, area=10)  # exactly 0.5 x median
    assert w.run_model(w.db, "VC02", AS_OF) == []


def test_vc03_large_contract_without_bidding(w):
    contract(w, "C1", rent=10_000, start="2020-01-01", end="2030-01-01")  # 100000
    contract(w, "C2", rent=10_000, start="2020-01-01", end="2030-01-01", award="PUBLIC_BIDDING")
    contract(w, "C3", rent=9_000, start="2020-01-01", end="2030-01-01", award="DIRECT")  # 90000
    rows = w.run_model(w.db, "VC03", AS_OF)
    check_shape(rows)
    assert keys(rows) == {"C1"} and hits(rows, "village") == {VILLAGE}
    assert rows[0]["amount"] == 100_000


def test_vc04_large_cash_payment(w):
    ledger(w, "E1", amount=6000, method="CASH")
    ledger(w, "E2", amount=5000, method="CASH")
    ledger(w, "E3", amount=9000, method="BANK")
    ledger(w, "E4", amount=9000, method="CASH", direction="IN")
    rows = w.run_model(w.db, "VC04", AS_OF)
    check_shape(rows)
    assert keys(rows) == {"E1"} and hits(rows, "village") == {VILLAGE}


def test_vc05_payment_to_official_relative_outside_salary(w):
    official_id, brother = w.pid(1), w.pid(2)
    official(w, "AP1", official_id, rank="VILLAGE", region=VILLAGE)
    w.put(
        w.db,
        "discipline.official_relatives",
        [
            dict(
                official_id_no=official_id,
                relative_id_no=brother,
                relation="SIBLING",
                declared_date="2020-01-01",
            )
        ],
    )
    ledger(w, "E1", cp=brother, category="SUBSIDY")
    ledger(w, "E2", cp=official_id, category="SALARY")
    ledger(w, "E3", cp=official_id, category="SERVICE", village=VILLAGE2)
    ledger(w, "E4", cp=official_id, category="OTHER", date="2019-06-01")
    rows = w.run_model(w.db, "VC05", AS_OF)
    check_shape(rows)
    assert keys(rows) == {"E1"} and hits(rows, "village") == {VILLAGE}


def test_vc06_contracts_split_within_window(w):
    # 6000 x 10 years = 60000 each: below 100000 alone, 120000 together.
    ten = dict(rent=6000, start="2020-01-01", end="2030-01-01")
    contract(w, "C1", cp=w.pid(5), sign="2024-01-01", **ten)
    contract(w, "C2", cp=w.pid(5), sign="2024-01-30", **ten)  # 29 days later: inside [d, d+30)
    contract(w, "C3", cp=w.pid(6), sign="2024-01-01", **ten)
    contract(w, "C4", cp=w.pid(6), sign="2024-01-31", **ten)  # exactly 30 days: outside
    rows = w.run_model(w.db, "VC06", AS_OF)
    check_shape(rows)
    assert hits(rows, "village") == {VILLAGE}
    assert keys(rows) == {f"PERSON:{w.pid(5)}"}
    assert {e["key"] for e in rows[0]["evidence"]} == {"C1", "C2"}


# ---- procurement ---------------------------------------------------------------------------


def test_pr01_supplier_linked_to_buyer_official(w):
    official_id, spouse = w.pid(1), w.pid(2)
    official(w, "AP1", official_id, unit_code="U1")
    official(w, "AP2", w.pid(3), unit_code="U2")
    marriage(w, "M1", official_id, spouse)
    enterprise(w, w.uscc(1), w.pid(9))
    enterprise_person(w, w.uscc(1), spouse)
    enterprise(w, w.uscc(2), w.pid(3))
    pcontract(w, "K1", w.uscc(1), buyer="U1")  # spouse is a shareholder: hit
    pcontract(w, "K2", w.uscc(1), buyer="U3")  # other unit: miss
    pcontract(w, "K3", w.uscc(2), buyer="U1")  # linked to an official of U2 only: miss
    rows = w.run_model(w.db, "PR01", AS_OF)
    check_shape(rows)
    assert keys(rows) == {"K1"} and hits(rows, "enterprise") == {w.uscc(1)}


def test_pr02_bidders_share_phone_ip_or_person(w):
    a, b, c, d = w.uscc(1), w.uscc(2), w.uscc(3), w.uscc(4)
    enterprise(w, a, w.pid(1))
    enterprise(w, b, w.pid(2))
    enterprise(w, c, w.pid(1))  # same legal rep as a
    enterprise(w, d, w.pid(4))
    for t in ("T1", "T2", "T3", "T4"):
        tender(w, t)
    bid(w, "T1", a, phone="13800000000")
    bid(w, "T1", b, phone="13800000000")  # phone: hit
    bid(w, "T2", a, ip="10.0.0.1")
    bid(w, "T2", c, ip="10.0.0.2")  # legal rep: hit
    bid(w, "T3", b, phone="1", ip="10.0.0.1")
    bid(w, "T3", d, phone="2", ip="10.0.0.2")  # nothing shared: miss
    e, f = w.uscc(5), w.uscc(6)
    enterprise(w, e, w.pid(5))
    enterprise(w, f, w.pid(6))
    enterprise_person(w, e, w.pid(7), "DIRECTOR")
    enterprise_person(w, f, w.pid(7), "SHAREHOLDER")
    bid(w, "T4", e)
    bid(w, "T4", f)  # one id_no in enterprise_persons of both: hit
    rows = w.run_model(w.db, "PR02", AS_OF)
    check_shape(rows)
    assert hits(rows, "tender") == {"T1", "T2", "T4"}


def test_pr03_open_tender_single_valid_bid(w):
    tender(w, "T1")
    bid(w, "T1", w.uscc(1), result="WON")
    bid(w, "T1", w.uscc(2), result="DISQUALIFIED")  # one valid bid: hit
    tender(w, "T2")
    bid(w, "T2", w.uscc(1), result="WON")
    bid(w, "T2", w.uscc(2))  # two valid: miss
    tender(w, "T3", method="INVITED")
    bid(w, "T3", w.uscc(1), result="WON")  # not OPEN: miss
    rows = w.run_model(w.db, "PR03", AS_OF)
    check_shape(rows)
    assert hits(rows, "tender") == {"T1"}


def test_pr04_direct_purchases_split(w):
    pcontract(w, "K1", w.uscc(1), amount=120_000, sign="2024-05-01")
    pcontract(w, "K2", w.uscc(1), amount=120_000, sign="2024-05-20")  # hit
    pcontract(w, "K3", w.uscc(2), amount=120_000, sign="2024-05-01")
    pcontract(w, "K4", w.uscc(2), amount=120_000, sign="2024-05-31")  # 30 days: miss
    pcontract(w, "K5", w.uscc(3), amount=120_000, sign="2024-05-01", tender_id="T9")
    pcontract(w, "K6", w.uscc(3), amount=120_000, sign="2024-05-02", tender_id="T9")  # tendered: miss
    pcontract(w, "K7", w.uscc(4), amount=90_000, sign="2024-05-01")
    pcontract(w, "K8", w.uscc(4), amount=90_000, sign="2024-05-02")  # together < threshold
    rows = w.run_model(w.db, "PR04", AS_OF)
    check_shape(rows)
    assert hits(rows, "enterprise") == {w.uscc(1)} and keys(rows) == {"U1"}


def test_pr05_winner_founded_just_before_tender(w):
    tender(w, "T1", publish="2024-03-01")
    tender(w, "T2", publish="2024-03-01")
    enterprise(w, w.uscc(1), w.pid(1), established="2024-01-01")  # 60 days: hit
    enterprise(w, w.uscc(2), w.pid(2), established="2023-12-02")  # 90 days: miss
    bid(w, "T1", w.uscc(1), result="WON")
    bid(w, "T2", w.uscc(2), result="WON")
    rows = w.run_model(w.db, "PR05", AS_OF)
    check_shape(rows)
    assert hits(rows, "enterprise") == {w.uscc(1)} and keys(rows) == {"T1"}


def test_pr06_winning_bid_at_budget_ceiling(w):
    for t in ("T1", "T2", "T3"):
        tender(w, t, budget=100_000)
    bid(w, "T1", w.uscc(1), 99_500, "WON")
    bid(w, "T1", w.uscc(2), 99_800)  # hit
    bid(w, "T2", w.uscc(1), 98_000, "WON")
    bid(w, "T2", w.uscc(2), 99_800)  # 0.98 < 0.99: miss
    bid(w, "T3", w.uscc(1), 100_000, "WON")  # single bid: miss
    rows = w.run_model(w.db, "PR06", AS_OF)
    check_shape(rows)
    assert hits(rows, "tender") == {"T1"}


def test_pr07_short_bidding_period(w):
    tender(w, "T1", publish="2024-03-01", deadline="2024-03-20")  # 19 days: hit
    tender(w, "T2", publish="2024-03-01", deadline="2024-03-21")  # 20 days: miss
    tender(w, "T3", method="INQUIRY", publish="2024-03-01", deadline="2024-03-05")
    rows = w.run_model(w.db, "PR07", AS_OF)
    check_shape(rows)
    assert hits(rows, "tender") == {"T1"}


def test_pr08_contract_with_revoked_enterprise(w):
    enterprise(w, w.uscc(1), w.pid(1), status="REVOKED", status_date="2024-04-01")
    enterprise(w, w.uscc(2), w.pid(2), status="CANCELLED", status_date="2024-06-01")
    pcontract(w, "K1", w.uscc(1), sign="2024-04-01")  # on the status date: hit
    pcontract(w, "K2", w.uscc(2), sign="2024-05-31")  # before: miss
    rows = w.run_model(w.db, "PR08", AS_OF)
    check_shape(rows)
    assert keys(rows) == {"K1"} and hits(rows, "enterprise") == {w.uscc(1)}


# ---- fiscal_funds --------------------------------------------------------------------------


def test_fi01_duplicate_payment_within_window(w):
    unit(w, "U1")
    fiscal(w, "P1", w.uscc(1), date="2024-05-01")
    fiscal(w, "P2", w.uscc(1), date="2024-05-07")  # 6 days: hit
    fiscal(w, "P3", w.uscc(2), date="2024-05-01")
    fiscal(w, "P4", w.uscc(2), date="2024-05-08")  # 7 days: miss
    fiscal(w, "P5", w.uscc(3), date="2024-05-01")
    fiscal(w, "P6", w.uscc(3), date="2024-05-02", amount=5001)
    rows = w.run_model(w.db, "FI01", AS_OF)
    check_shape(rows)
    assert hits(rows, "unit") == {"U1"} and keys(rows) == {"P2"}
    assert rows[0]["region_code"] == "110101000000"


def test_fi02_payment_to_revoked_enterprise(w):
    enterprise(w, w.uscc(1), w.pid(1), status="REVOKED", status_date="2024-04-01")
    enterprise(w, w.uscc(2), w.pid(2), status="CANCELLED", status_date="2024-05-01")
    fiscal(w, "P1", w.uscc(1), date="2024-04-02")  # hit
    fiscal(w, "P2", w.uscc(2), date="2024-05-01")  # same day: miss
    rows = w.run_model(w.db, "FI02", AS_OF)
    check_shape(rows)
    assert keys(rows) == {"P1"} and hits(rows, "enterprise") == {w.uscc(1)}


def test_fi03_payee_linked_to_paying_unit_official(w):
    official_id, child = w.pid(1), w.pid(2)
    official(w, "AP1", official_id, unit_code="U1", start="2020-01-01", end="2024-06-30")
    person(w, official_id, "H1", "HEAD")
    person(w, child, "H1", "CHILD")
    enterprise(w, w.uscc(1), child)
    fiscal(w, "P1", w.uscc(1), date="2024-05-01")  # hit
    fiscal(w, "P2", w.uscc(1), date="2024-08-01")  # official left: miss
    fiscal(w, "P3", w.uscc(1), date="2024-05-01", unit_code="U2")  # other unit: miss
    rows = w.run_model(w.db, "FI03", AS_OF)
    check_shape(rows)
    assert keys(rows) == {"P1"} and hits(rows, "enterprise") == {w.uscc(1)}


# ---- official_conduct ----------------------------------------------------------------------


def test_of01_official_runs_business(w):
    official(w, "AP1", w.pid(1), rank="SECTION")
    official(w, "AP2", w.pid(2), rank="VILLAGE")
    official(w, "AP3", w.pid(3), rank="DIVISION")
    official(w, "AP4", w.pid(4), rank="BUREAU", end="2023-01-01")
    enterprise(w, w.uscc(1), w.pid(1))
    enterprise(w, w.uscc(2), w.pid(2))  # exempt rank
    enterprise(w, w.uscc(3), w.pid(9), status="CANCELLED", status_date="2022-01-01")
    enterprise_person(w, w.uscc(3), w.pid(3))  # not ACTIVE
    enterprise(w, w.uscc(4), w.pid(4))  # left office
    rows = w.run_model(w.db, "OF01", AS_OF)
    check_shape(rows)
    assert hits(rows, "person") == {w.pid(1)}
    assert {r["subject_id"] for r in w.run_model(w.db, "OF01", AS_OF, exempt_ranks=[])} == {
        w.pid(1),
        w.pid(2),
    }


def test_of02_ghost_official_after_death_or_in_prison(w):
    official(w, "AP1", w.pid(1))  # open, died: hit
    w.put(
        w.db,
        "health.death_certificates",
        [dict(certificate_id="D1", id_no=w.pid(1), death_date="2024-01-01", place="HOME")],
    )
    official(w, "AP2", w.pid(2), end="2024-02-01")  # closed 31 days after death: miss
    w.put(
        w.db,
        "civil_affairs.cremation_records",
        [
            dict(
                record_id="R1",
                id_no=w.pid(2),
                name="n",
                death_date="2024-01-01",
                cremation_date="2024-01-03",
                funeral_home="f",
            )
        ],
    )
    official(w, "AP3", w.pid(3))
    w.put(
        w.db,
        "justice.custody_records",
        [
            dict(
                record_id="J1",
                id_no=w.pid(3),
                custody_kind="PRISON",
                start_date="2024-03-01",
                end_date="2024-03-31",
            )
        ],
    )
    official(w, "AP4", w.pid(4))
    w.put(
        w.db,
        "justice.custody_records",
        [
            dict(
                record_id="J2",
                id_no=w.pid(4),
                custody_kind="PRISON",
                start_date="2024-03-01",
                end_date="2024-03-30",
            )
        ],
    )
    official(w, "AP5", w.pid(5))
    w.put(
        w.db,
        "justice.custody_records",
        [
            dict(
                record_id="J3",
                id_no=w.pid(5),
                custody_kind="DETENTION",
                start_date="2024-03-01",
                end_date="2024-06-30",
            )
        ],
    )
    rows = w.run_model(w.db, "OF02", AS_OF)
    check_shape(rows)
    assert hits(rows, "person") == {w.pid(1), w.pid(3)}


def test_of03_spouse_or_child_not_declared(w):
    official(w, "AP1", w.pid(1))
    marriage(w, "M1", w.pid(1), w.pid(2))
    person(w, w.pid(1), "H1", "HEAD")
    person(w, w.pid(2), "H1", "SPOUSE")
    person(w, w.pid(3), "H1", "CHILD")
    w.put(
        w.db,
        "discipline.official_relatives",
        [
            dict(
                official_id_no=w.pid(1),
                relative_id_no=w.pid(2),
                relation="SPOUSE",
                declared_date="2020-01-01",
            )
        ],
    )
    # official 4 lives in his parents' household as CHILD: his siblings are not "household CHILD"
    official(w, "AP4", w.pid(4))
    person(w, w.pid(5), "H2", "HEAD")
    person(w, w.pid(4), "H2", "CHILD")
    person(w, w.pid(6), "H2", "CHILD")
    rows = w.run_model(w.db, "OF03", AS_OF)
    check_shape(rows)
    assert hits(rows, "person") == {w.pid(1)} and keys(rows) == {w.pid(3)}


def test_of04_official_receives_welfare(w):
    official(w, "AP1", w.pid(1), rank="SECTION", start="2022-01-01")
    official(w, "AP2", w.pid(2), rank="VILLAGE", start="2022-01-01")
    w.put(
        w.db,
        "civil_affairs.assistance_payments",
        [
            dict(
                payment_id="A1",
                id_no=w.pid(1),
                program="TEMPORARY",
                period="2024-01",
                amount=500,
                pay_date="2024-01-15",
                bank_account="b",
                region_code=VILLAGE,
            ),
            dict(
                payment_id="A2",
                id_no=w.pid(1),
                program="DIBAO_URBAN",
                period="2021-01",
                amount=500,
                pay_date="2021-01-15",
                bank_account="b",
                region_code=VILLAGE,
            ),
            dict(
                payment_id="A3",
                id_no=w.pid(2),
                program="DIBAO_RURAL",
                period="2024-01",
                amount=500,
                pay_date="2024-01-15",
                bank_account="b",
                region_code=VILLAGE,
            ),
        ],
    )
    w.put(
        w.db,
        "human_resources.public_welfare_posts",
        [
            dict(
                post_id="W1",
                id_no=w.pid(1),
                employer_unit_code="U1",
                region_code=VILLAGE,
                start_date="2023-01-01",
                monthly_subsidy=1500,
            )
        ],
    )
    rows = w.run_model(w.db, "OF04", AS_OF)
    check_shape(rows)
    assert hits(rows, "person") == {w.pid(1)}
    assert keys(rows) == {"civil_affairs.assistance_payments:A1", "human_resources.public_welfare_posts:W1"}


# ---- complaints_audit ----------------------------------------------------------------------


def test_ca01_repeated_unresolved_complaints(w):
    for i, d in enumerate(("2024-01-01", "2024-02-01", "2024-03-30")):
        complaint(w, f"A{i}", d, unit_code="UA")  # 3 within 90 days: hit
        complaint(w, f"B{i}", d, unit_code="UB", status="CLOSED" if i == 1 else "OPEN")  # one closed
        complaint(w, f"P{i}", d, id_no=w.pid(1), status="IN_PROGRESS")  # person subject: hit
    for i, d in enumerate(("2024-01-01", "2024-02-01", "2024-03-31")):
        complaint(w, f"C{i}", d, unit_code="UC")  # spread over 90 days: miss
    rows = w.run_model(w.db, "CA01", AS_OF)
    check_shape(rows)
    assert {(r["subject_kind"], r["subject_id"]) for r in rows} == {("unit", "UA"), ("person", w.pid(1))}


def test_ca02_complaint_surge(w):
    as_of = dt.date(2024, 12, 31)
    for i in range(6):
        complaint(w, f"A{i}", as_of - dt.timedelta(days=i * 10), unit_code="UA")
        complaint(w, f"B{i}", as_of - dt.timedelta(days=i * 10), unit_code="UB")
    for i in range(3):
        complaint(w, f"AP{i}", as_of - dt.timedelta(days=100 + i), unit_code="UA")  # 6 >= 2 x 3
    for i in range(4):
        complaint(w, f"BP{i}", as_of - dt.timedelta(days=100 + i), unit_code="UB")  # 6 < 2 x 4
    for i in range(4):
        complaint(w, f"C{i}", as_of - dt.timedelta(days=i), unit_code="UC")  # 4 < count_min
    complaint(w, "A90", as_of - dt.timedelta(days=90), unit_code="UC")  # prior window
    rows = w.run_model(w.db, "CA02", as_of)
    check_shape(rows)
    assert hits(rows, "unit") == {"UA"}


def test_ca03_overdue_audit_finding(w):
    def finding(fid, status, due):
        w.put(
            w.db,
            "audit.findings",
            [
                dict(
                    finding_id=fid,
                    audited_unit_code="U1",
                    audit_year=2023,
                    category="c",
                    amount=1000,
                    rectification_status=status,
                    due_date=due,
                )
            ],
        )

    finding("F1", "OPEN", "2024-12-30")  # hit
    finding("F2", "IN_PROGRESS", "2024-12-31")  # due on the as-of date: miss
    finding("F3", "RECTIFIED", "2024-01-01")  # miss
    rows = w.run_model(w.db, "CA03", AS_OF)
    check_shape(rows)
    assert keys(rows) == {"F1"} and hits(rows, "unit") == {"U1"}


# ---- transport_subsidies -------------------------------------------------------------------


def test_tr01_subsidy_after_scrapping(w):
    vehicle(w, "A001", w.pid(1), status="SCRAPPED", status_date="2024-03-01")
    vehicle(w, "A002", w.pid(2), status="DEREGISTERED", status_date="2024-07-01")
    op_subsidy(w, "S1", "A001", w.pid(1), date="2024-06-01")  # hit
    op_subsidy(w, "S2", "A002", w.pid(2), date="2024-06-01")  # before: miss
    rows = w.run_model(w.db, "TR01", AS_OF)
    check_shape(rows)
    assert hits(rows, "vehicle") == {"A001"} and keys(rows) == {"S1"}


def test_tr02_subsidy_to_someone_other_than_owner(w):
    vehicle(w, "A001", w.pid(1), changed_at="2019-01-01", valid_to="2024-04-01")
    vehicle(w, "A001", w.pid(2), changed_at="2024-04-01")  # transferred to w.pid(2)
    op_subsidy(w, "S1", "A001", w.pid(1), date="2024-03-01")  # owner then: miss
    op_subsidy(w, "S2", "A001", w.pid(1), date="2024-06-01")  # no longer owner: hit
    op_subsidy(w, "S3", "A001", w.pid(2), date="2024-06-01")  # owner: miss
    vehicle(w, "B001", w.uscc(1), owner_kind="ORG")
    op_subsidy(w, "S4", "B001", w.uscc(1), date="2024-06-01", kind="ORG")  # miss
    rows = w.run_model(w.db, "TR02", AS_OF)
    check_shape(rows)
    assert hits(rows, "vehicle") == {"A001"} and keys(rows) == {"S2"}


# ---- rural_revitalization ------------------------------------------------------------------


def test_rv01_contractor_linked_to_approver_or_village_official(w):
    approver, approver_spouse, vo = w.pid(1), w.pid(2), w.pid(3)
    marriage(w, "M1", approver, approver_spouse)
    official(w, "AP1", vo, rank="VILLAGE", region=VILLAGE)
    enterprise(w, w.uscc(1), approver_spouse)
    enterprise(w, w.uscc(2), w.pid(8))
    enterprise_person(w, w.uscc(2), vo, "MANAGER")
    enterprise(w, w.uscc(3), w.pid(9))

    def project(pid_, region, contractor):
        w.put(
            w.db,
            "rural_revitalization.projects",
            [
                dict(
                    project_id=pid_,
                    region_code=region,
                    fund_amount=500_000,
                    contractor_uscc=contractor,
                    approver_id_no=approver,
                    start_date="2024-03-01",
                    status="ONGOING",
                )
            ],
        )

    project("J1", VILLAGE2, w.uscc(1))  # approver's spouse: hit
    project("J2", VILLAGE, w.uscc(2))  # village official manages it: hit
    project("J3", VILLAGE2, w.uscc(2))  # official of another village: miss
    project("J4", VILLAGE, w.uscc(3))  # unrelated: miss
    rows = w.run_model(w.db, "RV01", AS_OF)
    check_shape(rows)
    assert keys(rows) == {"J1", "J2"} and hits(rows, "enterprise") == {w.uscc(1), w.uscc(2)}


def test_rv02_well_off_monitored_household(w):
    def monitored(hid, head, status="MONITORED"):
        w.put(
            w.db,
            "rural_revitalization.monitored_households",
            [
                dict(
                    household_id=hid,
                    head_id_no=head,
                    region_code=VILLAGE,
                    risk_type="r",
                    start_date="2023-01-01",
                    status=status,
                )
            ],
        )

    monitored("H1", w.pid(1))
    person(w, w.pid(1), "H1", "HEAD")
    person(w, w.pid(2), "H1", "CHILD")
    vehicle(w, "CAR1", w.pid(2), price=150_000)  # hit (car)
    monitored("H2", w.pid(3))
    person(w, w.pid(3), "H2", "HEAD")
    vehicle(w, "CAR2", w.pid(3), price=90_000)  # cheap car: miss
    vehicle(w, "CAR3", w.pid(3), price=200_000, vtype="TRUCK")  # not a car: miss
    monitored("H3", w.pid(4))
    person(w, w.pid(4), "H3", "HEAD")
    enterprise(w, w.uscc(1), w.pid(4))  # hit (enterprise)
    monitored("H4", w.pid(5))
    person(w, w.pid(5), "H4", "HEAD")
    w.put(
        w.db,
        "taxation.individual_income",
        [
            dict(id_no=w.pid(5), tax_year=2023, total_income=120_000, tax_paid=1),  # hit (income)
            dict(id_no=w.pid(6), tax_year=2022, total_income=500_000, tax_paid=1),
            dict(id_no=w.pid(6), tax_year=2023, total_income=20_000, tax_paid=1),  # old year only: miss
        ],
    )
    monitored("H5", w.pid(6))
    person(w, w.pid(6), "H5", "HEAD")
    monitored("H6", w.pid(7), status="RISK_REMOVED")
    person(w, w.pid(7), "H6", "HEAD")
    vehicle(w, "CAR4", w.pid(7), price=300_000)  # not monitored: miss
    rows = w.run_model(w.db, "RV02", AS_OF)
    check_shape(rows)
    assert hits(rows, "household") == {"H1", "H3", "H4"}
    assert keys(rows) == {"car:CAR1", f"enterprise:{w.uscc(1)}", f"income:{w.pid(5)}:2023"}
