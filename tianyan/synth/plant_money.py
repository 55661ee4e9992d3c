"""Planted cases about money flows: village collective contracts and ledger, procurement,
treasury payments, complaints and audit, transport subsidies and rural revitalization."""

from __future__ import annotations

import numpy as np

from tianyan.synth.civil import unit_leader
from tianyan.synth.ids import FULLWIDTH, LEGACY15, LOWER_X, dirtied
from tianyan.synth.plant import Planter
from tianyan.synth.plant_tenders import bid, firm, ordinary_tender, procurement_contract, rival, tender
from tianyan.synth.rural import RATE, district_factor


# ---- village collective -----------------------------------------------------------------------
def _village_head(planter: Planter, village: str) -> str:
    vi = list(planter.city.vil_code).index(village)
    return str(planter.city.pid[unit_leader(planter.city)[planter.city.village_unit[vi]]])


def _district_rent_per_mu(planter: Planter, village: str) -> float:
    """Yearly rent per mu of farmland in the village's district (the background's centre)."""
    vi = list(planter.city.vil_code).index(village)
    return RATE["FARMLAND"] / 100 * float(district_factor(np.array([planter.city.vil_district[vi]]))[0])


def _lease_contract(planter: Planter, village: str, kind: str, cp: str, rent: float, years: int = 5,
                    award: str = "NEGOTIATED", sign: int = -200, ratio: float = 1.0) -> None:
    """A farmland lease; area is chosen so that rent per mu = ratio x the district's standard."""
    area = rent / (_district_rent_per_mu(planter, village) * ratio)
    aid = f"ZCP{planter.serial():06d}"
    planter.add("agriculture.collective_assets", -800, asset_id=aid, village_code=village, asset_type="FARMLAND",
                area=f"{area:.2f}", book_value="100000.00")
    start = sign + 10
    planter.add("agriculture.collective_contracts", sign, contract_id=f"HTP{planter.serial():06d}", village_code=village, asset_id=aid,
                counterparty_kind=kind, counterparty_id=cp, annual_rent=f"{rent:.2f}", area=f"{area:.2f}",
                start_date=planter.date(start), end_date=planter.date(start + years * 365 + years // 4), award_method=award,
                sign_date=planter.date(sign), signer_id_no=_village_head(planter, village))


def _ledger(planter: Planter, village: str, amount: float, kind=None, cp=None, category="OTHER", method="BANK",
            day: int = -60, direction: str = "OUT") -> None:
    planter.add("agriculture.collective_ledger", day, entry_id=f"LGP{planter.serial():06d}", village_code=village, entry_date=planter.date(day),
                direction=direction, amount=f"{amount:.2f}", counterparty_kind=kind, counterparty_id=cp, category=category,
                payment_method=method, approver_id_no=_village_head(planter, village))


def plant_vc01(planter: Planter) -> None:
    v1, v2, v3, v4 = planter.village(), planter.village(), planter.village(), planter.village()
    q = planter.village_official(v1)
    s = planter.wife(q, 45, married=-6000)
    _lease_contract(planter, v1, "PERSON", s, 10000)
    planter.answer("VC01", 1, v1, "farmland leased to the wife of a village cadre", kind="village")
    q = planter.village_official(v2)
    sib = planter.person(age=50)
    planter.declare(q, sib, "SIBLING")
    _lease_contract(planter, v2, "ORG", planter.enterprise(sib), 10000)
    planter.answer("VC01", 1, v2, "leased to an enterprise run by a cadre's declared sibling", kind="village")
    q = planter.village_official(v4)
    r = planter.person(age=50)
    planter.declare(q, r, "SIBLING")
    _lease_contract(planter, v3, "PERSON", r, 10000)
    planter.answer("VC01", 0, v3, "near-miss: relative of a cadre of another village", kind="village")


def plant_vc02(planter: Planter) -> None:
    d0 = [str(v) for v in planter.city.vil_code[planter.city.vil_district == 0]]
    peer, v1, v2, v3 = d0[1], d0[2], d0[3], d0[4]
    for _ in range(6):
        _lease_contract(planter, peer, "PERSON", planter.person(age=45, village=peer), 12000, award="PUBLIC_BIDDING")
    for v, ratio, exp in ((v1, 0.3, 1), (v2, 0.45, 1), (v3, 0.55, 0)):
        _lease_contract(planter, v, "PERSON", planter.person(age=45, village=v), 12000, award="PUBLIC_BIDDING", ratio=ratio)
        planter.answer("VC02", exp, v, f"farmland leased at {ratio} x the district median rent per mu"
                       + ("" if exp else " (near-miss)"), kind="village")


def plant_vc03(planter: Planter) -> None:
    for rent, award, exp in ((30000, "NEGOTIATED", 1), (22000, "DIRECT", 1), (30000, "PUBLIC_BIDDING", 0),
                             (15000, "DIRECT", 0)):
        v = planter.village()
        _lease_contract(planter, v, "PERSON", planter.person(age=45, village=v), rent, award=award)
        planter.answer("VC03", exp, v, f"5-year contract worth {rent * 5} awarded {award}" + ("" if exp else " (near-miss)"),
                       kind="village")


def plant_vc04(planter: Planter) -> None:
    for amount, method, exp in ((8000, "CASH", 1), (5000.01, "CASH", 1), (5000, "CASH", 0)):
        v = planter.village()
        _ledger(planter, v, amount, method=method)
        if not exp:
            _ledger(planter, v, 9000, method="BANK")
        planter.answer("VC04", exp, v, f"{method} payment of {amount}" + ("" if exp else " (near-miss; plus 9000 by bank)"),
                       kind="village")


def plant_vc05(planter: Planter) -> None:
    v1, v2, v3 = planter.village(), planter.village(), planter.village()
    q = planter.village_official(v1)
    _ledger(planter, v1, 2000, "PERSON", q, "SUBSIDY")
    planter.answer("VC05", 1, v1, "subsidy paid to a village cadre", kind="village")
    q = planter.village_official(v2)
    r = planter.person(age=50, village=v2)
    planter.declare(q, r, "SIBLING")
    _ledger(planter, v2, 3000, "PERSON", r, "SERVICE")
    planter.answer("VC05", 1, v2, "service fee paid to a cadre's declared sibling", kind="village")
    q = planter.village_official(v3)
    _ledger(planter, v3, 3500, "PERSON", q, "SALARY")
    planter.answer("VC05", 0, v3, "near-miss: the cadre's salary", kind="village")


def plant_vc06(planter: Planter) -> None:
    v = planter.village()
    x = planter.person(age=45, village=v)
    for sign in (-100, -90):
        _lease_contract(planter, v, "PERSON", x, 12000, sign=sign)
    planter.answer("VC06", 1, v, "two 60000 contracts with one villager 10 days apart", kind="village")
    v = planter.village()
    e = planter.enterprise(planter.person(age=45))
    for sign in (-100, -90, -81):
        _lease_contract(planter, v, "ORG", e, 8000, sign=sign)
    planter.answer("VC06", 1, v, "three 40000 contracts with one enterprise within 20 days", kind="village")
    v = planter.village()
    z = planter.person(age=45, village=v)
    for sign in (-200, -155):
        _lease_contract(planter, v, "PERSON", z, 12000, sign=sign)
    planter.answer("VC06", 0, v, "near-miss: the two contracts are 45 days apart", kind="village")


# ---- procurement -------------------------------------------------------------------------------
def plant_pr01(planter: Planter) -> None:
    u1, u2, u3 = planter.unit(), planter.unit(), planter.unit()
    o = planter.person(age=45)
    s = planter.wife(o, 43)
    planter.official(o, u1, "SECTION")
    e = planter.enterprise(s)
    procurement_contract(planter, u1, e, 80000)
    planter.answer("PR01", 1, e, "supplier run by the wife of an official of the buyer", kind="enterprise")
    o = planter.person(age=50)
    planter.official(o, u2, "DIVISION")
    c = planter.person(age=25)
    planter.declare(o, c, "CHILD")
    e = firm(planter)
    planter.ent_person(e, c, dirt=LEGACY15 if c[6:8] == "19" else FULLWIDTH)
    procurement_contract(planter, u2, e, 90000)
    planter.answer("PR01", 1, e, "supplier's shareholder is the declared child of a buyer official", kind="enterprise")
    o = planter.person(age=50)
    s = planter.wife(o, 48)
    planter.official(o, u3, "SECTION", start=-2000, end=-500)
    e = planter.enterprise(s)
    procurement_contract(planter, u3, e, 70000)
    planter.answer("PR01", 0, e, "near-miss: the official left the buyer unit before the contract", kind="enterprise")


def plant_pr02(planter: Planter) -> None:
    unit = planter.unit()
    for how in ("phone", "ip", "person", "none"):
        tid, dl = tender(planter, unit)
        a, b, c = firm(planter), firm(planter), firm(planter)
        shared_phone = "13800138000" if how == "phone" else None
        shared_ip = "192.168.7.7" if how == "ip" else None
        if how == "person":
            sh = planter.person(age=50)
            planter.ent_person(a, sh)
            planter.ent_person(b, sh, dirt=FULLWIDTH)
        second = rival(planter, 900_000)
        bid(planter, tid, dl, a, 900_000, "WON", phone=shared_phone, ip=shared_ip)
        bid(planter, tid, dl, b, second, phone=shared_phone, ip=shared_ip)
        bid(planter, tid, dl, c, round(second * 1.02, 2))
        planter.answer("PR02", 0 if how == "none" else 1, tid,
                       "near-miss: three independent bidders" if how == "none" else f"two bidders share {how}",
                       kind="tender")


def plant_pr03(planter: Planter) -> None:
    unit = planter.unit()
    tid, dl = tender(planter, unit)
    bid(planter, tid, dl, firm(planter), 900_000, "WON")
    planter.answer("PR03", 1, tid, "open tender with a single bid", kind="tender")
    tid, dl = tender(planter, planter.unit())  # its own buyer: 2 of 3 bids disqualified is not the buyer's habit (PR15)
    bid(planter, tid, dl, firm(planter), 900_000, "WON")
    bid(planter, tid, dl, firm(planter), 850_000, "DISQUALIFIED")
    bid(planter, tid, dl, firm(planter), 860_000, "DISQUALIFIED")
    planter.answer("PR03", 1, tid, "open tender: three bids, two disqualified", kind="tender")
    tid, dl = tender(planter, unit, method="INVITED")
    bid(planter, tid, dl, firm(planter), 900_000, "WON")
    planter.answer("PR03", 0, tid, "near-miss: invited tender with one bid", kind="tender")
    tid = ordinary_tender(planter, unit, n_valid=2)
    planter.answer("PR03", 0, tid, "near-miss: open tender with two valid bids", kind="tender")


def plant_pr04(planter: Planter) -> None:
    unit = planter.unit()
    for signs, amount, exp in (((-100, -90), 120_000, 1), ((-100, -88, -76), 80_000, 1), ((-200, -160), 120_000, 0)):
        e = firm(planter)
        for s in signs:
            procurement_contract(planter, unit, e, amount, sign=s)
        planter.answer("PR04", exp, e, f"{len(signs)} direct contracts of {amount} within {signs[-1] - signs[0]} days"
                       + ("" if exp else " (near-miss, window 30)"), kind="enterprise")


def plant_pr05(planter: Planter) -> None:
    unit = planter.unit()
    for age_days, exp in ((30, 1), (89, 1), (90, 0)):
        tid, dl = tender(planter, unit, publish=-200)
        young = firm(planter, est=-200 - age_days)
        bid(planter, tid, dl, young, 900_000, "WON")
        bid(planter, tid, dl, firm(planter), rival(planter, 900_000))
        planter.answer("PR05", exp, young, f"winner founded {age_days} days before publication", kind="enterprise")
    tid, dl = tender(planter, unit, publish=-200)
    bid(planter, tid, dl, firm(planter), 900_000, "WON")
    loser = firm(planter, est=-210)
    bid(planter, tid, dl, loser, rival(planter, 900_000))
    planter.answer("PR05", 0, loser, "near-miss: the young bidder lost", kind="enterprise")


def plant_pr06(planter: Planter) -> None:
    unit = planter.unit()
    for won, exp in ((995_000, 1), (990_000, 1), (989_999, 0)):
        tid, dl = tender(planter, unit)
        bid(planter, tid, dl, firm(planter), won, "WON")
        bid(planter, tid, dl, firm(planter), rival(planter, won))
        planter.answer("PR06", exp, tid, f"winning bid {won} of budget 1000000", kind="tender")


def plant_pr07(planter: Planter) -> None:
    unit = planter.unit()
    for method, span, exp in (("OPEN", 15, 1), ("OPEN", 19, 1), ("OPEN", 20, 0), ("INQUIRY", 5, 0)):
        tid = ordinary_tender(planter, unit, method=method, span=span)
        planter.answer("PR07", exp, tid, f"{method} tender with a {span}-day bidding period", kind="tender")


def plant_pr08(planter: Planter) -> None:
    unit = planter.unit()
    for status, sdate, sign, exp in (("REVOKED", -200, -100, 1), ("CANCELLED", -50, -50, 1), ("REVOKED", -30, -60, 0)):
        e = firm(planter, status=status, sdate=sdate)
        procurement_contract(planter, unit, e, 50000, sign=sign)
        planter.answer("PR08", exp, e, f"contract on day {sign} with a supplier {status} on day {sdate}", kind="enterprise")


# ---- treasury ---------------------------------------------------------------------------------------
def _fiscal_payment(planter: Planter, unit: str, kind: str, payee: str, amount: float, day: int, purpose: str = "咨询服务费") -> None:
    planter.add("finance.fiscal_payments", day, payment_id=f"FPP{planter.serial():06d}", budget_unit_code=unit, payee_kind=kind,
                payee_id=payee, payee_name="植入收款人", payee_account=f"6222{planter.counter:012d}", amount=f"{amount:.2f}",
                pay_date=planter.date(day), purpose=purpose, project_code=None, changed_at=planter.cal.t(day))


def plant_fi01(planter: Planter) -> None:
    for kind, gap, exp in (("ORG", 3, 1), ("PERSON", 6, 1), ("ORG", 7, 0)):
        unit = planter.unit()
        payee = firm(planter) if kind == "ORG" else planter.person(age=40)
        amount = 12345.67 + planter.counter
        _fiscal_payment(planter, unit, kind, payee, amount, -100)
        _fiscal_payment(planter, unit, kind, payee, amount, -100 + gap)
        planter.answer("FI01", exp, unit, f"same payee, amount and purpose {gap} days apart", kind="unit")


def plant_fi02(planter: Planter) -> None:
    unit = planter.unit()
    for status, sdate, pay, exp in (("REVOKED", -100, -50, 1), ("CANCELLED", -30, -29, 1), ("REVOKED", -40, -40, 0)):
        e = firm(planter, status=status, sdate=sdate)
        _fiscal_payment(planter, unit, "ORG", e, 20000 + planter.counter, pay)
        planter.answer("FI02", exp, e, f"paid on day {pay}, {status} on day {sdate}", kind="enterprise")


def plant_fi03(planter: Planter) -> None:
    u1, u2, u3, u4 = planter.unit(), planter.unit(), planter.unit(), planter.unit()
    o = planter.person(age=45)
    s = planter.wife(o, 43)
    planter.official(o, u1, "SECTION")
    e = planter.enterprise(s)
    _fiscal_payment(planter, u1, "ORG", e, 30000.5, -80)
    planter.answer("FI03", 1, e, "payee run by the wife of an official of the paying unit", kind="enterprise")
    o = planter.person(age=50)
    planter.official(o, u2, "DIVISION")
    sib = planter.person(age=47)
    planter.declare(o, sib, "SIBLING")
    e = firm(planter)
    planter.ent_person(e, sib, dirt=LOWER_X if sib.endswith("X") else LEGACY15)
    _fiscal_payment(planter, u2, "ORG", e, 40000.5, -80)
    planter.answer("FI03", 1, e, "payee's shareholder is an official's declared sibling", kind="enterprise")
    o = planter.person(age=50)
    planter.official(o, u4, "SECTION")
    sib = planter.person(age=47)
    planter.declare(o, sib, "SIBLING")
    e = planter.enterprise(sib)
    _fiscal_payment(planter, u3, "ORG", e, 50000.5, -80)
    planter.answer("FI03", 0, e, "near-miss: linked to an official of another unit", kind="enterprise")


# ---- complaints and audit ----------------------------------------------------------------------------
def _complaint(planter: Planter, day: int, unit: str | None = None, person: str | None = None, status: str = "OPEN",
               dirt: str | None = None) -> None:
    planter.add("discipline.complaints", day, complaint_id=f"XFP{planter.serial():06d}", received_date=planter.date(day), channel="QR_CODE",
                subject_unit_code=unit, subject_id_no=dirtied(person, dirt) if person else None, category="作风问题",
                region_code=str(planter.city.vil_code[0]), status=status,
                closed_date=planter.date(day + 1) if status == "CLOSED" else None)


def plant_ca01(planter: Planter) -> None:
    u = planter.unit()
    for d in (-50, -30, -10):
        _complaint(planter, d, unit=u)
    planter.answer("CA01", 1, u, "three open complaints within 90 days", kind="unit")
    p = planter.person(age=50)
    for j, d in enumerate((-80, -60, -40)):
        _complaint(planter, d, person=p, status="IN_PROGRESS", dirt=FULLWIDTH if j == 0 else None)
    planter.answer("CA01", 1, p, "three unresolved complaints about one person", kind="person")
    u = planter.unit()
    for d, st in ((-50, "OPEN"), (-30, "CLOSED"), (-10, "OPEN")):
        _complaint(planter, d, unit=u, status=st)
    planter.answer("CA01", 0, u, "near-miss: one of the three complaints is closed", kind="unit")


def plant_ca02(planter: Planter) -> None:
    for last, before, exp in ((6, 2, 1), (5, 0, 1), (6, 4, 0)):
        u = planter.unit()
        for k in range(last):
            _complaint(planter, -85 + 14 * k, unit=u, status="CLOSED")
        for k in range(before):
            _complaint(planter, -175 + 20 * k, unit=u, status="CLOSED")
        planter.answer("CA02", exp, u, f"{last} complaints in the last 90 days vs {before} before", kind="unit")


def plant_ca03(planter: Planter) -> None:
    def finding(unit, status, due):
        planter.add("audit.findings", -200, finding_id=f"SJP{planter.serial():05d}", audited_unit_code=unit,
                    audit_year=str(planter.ctx.as_of.year - 1), category="违规发放津补贴", amount="50000.00",
                    description="植入审计发现", rectification_status=status, due_date=planter.date(due))

    for status, due in (("OPEN", -30), ("IN_PROGRESS", -1)):
        u = planter.unit()
        finding(u, status, due)
        planter.answer("CA03", 1, u, f"{status} finding due {-due} days ago", kind="unit")
    u = planter.unit()
    finding(u, "OPEN", 0)
    finding(u, "RECTIFIED", -100)
    planter.answer("CA03", 0, u, "near-miss: open finding due on the as-of date; an overdue one was rectified", kind="unit")


# ---- transport ---------------------------------------------------------------------------------------
def _transport_subsidy(planter: Planter, plate: str, kind: str, recipient: str, day: int) -> None:
    planter.add("transport.operating_subsidies", day, payment_id=f"JTP{planter.serial():05d}", plate_no=plate, recipient_kind=kind,
                recipient_id=recipient, subsidy_year=str(planter.ctx.as_of.year - (1 if day < planter.cal.off(
              planter.ctx.as_of.replace(month=1, day=1)) else 0)), amount="8000.00", pay_date=planter.date(day))


def plant_tr01(planter: Planter) -> None:
    for status, sdate, pay, exp in (("SCRAPPED", -200, -100, 1), ("DEREGISTERED", -60, -59, 1),
                                    ("SCRAPPED", -30, -30, 0)):
        owner = planter.person(age=45)
        plate = planter.car(owner, 100000, reg=-1500, status=status, sdate=sdate)
        _transport_subsidy(planter, plate, "PERSON", owner, pay)
        planter.answer("TR01", exp, plate, f"subsidy on day {pay}, {status} on day {sdate}", kind="vehicle")


def plant_tr02(planter: Planter) -> None:
    owner = planter.person(age=45)
    plate = planter.car(owner, 100000, reg=-1500)
    _transport_subsidy(planter, plate, "PERSON", planter.person(age=40), -100)
    planter.answer("TR02", 1, plate, "taxi subsidy paid to someone else", kind="vehicle")
    e = firm(planter)
    plate = planter.car(e, 500000, "LARGE_CAR", reg=-1500, kind="ORG")
    _transport_subsidy(planter, plate, "ORG", firm(planter), -100)
    planter.answer("TR02", 1, plate, "bus subsidy paid to another company", kind="vehicle")
    owner = planter.person(age=45)
    plate = planter.car(owner, 100000, reg=-1500)
    _transport_subsidy(planter, plate, "PERSON", owner, -100)
    planter.answer("TR02", 0, plate, "near-miss: paid to the owner", kind="vehicle")


# ---- rural revitalization ------------------------------------------------------------------------------
def _project(planter: Planter, region: str, contractor: str, approver: str) -> None:
    planter.add("rural_revitalization.projects", -300, project_id=f"XCP{planter.serial():04d}", region_code=region,
                fund_amount="800000.00", contractor_uscc=contractor, approver_id_no=approver, start_date=planter.date(-300),
                status="ONGOING")


def plant_rv01(planter: Planter) -> None:
    town = planter.unit("TOWNSHIP")
    a = planter.person(age=50)
    s = planter.wife(a, 48, married=-6000)
    planter.official(a, town, "DIVISION")
    e = planter.enterprise(s)
    _project(planter, planter.village(), e, a)
    planter.answer("RV01", 1, e, "contractor run by the approver's wife", kind="enterprise")
    clean = planter.person(age=50)
    planter.official(clean, town, "SECTION")
    v = planter.village()
    q = planter.village_official(v)
    e = firm(planter)
    planter.ent_person(e, q, dirt=FULLWIDTH)
    _project(planter, v, e, clean)
    planter.answer("RV01", 1, e, "a village cadre of the project village holds shares in the contractor", kind="enterprise")
    v, w = planter.village(), planter.village()
    q = planter.village_official(w)
    e = planter.enterprise(q)
    _project(planter, v, e, clean)
    planter.answer("RV01", 0, e, "near-miss: contractor run by a cadre of another village", kind="enterprise")


def plant_rv02(planter: Planter) -> None:
    y = planter.ctx.as_of.year - 1

    def household(status="MONITORED", dirt=None):
        h = planter.person(age=50)
        m = planter.person(age=24, with_of=h, rel="CHILD")
        planter.add("rural_revitalization.monitored_households", -500, household_id=planter.households[h],
                    head_id_no=dirtied(h, dirt), region_code=planter.village_of[h], risk_type="因病", start_date=planter.date(-500),
                    status=status)
        return h, m

    h, m = household()
    planter.car(m, 120000)
    planter.answer("RV02", 1, planter.households[h], "monitored household owns a 120000 car", kind="household")
    h, m = household(dirt=LEGACY15)
    planter.enterprise(m)
    planter.answer("RV02", 1, planter.households[h], "a member runs an active enterprise", kind="household")
    h, m = household()
    planter.income(m, y, 150000)
    planter.answer("RV02", 1, planter.households[h], "a member earned 150000 in the latest tax year", kind="household")
    h, m = household(status="RISK_REMOVED")
    planter.car(m, 150000)
    planter.answer("RV02", 0, planter.households[h], "near-miss: risk removed", kind="household")
    h, m = household()
    planter.income(m, y - 1, 150000)
    planter.income(m, y, 50000)
    planter.ent_person(firm(planter), m)
    planter.answer("RV02", 0, planter.households[h], "near-miss: high income only in an earlier year; shareholder, not legal rep",
                   kind="household")


# The cases in the order plant.plant_all plants them (it fixes every planted id): a new case goes at the end.
CASES = (plant_ca01, plant_ca02, plant_ca03, plant_fi01, plant_fi02, plant_fi03, plant_pr01, plant_pr02,
         plant_pr03, plant_pr04, plant_pr05, plant_pr06, plant_pr07, plant_pr08, plant_rv01, plant_rv02,
         plant_tr01, plant_tr02, plant_vc01, plant_vc02, plant_vc03, plant_vc04, plant_vc05, plant_vc06)
