"""Planted cases about money flows: village collective contracts and ledger, procurement,
treasury payments, complaints and audit, transport subsidies and rural revitalization."""

from __future__ import annotations

import numpy as np

from tianyan.synth.civil import unit_leader
from tianyan.synth.plant import Planter
from tianyan.synth.plant_people import D15, FW, LOW, P_d
from tianyan.synth.rural import RATE, district_factor


# ---- village collective -----------------------------------------------------------------------
def _leader(P: Planter, village: str) -> str:
    vi = list(P.city.vil_code).index(village)
    return str(P.city.pid[unit_leader(P.city)[P.city.village_unit[vi]]])


def _std_rate(P: Planter, village: str) -> float:
    """Yearly rent per mu of farmland in the village's district (the background's centre)."""
    vi = list(P.city.vil_code).index(village)
    return RATE["FARMLAND"] / 100 * float(district_factor(np.array([P.city.vil_district[vi]]))[0])


def _contract(P: Planter, village: str, kind: str, cp: str, rent: float, years: int = 5,
              award: str = "NEGOTIATED", sign: int = -200, ratio: float = 1.0) -> None:
    """A farmland lease; area is chosen so that rent per mu = ratio x the district's standard."""
    area = rent / (_std_rate(P, village) * ratio)
    aid = f"ZCP{P.n():06d}"
    P.add("agriculture.collective_assets", -800, asset_id=aid, village_code=village, asset_type="FARMLAND",
          area=f"{area:.2f}", book_value="100000.00")
    start = sign + 10
    P.add("agriculture.collective_contracts", sign, contract_id=f"HTP{P.n():06d}", village_code=village, asset_id=aid,
          counterparty_kind=kind, counterparty_id=cp, annual_rent=f"{rent:.2f}", area=f"{area:.2f}",
          start_date=P.d(start), end_date=P.d(start + years * 365 + years // 4), award_method=award,
          sign_date=P.d(sign), signer_id_no=_leader(P, village))


def _ledger(P: Planter, village: str, amount: float, kind=None, cp=None, category="OTHER", method="BANK",
            day: int = -60, direction: str = "OUT") -> None:
    P.add("agriculture.collective_ledger", day, entry_id=f"LGP{P.n():06d}", village_code=village, entry_date=P.d(day),
          direction=direction, amount=f"{amount:.2f}", counterparty_kind=kind, counterparty_id=cp, category=category,
          payment_method=method, approver_id_no=_leader(P, village))


def plant_vc01(P: Planter) -> None:
    v1, v2, v3, v4 = P.village(), P.village(), P.village(), P.village()
    q = P.village_official(v1)
    s = P.person(age=45, male=False, with_of=q, rel="SPOUSE")
    P.marry(q, s, -6000)
    P.declare(q, s, "SPOUSE")
    _contract(P, v1, "PERSON", s, 10000)
    P.answer("VC01", 1, v1, "farmland leased to the wife of a village cadre", kind="village")
    q = P.village_official(v2)
    sib = P.person(age=50)
    P.declare(q, sib, "SIBLING")
    _contract(P, v2, "ORG", P.enterprise(sib), 10000)
    P.answer("VC01", 1, v2, "leased to an enterprise run by a cadre's declared sibling", kind="village")
    q = P.village_official(v4)
    r = P.person(age=50)
    P.declare(q, r, "SIBLING")
    _contract(P, v3, "PERSON", r, 10000)
    P.answer("VC01", 0, v3, "near-miss: relative of a cadre of another village", kind="village")


def plant_vc02(P: Planter) -> None:
    d0 = [str(v) for v in P.city.vil_code[P.city.vil_district == 0]]
    peer, v1, v2, v3 = d0[1], d0[2], d0[3], d0[4]
    for _ in range(6):
        _contract(P, peer, "PERSON", P.person(age=45, village=peer), 12000, award="PUBLIC_BIDDING")
    for v, ratio, exp in ((v1, 0.3, 1), (v2, 0.45, 1), (v3, 0.55, 0)):
        _contract(P, v, "PERSON", P.person(age=45, village=v), 12000, award="PUBLIC_BIDDING", ratio=ratio)
        P.answer("VC02", exp, v, f"farmland leased at {ratio} x the district median rent per mu"
                 + ("" if exp else " (near-miss)"), kind="village")


def plant_vc03(P: Planter) -> None:
    for rent, award, exp in ((30000, "NEGOTIATED", 1), (22000, "DIRECT", 1), (30000, "PUBLIC_BIDDING", 0),
                             (15000, "DIRECT", 0)):
        v = P.village()
        _contract(P, v, "PERSON", P.person(age=45, village=v), rent, award=award)
        P.answer("VC03", exp, v, f"5-year contract worth {rent * 5} awarded {award}" + ("" if exp else " (near-miss)"),
                 kind="village")


def plant_vc04(P: Planter) -> None:
    for amount, method, exp in ((8000, "CASH", 1), (5000.01, "CASH", 1), (5000, "CASH", 0)):
        v = P.village()
        _ledger(P, v, amount, method=method)
        if not exp:
            _ledger(P, v, 9000, method="BANK")
        P.answer("VC04", exp, v, f"{method} payment of {amount}" + ("" if exp else " (near-miss; plus 9000 by bank)"),
                 kind="village")


def plant_vc05(P: Planter) -> None:
    v1, v2, v3 = P.village(), P.village(), P.village()
    q = P.village_official(v1)
    _ledger(P, v1, 2000, "PERSON", q, "SUBSIDY")
    P.answer("VC05", 1, v1, "subsidy paid to a village cadre", kind="village")
    q = P.village_official(v2)
    r = P.person(age=50, village=v2)
    P.declare(q, r, "SIBLING")
    _ledger(P, v2, 3000, "PERSON", r, "SERVICE")
    P.answer("VC05", 1, v2, "service fee paid to a cadre's declared sibling", kind="village")
    q = P.village_official(v3)
    _ledger(P, v3, 3500, "PERSON", q, "SALARY")
    P.answer("VC05", 0, v3, "near-miss: the cadre's salary", kind="village")


def plant_vc06(P: Planter) -> None:
    v = P.village()
    x = P.person(age=45, village=v)
    for sign in (-100, -90):
        _contract(P, v, "PERSON", x, 12000, sign=sign)
    P.answer("VC06", 1, v, "two 60000 contracts with one villager 10 days apart", kind="village")
    v = P.village()
    e = P.enterprise(P.person(age=45))
    for sign in (-100, -90, -81):
        _contract(P, v, "ORG", e, 8000, sign=sign)
    P.answer("VC06", 1, v, "three 40000 contracts with one enterprise within 20 days", kind="village")
    v = P.village()
    z = P.person(age=45, village=v)
    for sign in (-200, -155):
        _contract(P, v, "PERSON", z, 12000, sign=sign)
    P.answer("VC06", 0, v, "near-miss: the two contracts are 45 days apart", kind="village")


# ---- procurement -------------------------------------------------------------------------------
def _pcontract(P: Planter, unit: str, supplier: str, amount: float, sign: int = -100, tender: str | None = None) -> None:
    P.add("public_resources.contracts", sign, contract_id=f"HTPP{P.n():05d}", tender_id=tender, buyer_unit_code=unit,
          supplier_uscc=supplier, amount=f"{amount:.2f}", sign_date=P.d(sign), signer_id_no=None)


def _tender(P: Planter, unit: str, method: str = "OPEN", publish: int = -200, span: int = 25,
            budget: float = 1_000_000) -> tuple[str, int]:
    tid = f"ZBP{P.n():05d}"
    P.add("public_resources.tenders", publish, tender_id=tid, buyer_unit_code=unit, title="植入采购项目",
          category="GOODS", method=method, budget_amount=f"{budget:.2f}", publish_date=P.d(publish),
          bid_deadline=P.d(publish + span), region_code=str(P.city.districts[0]) + "000000")
    return tid, publish + span


def _bid(P: Planter, tid: str, deadline: int, supplier: str, amount: float, result: str = "LOST",
         phone: str | None = None, ip: str | None = None) -> None:
    k = P.n()
    P.add("public_resources.bids", deadline, tender_id=tid, bidder_uscc=supplier, bid_amount=f"{amount:.2f}",
          submitted_at=P.cal.t(deadline - 1, f"10:{k % 60:02d}:00"), contact_phone=phone or f"1390000{k:04d}",
          submit_ip=ip or f"172.16.{k // 256 % 256}.{k % 256}", result=result)


def _firm(P: Planter, est: int = -3000, **kw) -> str:
    return P.enterprise(P.person(age=45), est=est, **kw)


def _gap(P: Planter) -> float:
    """A bid gap inside the background's band [0.04, 0.08] (PR09/PR10 compare every tender's gap to the city's),
    spread evenly over [0.045, 0.075] so that the planted tenders do not pile up on one value."""
    return 0.045 + 0.03 * ((P.n() * 0.6180339887) % 1)


def _rival(P: Planter, won: float, j: int = 0) -> float:
    """The j-th losing bid above a winning bid: the first at an in-band gap, the next 2% apart."""
    return round(won * (1 + _gap(P)) * (1.02 ** j), 2)


def _std_tender(P: Planter, unit: str, method="OPEN", span=25, n_valid=3, won=900_000.0, budget=1_000_000.0,
                publish=-200) -> str:
    tid, dl = _tender(P, unit, method, publish=publish, span=span, budget=budget)
    _bid(P, tid, dl, _firm(P), won, "WON")
    first = _rival(P, won)
    for j in range(n_valid - 1):
        _bid(P, tid, dl, _firm(P), round(first * 1.02 ** j, 2))
    return tid


def plant_pr01(P: Planter) -> None:
    u1, u2, u3 = P.unit(), P.unit(), P.unit()
    o = P.person(age=45)
    s = P.person(age=43, male=False, with_of=o, rel="SPOUSE")
    P.marry(o, s, -5000)
    P.official(o, u1, "SECTION")
    P.declare(o, s, "SPOUSE")
    e = P.enterprise(s)
    _pcontract(P, u1, e, 80000)
    P.answer("PR01", 1, e, "supplier run by the wife of an official of the buyer", kind="enterprise")
    o = P.person(age=50)
    P.official(o, u2, "DIVISION")
    c = P.person(age=25)
    P.declare(o, c, "CHILD")
    e = _firm(P)
    P.ent_person(e, c, dirt=D15 if c[6:8] == "19" else FW)
    _pcontract(P, u2, e, 90000)
    P.answer("PR01", 1, e, "supplier's shareholder is the declared child of a buyer official", kind="enterprise")
    o = P.person(age=50)
    s = P.person(age=48, male=False, with_of=o, rel="SPOUSE")
    P.marry(o, s, -5000)
    P.official(o, u3, "SECTION", start=-2000, end=-500)
    P.declare(o, s, "SPOUSE")
    e = P.enterprise(s)
    _pcontract(P, u3, e, 70000)
    P.answer("PR01", 0, e, "near-miss: the official left the buyer unit before the contract", kind="enterprise")


def plant_pr02(P: Planter) -> None:
    unit = P.unit()
    for how in ("phone", "ip", "person", "none"):
        tid, dl = _tender(P, unit)
        a, b, c = _firm(P), _firm(P), _firm(P)
        shared_phone = "13800138000" if how == "phone" else None
        shared_ip = "192.168.7.7" if how == "ip" else None
        if how == "person":
            sh = P.person(age=50)
            P.ent_person(a, sh)
            P.ent_person(b, sh, dirt=FW)
        second = _rival(P, 900_000)
        _bid(P, tid, dl, a, 900_000, "WON", phone=shared_phone, ip=shared_ip)
        _bid(P, tid, dl, b, second, phone=shared_phone, ip=shared_ip)
        _bid(P, tid, dl, c, round(second * 1.02, 2))
        P.answer("PR02", 0 if how == "none" else 1, tid,
                 "near-miss: three independent bidders" if how == "none" else f"two bidders share {how}",
                 kind="tender")


def plant_pr03(P: Planter) -> None:
    unit = P.unit()
    tid, dl = _tender(P, unit)
    _bid(P, tid, dl, _firm(P), 900_000, "WON")
    P.answer("PR03", 1, tid, "open tender with a single bid", kind="tender")
    tid, dl = _tender(P, P.unit())  # its own buyer: 2 of 3 bids disqualified is not the buyer's habit (PR15)
    _bid(P, tid, dl, _firm(P), 900_000, "WON")
    _bid(P, tid, dl, _firm(P), 850_000, "DISQUALIFIED")
    _bid(P, tid, dl, _firm(P), 860_000, "DISQUALIFIED")
    P.answer("PR03", 1, tid, "open tender: three bids, two disqualified", kind="tender")
    tid, dl = _tender(P, unit, method="INVITED")
    _bid(P, tid, dl, _firm(P), 900_000, "WON")
    P.answer("PR03", 0, tid, "near-miss: invited tender with one bid", kind="tender")
    tid = _std_tender(P, unit, n_valid=2)
    P.answer("PR03", 0, tid, "near-miss: open tender with two valid bids", kind="tender")


def plant_pr04(P: Planter) -> None:
    unit = P.unit()
    for signs, amount, exp in (((-100, -90), 120_000, 1), ((-100, -88, -76), 80_000, 1), ((-200, -160), 120_000, 0)):
        e = _firm(P)
        for s in signs:
            _pcontract(P, unit, e, amount, sign=s)
        P.answer("PR04", exp, e, f"{len(signs)} direct contracts of {amount} within {signs[-1] - signs[0]} days"
                 + ("" if exp else " (near-miss, window 30)"), kind="enterprise")


def plant_pr05(P: Planter) -> None:
    unit = P.unit()
    for age_days, exp in ((30, 1), (89, 1), (90, 0)):
        tid, dl = _tender(P, unit, publish=-200)
        young = _firm(P, est=-200 - age_days)
        _bid(P, tid, dl, young, 900_000, "WON")
        _bid(P, tid, dl, _firm(P), _rival(P, 900_000))
        P.answer("PR05", exp, young, f"winner founded {age_days} days before publication", kind="enterprise")
    tid, dl = _tender(P, unit, publish=-200)
    _bid(P, tid, dl, _firm(P), 900_000, "WON")
    loser = _firm(P, est=-210)
    _bid(P, tid, dl, loser, _rival(P, 900_000))
    P.answer("PR05", 0, loser, "near-miss: the young bidder lost", kind="enterprise")


def plant_pr06(P: Planter) -> None:
    unit = P.unit()
    for won, exp in ((995_000, 1), (990_000, 1), (989_999, 0)):
        tid, dl = _tender(P, unit)
        _bid(P, tid, dl, _firm(P), won, "WON")
        _bid(P, tid, dl, _firm(P), _rival(P, won))
        P.answer("PR06", exp, tid, f"winning bid {won} of budget 1000000", kind="tender")


def plant_pr07(P: Planter) -> None:
    unit = P.unit()
    for method, span, exp in (("OPEN", 15, 1), ("OPEN", 19, 1), ("OPEN", 20, 0), ("INQUIRY", 5, 0)):
        tid = _std_tender(P, unit, method=method, span=span)
        P.answer("PR07", exp, tid, f"{method} tender with a {span}-day bidding period", kind="tender")


def plant_pr08(P: Planter) -> None:
    unit = P.unit()
    for status, sdate, sign, exp in (("REVOKED", -200, -100, 1), ("CANCELLED", -50, -50, 1), ("REVOKED", -30, -60, 0)):
        e = _firm(P, status=status, sdate=sdate)
        _pcontract(P, unit, e, 50000, sign=sign)
        P.answer("PR08", exp, e, f"contract on day {sign} with a supplier {status} on day {sdate}", kind="enterprise")


# ---- treasury ---------------------------------------------------------------------------------------
def _fpay(P: Planter, unit: str, kind: str, payee: str, amount: float, day: int, purpose: str = "咨询服务费") -> None:
    P.add("finance.fiscal_payments", day, payment_id=f"FPP{P.n():06d}", budget_unit_code=unit, payee_kind=kind,
          payee_id=payee, payee_name="植入收款人", payee_account=f"6222{P.counter:012d}", amount=f"{amount:.2f}",
          pay_date=P.d(day), purpose=purpose, project_code=None, changed_at=P.cal.t(day))


def plant_fi01(P: Planter) -> None:
    for kind, gap, exp in (("ORG", 3, 1), ("PERSON", 6, 1), ("ORG", 7, 0)):
        unit = P.unit()
        payee = _firm(P) if kind == "ORG" else P.person(age=40)
        amount = 12345.67 + P.counter
        _fpay(P, unit, kind, payee, amount, -100)
        _fpay(P, unit, kind, payee, amount, -100 + gap)
        P.answer("FI01", exp, unit, f"same payee, amount and purpose {gap} days apart", kind="unit")


def plant_fi02(P: Planter) -> None:
    unit = P.unit()
    for status, sdate, pay, exp in (("REVOKED", -100, -50, 1), ("CANCELLED", -30, -29, 1), ("REVOKED", -40, -40, 0)):
        e = _firm(P, status=status, sdate=sdate)
        _fpay(P, unit, "ORG", e, 20000 + P.counter, pay)
        P.answer("FI02", exp, e, f"paid on day {pay}, {status} on day {sdate}", kind="enterprise")


def plant_fi03(P: Planter) -> None:
    u1, u2, u3, u4 = P.unit(), P.unit(), P.unit(), P.unit()
    o = P.person(age=45)
    s = P.person(age=43, male=False, with_of=o, rel="SPOUSE")
    P.marry(o, s, -5000)
    P.official(o, u1, "SECTION")
    P.declare(o, s, "SPOUSE")
    e = P.enterprise(s)
    _fpay(P, u1, "ORG", e, 30000.5, -80)
    P.answer("FI03", 1, e, "payee run by the wife of an official of the paying unit", kind="enterprise")
    o = P.person(age=50)
    P.official(o, u2, "DIVISION")
    sib = P.person(age=47)
    P.declare(o, sib, "SIBLING")
    e = _firm(P)
    P.ent_person(e, sib, dirt=LOW if sib.endswith("X") else D15)
    _fpay(P, u2, "ORG", e, 40000.5, -80)
    P.answer("FI03", 1, e, "payee's shareholder is an official's declared sibling", kind="enterprise")
    o = P.person(age=50)
    P.official(o, u4, "SECTION")
    sib = P.person(age=47)
    P.declare(o, sib, "SIBLING")
    e = P.enterprise(sib)
    _fpay(P, u3, "ORG", e, 50000.5, -80)
    P.answer("FI03", 0, e, "near-miss: linked to an official of another unit", kind="enterprise")


# ---- complaints and audit ----------------------------------------------------------------------------
def _complaint(P: Planter, day: int, unit: str | None = None, person: str | None = None, status: str = "OPEN",
               dirt: str | None = None) -> None:
    P.add("discipline.complaints", day, complaint_id=f"XFP{P.n():06d}", received_date=P.d(day), channel="QR_CODE",
          subject_unit_code=unit, subject_id_no=P_d(person, dirt) if person else None, category="作风问题",
          region_code=str(P.city.vil_code[0]), status=status,
          closed_date=P.d(day + 1) if status == "CLOSED" else None)


def plant_ca01(P: Planter) -> None:
    u = P.unit()
    for d in (-50, -30, -10):
        _complaint(P, d, unit=u)
    P.answer("CA01", 1, u, "three open complaints within 90 days", kind="unit")
    p = P.person(age=50)
    for j, d in enumerate((-80, -60, -40)):
        _complaint(P, d, person=p, status="IN_PROGRESS", dirt=FW if j == 0 else None)
    P.answer("CA01", 1, p, "three unresolved complaints about one person", kind="person")
    u = P.unit()
    for d, st in ((-50, "OPEN"), (-30, "CLOSED"), (-10, "OPEN")):
        _complaint(P, d, unit=u, status=st)
    P.answer("CA01", 0, u, "near-miss: one of the three complaints is closed", kind="unit")


def plant_ca02(P: Planter) -> None:
    for last, before, exp in ((6, 2, 1), (5, 0, 1), (6, 4, 0)):
        u = P.unit()
        for k in range(last):
            _complaint(P, -85 + 14 * k, unit=u, status="CLOSED")
        for k in range(before):
            _complaint(P, -175 + 20 * k, unit=u, status="CLOSED")
        P.answer("CA02", exp, u, f"{last} complaints in the last 90 days vs {before} before", kind="unit")


def plant_ca03(P: Planter) -> None:
    def finding(unit, status, due):
        P.add("audit.findings", -200, finding_id=f"SJP{P.n():05d}", audited_unit_code=unit,
              audit_year=str(P.ctx.as_of.year - 1), category="违规发放津补贴", amount="50000.00",
              description="植入审计发现", rectification_status=status, due_date=P.d(due))

    for status, due in (("OPEN", -30), ("IN_PROGRESS", -1)):
        u = P.unit()
        finding(u, status, due)
        P.answer("CA03", 1, u, f"{status} finding due {-due} days ago", kind="unit")
    u = P.unit()
    finding(u, "OPEN", 0)
    finding(u, "RECTIFIED", -100)
    P.answer("CA03", 0, u, "near-miss: open finding due on the as-of date; an overdue one was rectified", kind="unit")


# ---- transport ---------------------------------------------------------------------------------------
def _tsub(P: Planter, plate: str, kind: str, recipient: str, day: int) -> None:
    P.add("transport.operating_subsidies", day, payment_id=f"JTP{P.n():05d}", plate_no=plate, recipient_kind=kind,
          recipient_id=recipient, subsidy_year=str(P.ctx.as_of.year - (1 if day < P.cal.off(
              P.ctx.as_of.replace(month=1, day=1)) else 0)), amount="8000.00", pay_date=P.d(day))


def plant_tr01(P: Planter) -> None:
    for status, sdate, pay, exp in (("SCRAPPED", -200, -100, 1), ("DEREGISTERED", -60, -59, 1),
                                    ("SCRAPPED", -30, -30, 0)):
        owner = P.person(age=45)
        plate = P.car(owner, 100000, reg=-1500, status=status, sdate=sdate)
        _tsub(P, plate, "PERSON", owner, pay)
        P.answer("TR01", exp, plate, f"subsidy on day {pay}, {status} on day {sdate}", kind="vehicle")


def plant_tr02(P: Planter) -> None:
    owner = P.person(age=45)
    plate = P.car(owner, 100000, reg=-1500)
    _tsub(P, plate, "PERSON", P.person(age=40), -100)
    P.answer("TR02", 1, plate, "taxi subsidy paid to someone else", kind="vehicle")
    e = _firm(P)
    plate = P.car(e, 500000, "LARGE_CAR", reg=-1500, kind="ORG")
    _tsub(P, plate, "ORG", _firm(P), -100)
    P.answer("TR02", 1, plate, "bus subsidy paid to another company", kind="vehicle")
    owner = P.person(age=45)
    plate = P.car(owner, 100000, reg=-1500)
    _tsub(P, plate, "PERSON", owner, -100)
    P.answer("TR02", 0, plate, "near-miss: paid to the owner", kind="vehicle")


# ---- rural revitalization ------------------------------------------------------------------------------
def _project(P: Planter, region: str, contractor: str, approver: str) -> None:
    P.add("rural_revitalization.projects", -300, project_id=f"XCP{P.n():04d}", region_code=region,
          fund_amount="800000.00", contractor_uscc=contractor, approver_id_no=approver, start_date=P.d(-300),
          status="ONGOING")


def plant_rv01(P: Planter) -> None:
    town = P.unit("TOWNSHIP")
    a = P.person(age=50)
    s = P.person(age=48, male=False, with_of=a, rel="SPOUSE")
    P.marry(a, s, -6000)
    P.official(a, town, "DIVISION")
    P.declare(a, s, "SPOUSE")
    e = P.enterprise(s)
    _project(P, P.village(), e, a)
    P.answer("RV01", 1, e, "contractor run by the approver's wife", kind="enterprise")
    clean = P.person(age=50)
    P.official(clean, town, "SECTION")
    v = P.village()
    q = P.village_official(v)
    e = _firm(P)
    P.ent_person(e, q, dirt=FW)
    _project(P, v, e, clean)
    P.answer("RV01", 1, e, "a village cadre of the project village holds shares in the contractor", kind="enterprise")
    v, w = P.village(), P.village()
    q = P.village_official(w)
    e = P.enterprise(q)
    _project(P, v, e, clean)
    P.answer("RV01", 0, e, "near-miss: contractor run by a cadre of another village", kind="enterprise")


def plant_rv02(P: Planter) -> None:
    y = P.ctx.as_of.year - 1

    def household(status="MONITORED", dirt=None):
        h = P.person(age=50)
        m = P.person(age=24, with_of=h, rel="CHILD")
        P.add("rural_revitalization.monitored_households", -500, household_id=P.households[h],
              head_id_no=P_d(h, dirt), region_code=P.village_of[h], risk_type="因病", start_date=P.d(-500),
              status=status)
        return h, m

    h, m = household()
    P.car(m, 120000)
    P.answer("RV02", 1, P.households[h], "monitored household owns a 120000 car", kind="household")
    h, m = household(dirt=D15)
    P.enterprise(m)
    P.answer("RV02", 1, P.households[h], "a member runs an active enterprise", kind="household")
    h, m = household()
    P.income(m, y, 150000)
    P.answer("RV02", 1, P.households[h], "a member earned 150000 in the latest tax year", kind="household")
    h, m = household(status="RISK_REMOVED")
    P.car(m, 150000)
    P.answer("RV02", 0, P.households[h], "near-miss: risk removed", kind="household")
    h, m = household()
    P.income(m, y - 1, 150000)
    P.income(m, y, 50000)
    P.ent_person(_firm(P), m)
    P.answer("RV02", 0, P.households[h], "near-miss: high income only in an earlier year; shareholder, not legal rep",
             kind="household")
