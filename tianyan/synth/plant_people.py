"""Planted cases about people: social assistance, medical insurance, pensions and posts, special
groups, housing, officials' conduct, disaster relief and farm/forest subsidies.
Each function plants >= 2 positives (one with dirty identifiers) and >= 1 near-miss."""

from __future__ import annotations

import datetime as dt

from tianyan.synth.plant import Planter

D15, LOW, FW, SP = "legacy15", "lower_x", "fullwidth", "spaces"


# ---- social assistance ------------------------------------------------------------------
def plant_sa01(P: Planter) -> None:
    for i, (src, dirt) in enumerate(((("cert", "crem", "status"), None), (("status",), D15))):
        p = P.person(age=72, death=-150 - 20 * i, sources=src)
        P.enroll(p, start=-900)
        dm = P.cal.month_of(-150 - 20 * i)
        for mo in (dm - 1, dm, dm + 1, dm + 2):
            P.apay(p, mo, dirt=dirt if mo > dm else None)
        P.answer("SA01", 1, p, "DIBAO paid for two months after the month of death")
    p = P.person(age=75, death=-100, sources=("cert",))
    P.enroll(p, start=-900)
    dm = P.cal.month_of(-100)
    P.apay(p, dm - 1)
    P.apay(p, dm, pay=P.ms(dm) + 27)
    P.answer("SA01", 0, p, "near-miss: last payment is for the month of death")


def plant_sa02(P: Planter) -> None:
    for price, vtype, dirt in ((80000, "SMALL_CAR", None), (120000, "LARGE_CAR", FW)):
        p = P.person(age=50)
        s = P.person(age=48, male=False, with_of=p, rel="SPOUSE")
        P.enroll(p, dirt=dirt)
        P.car(s, price, vtype, reg=-300)
        P.answer("SA02", 1, p, f"household member owns a {vtype} bought for {price}")
    for price, vtype, note in ((49999.99, "SMALL_CAR", "car just under 50000"), (90000, "AGRICULTURAL", "farm vehicle")):
        p = P.person(age=50)
        P.enroll(p)
        P.car(p, price, vtype, reg=-300)
        P.answer("SA02", 0, p, f"near-miss: {note}")


def plant_sa03(P: Planter) -> None:
    for types, dirt in ((("RESIDENTIAL", "RESIDENTIAL"), None), (("COMMERCIAL",), SP)):
        p = P.person(age=55)
        c = P.person(age=25, with_of=p, rel="CHILD")
        P.enroll(p, dirt=dirt)
        for t in types:
            P.estate(c, t)
        P.answer("SA03", 1, p, "household owns " + " + ".join(types))
    p = P.person(age=55)
    P.enroll(p)
    P.estate(p, "RESIDENTIAL")
    P.estate(p, "RESIDENTIAL", status="TRANSFERRED")
    P.answer("SA03", 0, p, "near-miss: one active home, the second was transferred")


def plant_sa04(P: Planter) -> None:
    p = P.person(age=45)
    P.enroll(p)
    P.enterprise(p, capital=200_000)
    P.answer("SA04", 1, p, "recipient is legal rep of an active enterprise (capital 200000)")
    p = P.person(age=45)
    c = P.person(age=22, with_of=p, rel="CHILD")
    P.enroll(p, dirt=D15)
    e = P.enterprise(P.person(age=40), capital=100_000)
    P.ent_person(e, c, "SHAREHOLDER")
    P.answer("SA04", 1, p, "household child is shareholder of an enterprise with capital exactly 100000")
    p = P.person(age=45)
    P.enroll(p)
    P.enterprise(p, capital=99_999)
    P.answer("SA04", 0, p, "near-miss: enterprise capital 99999")


def plant_sa05(P: Planter) -> None:
    cm = P.cm
    for base, months, dirt in ((6000, 4, None), (5000, 3, FW)):
        p = P.person(age=50)
        c = P.person(age=26, with_of=p, rel="CHILD")
        P.enroll(p, start=P.ms(cm - 8))
        for k in range(months):
            P.contribution(c, cm - 6 + k, base, dirt=dirt if k == 0 else None)
        P.answer("SA05", 1, p, f"household member earns {base} in {months} months of the enrollment")
    p = P.person(age=50)
    c = P.person(age=26, with_of=p, rel="CHILD")
    P.enroll(p, start=P.ms(cm - 4))
    for mo in (cm - 6, cm - 4, cm - 3):
        P.contribution(c, mo, 6000)
    P.answer("SA05", 0, p, "near-miss: only 2 high-wage months inside the enrollment (one before it)")


def plant_sa06(P: Planter) -> None:
    unit = P.unit()
    o = P.person(age=48)
    s = P.person(age=46, male=False, with_of=o, rel="SPOUSE")
    P.marry(o, s, -5000)
    P.official(o, unit, "SECTION")
    P.declare(o, s, "SPOUSE")
    P.enroll(s, dirt=LOW)
    P.answer("SA06", 1, s, "recipient's husband is a serving section-rank official")
    q = P.person(age=50)
    P.official(q, P.unit("VILLAGE_COMMITTEE", P.village()), "VILLAGE", juris=str(P.city.vil_code[-1]))
    P.enroll(q)
    P.answer("SA06", 1, q, "recipient is a village cadre himself (jurisdiction elsewhere)")
    o = P.person(age=48)
    c = P.person(age=20, with_of=o, rel="CHILD")
    P.official(o, unit, "SECTION", start=-2000, end=-800)
    P.declare(o, c, "CHILD")
    P.enroll(c, start=-700)
    P.answer("SA06", 0, c, "near-miss: father's appointment ended before the enrollment began")


def plant_sa07(P: Planter) -> None:
    unit = P.unit()
    appr = P.person(age=44)
    P.official(appr, unit, "SECTION")
    sib = P.person(age=46)
    P.declare(appr, sib, "SIBLING")
    P.enroll(sib, approver=appr)
    P.answer("SA07", 1, sib, "approver approved his declared sibling")
    v = P.village()
    q = P.village_official(v)
    par = P.person(age=75, village=v)
    P.declare(q, par, "PARENT")
    P.enroll(par, dirt=D15, region=v)
    P.answer("SA07", 1, par, "recipient is the declared parent of a village cadre of the enrollment village")
    appr = P.person(age=44)
    P.official(appr, unit, "SECTION")
    ex = P.person(age=42, male=False)
    P.marry(appr, ex, -4000)
    P.marry(appr, ex, -2000, kind="DIVORCE")
    P.enroll(ex, approver=appr)
    P.answer("SA07", 0, ex, "near-miss: approver's divorced ex-wife")


def plant_sa08(P: Planter) -> None:
    cm = P.cm
    p = P.person(age=35)
    P.enroll(p)
    P.custody(p, "PRISON", -300)
    for mo in (cm - 4, cm - 3):
        P.apay(p, mo)
    P.answer("SA08", 1, p, "DIBAO paid while in prison")
    p = P.person(age=35)
    P.enroll(p)
    P.custody(p, "DETENTION", P.ms(cm - 3) - 3, P.ms(cm - 2) + 2)
    P.apay(p, cm - 3, dirt=FW)
    P.answer("SA08", 1, p, "detention covering the whole paid month")
    p = P.person(age=35)
    P.enroll(p)
    P.custody(p, "DETENTION", P.ms(cm - 3) + 5, P.ms(cm - 3) + 20)
    P.apay(p, cm - 3)
    P.answer("SA08", 0, p, "near-miss: detention covers 15 days, not the whole month")
    p = P.person(age=35)
    P.enroll(p)
    P.custody(p, "COMMUNITY_CORRECTION", -300)
    P.apay(p, cm - 3)
    P.answer("SA08", 0, p, "near-miss: community correction is not custody")


def plant_sa09(P: Planter) -> None:
    cm = P.cm
    p = P.person(age=60)
    P.enroll(p)
    P.apay(p, cm - 2)
    P.apay(p, cm - 2, pay=P.ms(cm - 2) + 20)
    P.answer("SA09", 1, p, "DIBAO_RURAL paid twice for one month")
    p = P.person(age=70)
    P.enroll(p, program="TEKUN")
    P.apay(p, cm - 3, program="DIBAO_URBAN")
    P.apay(p, cm - 3, program="TEKUN", dirt=D15)
    P.answer("SA09", 1, p, "DIBAO_URBAN and TEKUN for the same month")
    p = P.person(age=60)
    P.enroll(p)
    P.apay(p, cm - 2)
    P.apay(p, cm - 2, program="TEMPORARY", amount="800.00")
    P.answer("SA09", 0, p, "near-miss: the second payment is TEMPORARY assistance")


def plant_sa10(P: Planter) -> None:
    cm = P.cm
    for i, (progs, dirt) in enumerate(((("DIBAO_RURAL",) * 3, None), (("DIBAO_RURAL", "DIBAO_RURAL", "TEMPORARY"), FW))):
        acct = f"6228{P.n():012d}"
        for j, prog in enumerate(progs):
            p = P.person(age=55)
            P.apay(p, cm - 2, program=prog, account=acct, dirt=dirt if j == 2 else None)
        P.answer("SA10", 1, acct, "one account collects for 3 households" + (" incl. TEMPORARY" if i else ""),
                 kind="bank_account")
    acct = f"6228{P.n():012d}"
    a = P.person(age=55)
    b = P.person(age=50, male=False, with_of=a, rel="SPOUSE")
    c = P.person(age=58)
    for p in (a, b, c):
        P.apay(p, cm - 2, account=acct)
    P.answer("SA10", 0, acct, "near-miss: three recipients but only two households", kind="bank_account")


# ---- medical insurance -------------------------------------------------------------------
def _inst(P: Planter) -> str:
    if not hasattr(P, "_mi_inst"):
        P._mi_inst = [P.institution(), P.institution()]
    return P._mi_inst


def plant_mi01(P: Planter) -> None:
    h, _ = _inst(P)
    for src, dirt in ((("cert",), None), (("crem",), D15)):
        p = P.person(age=80, death=-200, sources=src)
        P.claim(p, h, -100, -100, ctype="OUTPATIENT", dirt=dirt)
        P.answer("MI01", 1, p, f"outpatient claim 100 days after death ({src[0]})")
    p = P.person(age=80, death=-200, sources=("status",))
    P.claim(p, h, -169, -169, ctype="OUTPATIENT")
    P.answer("MI01", 0, p, "near-miss: claim exactly 31 days after death")


def plant_mi02(P: Planter) -> None:
    h1, h2 = _inst(P)
    for (a1, d1, a2, d2), dirt in (((-60, -50, -55, -45), None), ((-90, -80, -81, -70), SP)):
        p = P.person(age=50)
        P.claim(p, h1, a1, d1)
        P.claim(p, h2, a2, d2, dirt=dirt)
        P.answer("MI02", 1, p, "two inpatient stays at two institutions overlap")
    p = P.person(age=50)
    P.claim(p, h1, -40, -35)
    P.claim(p, h2, -35, -30)
    P.answer("MI02", 0, p, "near-miss: same-day transfer, [a, d) intervals do not overlap")


def plant_mi03(P: Planter) -> None:
    h, _ = _inst(P)
    p = P.person(age=40)
    P.custody(p, "PRISON", -300)
    P.claim(p, h, -100, -90)
    P.answer("MI03", 1, p, "inpatient admission while in prison")
    p = P.person(age=40)
    P.custody(p, "DETENTION", -50, -20)
    P.claim(p, h, -40, -35, dirt=LOW)
    P.answer("MI03", 1, p, "inpatient admission during detention")
    p = P.person(age=40)
    P.custody(p, "DETENTION", -80, -60)
    P.claim(p, h, -59, -50)
    P.answer("MI03", 0, p, "near-miss: admitted the day after detention ended")
    p = P.person(age=40)
    P.custody(p, "COMMUNITY_CORRECTION", -300)
    P.claim(p, h, -100, -90)
    P.answer("MI03", 0, p, "near-miss: community correction")


def plant_mi04(P: Planter) -> None:
    for status, sdate, admit in (("REVOKED", -100, -50), ("SUSPENDED", -30, -30)):
        inst = P.institution(status, sdate)
        P.claim(P.person(age=45), inst, admit, admit, ctype="OUTPATIENT")
        P.answer("MI04", 1, inst, f"claim on/after the {status} date", kind="institution")
    inst = P.institution("REVOKED", -20)
    P.claim(P.person(age=45), inst, -25, -25, ctype="OUTPATIENT")
    P.answer("MI04", 0, inst, "near-miss: claims only before the revocation", kind="institution")


def plant_mi05(P: Planter) -> None:
    for days, dirt, expected in (((0, 0, 1, 2, 2), None, 1), ((0, 0, 1, 1, 2), D15, 1), ((0, 0, 1, 2, 3), None, 0)):
        inst = P.institution()
        for j, dd in enumerate(days):
            p = P.person(age=72)
            P.enroll(p, program="TEKUN")
            P.claim(p, inst, -120 + dd, -110 + dd, dirt=dirt if j == 0 else None)
        note = "elderly assistance recipients admitted in batch" if expected else \
            "near-miss: 5 admissions spread over 4 days (max 4 in any 3-day window)"
        P.answer("MI05", expected, inst, note, kind="institution")


def plant_mi06(P: Planter) -> None:
    h, _ = _inst(P)
    for offs, dirt in (((-200, -180, -160, -140), None), ((-300, -280, -260, -240, -212), FW)):
        p = P.person(age=66)
        for j, a in enumerate(offs):
            P.claim(p, h, a, a + 5, dirt=dirt if j == 1 else None)
        P.answer("MI06", 1, p, f"{len(offs)} inpatient admissions within 90 days")
    p = P.person(age=66)
    for a in (-300, -270, -240, -210):
        P.claim(p, h, a, a + 5)
    P.answer("MI06", 0, p, "near-miss: 4 admissions span exactly 90 days")


# ---- pensions, unemployment, posts -----------------------------------------------------------
def _pension(P: Planter, pid: str, mo: int, dirt=None) -> None:
    pay = P.ms(mo) + 14
    P.add("human_resources.pension_payments", pay, payment_id=f"PNP{P.n():06d}", id_no=P_d(pid, dirt), period=P.p(mo),
          amount="2500.00", pay_date=P.d(pay))


def P_d(pid: str, dirt: str | None) -> str:
    from tianyan.synth.ids import dirty

    return dirty(pid, dirt) if dirt else pid


def plant_si01(P: Planter) -> None:
    for src, dirt in ((("cert", "crem", "status"), None), (("status",), D15)):
        p = P.person(age=78, death=-160, sources=src)
        dm = P.cal.month_of(-160)
        for mo in (dm - 1, dm, dm + 1, dm + 2):
            _pension(P, p, mo, dirt if mo > dm else None)
        P.answer("SI01", 1, p, "pension paid after the month of death")
    p = P.person(age=78, death=-100, sources=("crem",))
    dm = P.cal.month_of(-100)
    for mo in (dm - 1, dm):
        _pension(P, p, mo)
    P.answer("SI01", 0, p, "near-miss: pension for the month of death only")


def _benefit(P: Planter, pid: str, mo: int, dirt=None) -> None:
    pay = P.ms(mo) + 19
    P.add("human_resources.unemployment_benefits", pay, payment_id=f"UBP{P.n():06d}", id_no=P_d(pid, dirt),
          period=P.p(mo), amount="1800.00", pay_date=P.d(pay))


def plant_si02(P: Planter) -> None:
    cm = P.cm
    for dirt in (None, FW):
        p = P.person(age=35)
        for mo in (cm - 6, cm - 5, cm - 4):
            _benefit(P, p, mo)
        P.contribution(p, cm - 5, 4000, dirt=dirt)
        P.answer("SI02", 1, p, "unemployment benefit in a month with contributions")
    p = P.person(age=35)
    for mo in (cm - 6, cm - 5, cm - 4):
        _benefit(P, p, mo)
    P.contribution(p, cm - 3, 4000)
    P.answer("SI02", 0, p, "near-miss: employed from the month after the benefit ended")


def plant_si03(P: Planter) -> None:
    unit = P.unit("TOWNSHIP")
    p = P.person(age=50, death=-100, sources=("cert",))
    P.post(p, unit, start=-500)
    P.answer("SI03", 1, p, "post still open 100 days after the holder died")
    p = P.person(age=40)
    P.post(p, unit, start=-500)
    P.custody(p, "PRISON", -200, dirt=D15)
    P.answer("SI03", 1, p, "post holder in prison for months")
    p = P.person(age=50, death=-20, sources=("cert",))
    P.post(p, unit, start=-500)
    P.answer("SI03", 0, p, "near-miss: holder died only 20 days ago")
    p = P.person(age=40)
    P.post(p, unit, start=-500)
    P.custody(p, "DETENTION", -60, -50)
    P.answer("SI03", 0, p, "near-miss: 10-day detention")


def plant_si04(P: Planter) -> None:
    unit = P.unit("TOWNSHIP")
    o = P.person(age=52)
    P.official(o, unit, "SECTION")
    c = P.person(age=26)
    P.declare(o, c, "CHILD")
    P.post(c, unit, start=-300)
    P.answer("SI04", 1, c, "post at the unit where the holder's father is an official")
    v = P.village()
    q = P.village_official(v)
    s = P.person(age=45, male=False, with_of=q, rel="SPOUSE")
    P.marry(q, s, -6000)
    P.declare(q, s, "SPOUSE")
    P.post(s, P.unit("TOWNSHIP"), start=-300, region=v)
    P.answer("SI04", 1, s, "post in the village where the holder's husband is a cadre")
    o = P.person(age=52)
    P.official(o, unit, "SECTION", start=-270)
    c = P.person(age=26)
    P.declare(o, c, "CHILD", day=-260)
    P.post(c, unit, start=-300)
    P.answer("SI04", 0, c, "near-miss: the relative became an official after the post started")


def plant_si05(P: Planter) -> None:
    cm = P.cm
    unit = P.unit("TOWNSHIP")
    for base, dirt in ((4500, None), (4000, SP)):
        p = P.person(age=40)
        P.post(p, unit, start=-300)
        P.contribution(p, cm - 2, base, dirt=dirt)
        P.answer("SI05", 1, p, f"post holder has a {base} wage elsewhere")
    p = P.person(age=40)
    P.post(p, unit, start=-300)
    P.contribution(p, cm - 2, 3999.99)
    P.answer("SI05", 0, p, "near-miss: wage base 3999.99")


# ---- farm and forest ------------------------------------------------------------------------
def _farm(P: Planter, pid, village, year, area, dirt=None, feed="agriculture.farm_subsidies"):
    pay = min(P.cal.off(dt.date(year, 4, 20)), -1)
    if feed == "agriculture.farm_subsidies":
        P.add(feed, pay, payment_id=f"GDP{P.n():06d}", id_no=P_d(pid, dirt), village_code=village,
              subsidy_year=str(year), subsidized_area_mu=f"{area:.2f}", amount=f"{area * 125:.2f}", pay_date=P.d(pay))
    else:
        P.add(feed, pay, payment_id=f"STP{P.n():06d}", id_no=P_d(pid, dirt), village_code=village,
              comp_year=str(year), forest_area_mu=f"{area:.2f}", amount=f"{area * 16:.2f}")


def _right(P: Planter, pid, village, area, forest=False):
    if forest:
        P.add("forestry.forest_rights", -700, right_id=f"LQP{P.n():06d}", id_no=pid, village_code=village,
              forest_area_mu=f"{area:.2f}")
    else:
        P.add("agriculture.land_contracts", -700, right_id=f"CBP{P.n():06d}", id_no=pid, village_code=village,
              contracted_area_mu=f"{area:.2f}")


def _area_models(P: Planter, model: str, forest: bool) -> None:
    feed = "forestry.eco_compensation" if forest else "agriculture.farm_subsidies"
    y = P.ctx.as_of.year - 1
    for contracted, paid, dirt in ((10, 12.5, None), (None, 5, D15)):
        p = P.person(age=55)
        v = P.village_of[p]
        if contracted:
            _right(P, p, v, contracted, forest)
        _farm(P, p, v, y, paid, dirt, feed)
        P.answer(model, 1, p, f"paid {paid} mu against {contracted or 0} mu of rights")
    p = P.person(age=55)
    v = P.village_of[p]
    _right(P, p, v, 10, forest)
    _farm(P, p, v, y, 11, None, feed)
    P.answer(model, 0, p, "near-miss: paid exactly 1.1 x the rights area")


def plant_ag01(P: Planter) -> None:
    _area_models(P, "AG01", False)


def plant_ag04(P: Planter) -> None:
    _area_models(P, "AG04", True)


def _dead_subsidy(P: Planter, model: str, forest: bool) -> None:
    feed = "forestry.eco_compensation" if forest else "agriculture.farm_subsidies"
    y = P.ctx.as_of.year - 1  # last year's subsidy: always paid by as_of
    for src, dirt in ((("cert",), None), (("status",), LOW)):
        p = P.person(age=70, death=P.cal.off(dt.date(y - 1, 6, 15)), sources=src)
        v = P.village_of[p]
        _right(P, p, v, 8, forest)
        _farm(P, p, v, y, 8, dirt, feed)
        P.answer(model, 1, p, "subsidy for the year after the year of death")
    p = P.person(age=70, death=P.cal.off(dt.date(y, 1, 2)), sources=("cert",))
    v = P.village_of[p]
    _right(P, p, v, 8, forest)
    _farm(P, p, v, y, 8, None, feed)
    P.answer(model, 0, p, "near-miss: subsidy year equals the year of death")


def plant_ag02(P: Planter) -> None:
    _dead_subsidy(P, "AG02", False)


def plant_ag05(P: Planter) -> None:
    _dead_subsidy(P, "AG05", True)


def plant_ag03(P: Planter) -> None:
    y = P.ctx.as_of.year - 1
    for dirt in (None, FW):
        p = P.person(age=55)
        v = P.village_of[p]
        _right(P, p, v, 10)
        _farm(P, p, v, y, 5)
        _farm(P, p, v, y, 5, dirt)
        P.answer("AG03", 1, p, "two farm subsidy payments for one year")
    p = P.person(age=55)
    v = P.village_of[p]
    _right(P, p, v, 10)
    _farm(P, p, v, y - 1, 10)
    _farm(P, p, v, y, 10)
    P.answer("AG03", 0, p, "near-miss: one payment in each of two years")


# ---- special groups -------------------------------------------------------------------------------
def _cert(P: Planter, pid, grade=1, issue=-1500, until=1500, status="VALID") -> None:
    P.add("disabled_persons.certificates", issue, certificate_no=f"CJP{P.n():06d}", id_no=pid, category="PHYSICAL",
          grade=str(grade), issue_date=P.d(issue), valid_until=P.d(until), status=status)


def _dsub(P: Planter, pid, mo, kind="LIVING", dirt=None) -> None:
    P.add("disabled_persons.subsidies", P.ms(mo) + 19, payment_id=f"CBP{P.n():06d}", id_no=P_d(pid, dirt),
          subsidy_type=kind, period=P.p(mo), amount="100.00")


def plant_sg01(P: Planter) -> None:
    cm = P.cm
    p = P.person(age=40)
    _dsub(P, p, cm - 2)
    P.answer("SG01", 1, p, "disability subsidy without any certificate")
    p = P.person(age=40)
    _cert(P, p, issue=-1500, until=P.ms(cm - 4))
    _dsub(P, p, cm - 2, dirt=D15)
    P.answer("SG01", 1, p, "certificate expired before the paid period")
    p = P.person(age=40)
    _cert(P, p, issue=-1500, until=P.ms(cm - 2))
    _dsub(P, p, cm - 2)
    P.answer("SG01", 0, p, "near-miss: certificate valid until exactly the first day of the period")


def plant_sg02(P: Planter) -> None:
    cm = P.cm
    for grade, dirt in ((3, None), (4, FW)):
        p = P.person(age=40)
        _cert(P, p, grade=grade)
        _dsub(P, p, cm - 2, "CARE", dirt)
        P.answer("SG02", 1, p, f"CARE subsidy for grade {grade}")
    p = P.person(age=40)
    _cert(P, p, grade=2)
    _dsub(P, p, cm - 2, "CARE")
    P.answer("SG02", 0, p, "near-miss: CARE subsidy for grade 2")
    p = P.person(age=40)
    _cert(P, p, grade=3)
    _dsub(P, p, cm - 2, "LIVING")
    P.answer("SG02", 0, p, "near-miss: LIVING subsidy for grade 3")


def plant_sg03(P: Planter) -> None:
    for src, dirt in ((("cert",), None), (("status",), D15)):
        p = P.person(age=60, death=-150, sources=src)
        _cert(P, p)
        dm = P.cal.month_of(-150)
        for mo in (dm, dm + 1):
            _dsub(P, p, mo, dirt=dirt if mo > dm else None)
        P.answer("SG03", 1, p, "disability subsidy after the month of death")
    p = P.person(age=60, death=-150, sources=("crem",))
    _cert(P, p)
    _dsub(P, p, P.cal.month_of(-150))
    P.answer("SG03", 0, p, "near-miss: subsidy for the month of death")


def plant_sg04(P: Planter) -> None:
    def vet(pid, mo, dirt=None):
        P.add("veterans.benefit_payments", P.ms(mo) + 19, payment_id=f"VBP{P.n():06d}", id_no=P_d(pid, dirt),
              benefit_type="定期抚恤金", period=P.p(mo), amount="1500.00")

    for src, dirt in ((("cert", "crem", "status"), None), (("crem",), SP)):
        p = P.person(age=85, death=-150, sources=src)
        dm = P.cal.month_of(-150)
        for mo in (dm, dm + 1, dm + 2):
            vet(p, mo, dirt if mo > dm else None)
        P.answer("SG04", 1, p, "veteran benefit after the month of death")
    p = P.person(age=85, death=-150, sources=("cert",))
    vet(p, P.cal.month_of(-150))
    P.answer("SG04", 0, p, "near-miss: benefit for the month of death")


def _aid(P: Planter, student, guardian, ay, dirt=None) -> None:
    P.add("education.student_aid", -1, aid_id=f"ZZP{P.n():06d}", student_id_no=P_d(student, dirt),
          guardian_id_no=guardian, school_code="SCH001", aid_type="国家助学金", academic_year=str(ay),
          amount="2000.00", region_code=P.village_of[student])


def _family(P: Planter):
    g = P.person(age=45)
    s = P.person(age=15, with_of=g, rel="CHILD")
    return g, s


def plant_sg05(P: Planter) -> None:
    ay = P.ctx.as_of.year - 1
    g, s = _family(P)
    P.car(g, 150000)
    _aid(P, s, g, ay)
    P.answer("SG05", 1, s, "guardian household owns a 150000 car")
    g, s = _family(P)
    P.income(g, ay - 1, 130000)
    _aid(P, s, g, ay, dirt=D15)
    P.answer("SG05", 1, s, "guardian earned 130000 the year before")
    g, s = _family(P)
    P.estate(g)
    P.estate(g)
    _aid(P, s, g, ay)
    P.answer("SG05", 1, s, "guardian household owns two homes")
    g, s = _family(P)
    P.income(g, ay - 1, 119999)
    P.income(g, ay, 200000)
    P.car(g, 99999)
    _aid(P, s, g, ay)
    P.answer("SG05", 0, s, "near-miss: income 119999 in the relevant year, car 99999")


def plant_sg06(P: Planter) -> None:
    ay = P.ctx.as_of.year - 1
    sep1 = P.cal.off(dt.date(ay, 9, 1))
    unit = P.unit()
    for rank, dirt in (("SECTION", None), ("DIVISION", FW)):
        g, s = _family(P)
        P.official(g, unit, rank, start=sep1 - 500)
        P.declare(g, s, "CHILD")
        _aid(P, s, g, ay, dirt=dirt)
        P.answer("SG06", 1, s, f"guardian is a {rank}-rank official")
    g, s = _family(P)
    P.official(g, P.unit("VILLAGE_COMMITTEE", P.village()), "VILLAGE", start=sep1 - 500, juris=P.village())
    P.declare(g, s, "CHILD")
    _aid(P, s, g, ay)
    P.answer("SG06", 0, s, "near-miss: guardian is a village cadre")
    g, s = _family(P)
    P.official(g, unit, "SECTION", start=sep1 + 1)
    P.declare(g, s, "CHILD")
    _aid(P, s, g, ay)
    P.answer("SG06", 0, s, "near-miss: appointed on 2 September")


# ---- housing ----------------------------------------------------------------------------------
def plant_ho01(P: Planter) -> None:
    p = P.person(age=40)
    s = P.person(age=38, male=False, with_of=p, rel="SPOUSE")
    P.lease(p, start=-300)
    P.estate(s, reg=-100)
    P.answer("HO01", 1, p, "wife bought a home while the lease runs")
    p = P.person(age=40)
    P.estate(p, reg=-800)
    P.lease(p, start=-300, dirt=D15)
    P.answer("HO01", 1, p, "tenant owned a home before the lease")
    p = P.person(age=40)
    P.lease(p, start=-600, end=-200)
    P.estate(p, reg=-100)
    P.answer("HO01", 0, p, "near-miss: home bought after the lease ended")


def plant_ho02(P: Planter) -> None:
    for price, vtype, dirt in ((150000, "SMALL_CAR", None), (100000, "LARGE_CAR", FW)):
        p = P.person(age=40)
        P.lease(p, dirt=dirt)
        P.car(p, price, vtype)
        P.answer("HO02", 1, p, f"tenant owns a {price} car")
    p = P.person(age=40)
    P.lease(p)
    P.car(p, 99999.99)
    P.answer("HO02", 0, p, "near-miss: car 99999.99")


def plant_ho03(P: Planter) -> None:
    p = P.person(age=70, death=-150, sources=("cert",))
    P.lease(p)
    P.answer("HO03", 1, p, "lease and subsidy continue 150 days after death")
    p = P.person(age=40)
    P.lease(p)
    P.custody(p, "PRISON", -120, dirt=LOW)
    P.answer("HO03", 1, p, "lease continues 120 days into a prison term")
    p = P.person(age=70, death=-60, sources=("cert",))
    P.lease(p)
    P.answer("HO03", 0, p, "near-miss: died 60 days ago (grace 90)")
    p = P.person(age=70, death=-200, sources=("cert",))
    P.lease(p, subsidy="0.00")
    P.answer("HO03", 0, p, "near-miss: lease open but subsidy is 0")


# ---- officials' conduct ----------------------------------------------------------------------------
def plant_of01(P: Planter) -> None:
    unit = P.unit()
    o = P.person(age=45)
    P.official(o, unit, "SECTION")
    P.enterprise(o, capital=300_000)
    P.answer("OF01", 1, o, "section chief is legal rep of an active enterprise")
    o = P.person(age=45)
    P.official(o, unit, "DIVISION")
    P.ent_person(P.enterprise(P.person(age=50)), o, "SHAREHOLDER", dirt=D15)
    P.answer("OF01", 1, o, "division-rank official is a shareholder")
    o = P.village_official(P.village())
    P.enterprise(o)
    P.answer("OF01", 0, o, "near-miss: village cadre with a business (exempt rank)")
    o = P.person(age=45)
    P.official(o, unit, "SECTION")
    P.enterprise(o, status="CANCELLED", sdate=-2000, est=-4000)
    P.answer("OF01", 0, o, "near-miss: the enterprise was cancelled before")


def plant_of02(P: Planter) -> None:
    unit = P.unit()
    o = P.person(age=55, death=-100, sources=("cert",))
    P.official(o, unit, "SECTION")
    P.answer("OF02", 1, o, "appointment still open 100 days after death")
    o = P.person(age=45)
    P.official(o, unit, "SECTION")
    P.custody(o, "PRISON", -200, -150, dirt=FW)
    P.answer("OF02", 1, o, "appointment covers a 50-day prison term")
    o = P.person(age=55, death=-20, sources=("cert",))
    P.official(o, unit, "SECTION")
    P.answer("OF02", 0, o, "near-miss: died 20 days ago")
    o = P.person(age=45)
    P.official(o, unit, "SECTION")
    P.custody(o, "PRISON", -200, -180)
    P.answer("OF02", 0, o, "near-miss: 20-day prison term")


def plant_of03(P: Planter) -> None:
    unit = P.unit()
    o = P.person(age=45)
    s = P.person(age=43, male=False, with_of=o, rel="SPOUSE")
    P.marry(o, s, -5000)
    P.official(o, unit, "SECTION")
    P.answer("OF03", 1, o, "wife not declared")
    o = P.person(age=45)
    s = P.person(age=43, male=False, with_of=o, rel="SPOUSE")
    c = P.person(age=15, with_of=o, rel="CHILD")
    P.marry(o, s, -5000)
    P.official(o, unit, "DIVISION")
    P.declare(o, s, "SPOUSE")
    P.answer("OF03", 1, o, "household child not declared")
    del c
    o = P.person(age=45)
    ex = P.person(age=43, male=False)
    c = P.person(age=15, with_of=o, rel="CHILD")
    P.marry(o, ex, -6000)
    P.marry(o, ex, -3000, kind="DIVORCE")
    P.official(o, unit, "SECTION")
    P.declare(o, c, "CHILD")
    P.answer("OF03", 0, o, "near-miss: divorced ex-wife not declared, child declared")


def plant_of04(P: Planter) -> None:
    cm = P.cm
    unit = P.unit()
    o = P.person(age=45)
    P.official(o, unit, "SECTION")
    P.apay(o, cm - 3, program="TEMPORARY", amount="1000.00")
    P.answer("OF04", 1, o, "section official received temporary assistance")
    o = P.person(age=45)
    P.official(o, unit, "DIVISION")
    _benefit(P, o, cm - 2, dirt=D15)
    P.answer("OF04", 1, o, "division official received unemployment benefit")
    o = P.person(age=45)
    P.official(o, unit, "SECTION")
    P.post(o, P.unit("TOWNSHIP"), start=-200)
    P.answer("OF04", 1, o, "section official holds a public-welfare post")
    o = P.village_official(P.village())
    P.apay(o, cm - 3, program="TEMPORARY", amount="1000.00")
    P.answer("OF04", 0, o, "near-miss: village cadre (exempt rank)")
    o = P.person(age=45)
    P.official(o, unit, "SECTION", start=-2000, end=-400)
    _benefit(P, o, cm - 2)
    P.answer("OF04", 0, o, "near-miss: benefit after the appointment ended")


# ---- disaster relief -----------------------------------------------------------------------------
def _event(P: Planter, villages, day=-200) -> str:
    eid = f"EVP{P.n():04d}"
    for v in villages:
        P.add("emergency.disaster_events", day, event_id=eid, region_code=v, event_date=P.d(day), kind="FLOOD")
    return eid


def _relief(P: Planter, pid, eid, region, amount=1000, day=-180, dirt=None) -> None:
    P.add("emergency.relief_payments", day, payment_id=f"JZP{P.n():06d}", id_no=P_d(pid, dirt), event_id=eid,
          region_code=region, amount=f"{amount:.2f}", pay_date=P.d(day))


def plant_re01(P: Planter) -> None:
    v1, v2, v3 = P.village(), P.village(), P.village()
    eid = _event(P, [v1, v2])
    for dirt in (None, FW):
        p = P.person(age=40, village=v3)
        _relief(P, p, eid, v1, dirt=dirt)
        P.answer("RE01", 1, p, "recipient lives outside the affected villages")
    p = P.person(age=40, village=v2)
    _relief(P, p, eid, v3)
    P.answer("RE01", 0, p, "near-miss: payment region differs but the recipient lives in an affected village")


def plant_re02(P: Planter) -> None:
    v = P.village()
    e1, e2 = _event(P, [v]), _event(P, [v], day=-100)
    for dirt in (None, D15):
        p = P.person(age=40, village=v)
        _relief(P, p, e1, v)
        _relief(P, p, e1, v, day=-170, dirt=dirt)
        P.answer("RE02", 1, p, "two relief payments for one event")
    p = P.person(age=40, village=v)
    _relief(P, p, e1, v)
    _relief(P, p, e2, v, day=-80)
    P.answer("RE02", 0, p, "near-miss: one payment for each of two events")


def plant_re03(P: Planter) -> None:
    v = P.village()
    eid = _event(P, [v])
    for _ in range(5):
        _relief(P, P.person(age=40, village=v), eid, v)
    q = P.village_official(v)
    _relief(P, q, eid, v, amount=3000)
    P.answer("RE03", 1, q, "village cadre received 3x the median relief")
    s = P.person(age=45, male=False, with_of=q, rel="SPOUSE")
    P.marry(q, s, -6000)
    P.declare(q, s, "SPOUSE")
    _relief(P, s, eid, v, amount=1500, dirt=D15)
    P.answer("RE03", 1, s, "cadre's wife received exactly 1.5x the median")
    q2 = P.village_official(v)
    _relief(P, q2, eid, v, amount=1000)
    P.answer("RE03", 0, q2, "near-miss: village cadre received the median amount")
    x = P.person(age=40, village=v)
    _relief(P, x, eid, v, amount=3000)
    P.answer("RE03", 0, x, "near-miss: outsized amount to an ordinary villager")


# ---- one-card subsidies ------------------------------------------------------------------------------
def plant_fi04(P: Planter) -> None:
    def pay(pid, day, dirt=None):
        P.add("finance.subsidy_payments", day, payment_id=f"YKTP{P.n():06d}", id_no=P_d(pid, dirt),
              subsidy_type="高龄津贴", issuing_department="民政局", amount="200.00", pay_date=P.d(day),
              bank_account=P.account(pid), region_code=P.village_of[pid], changed_at=P.cal.t(day))

    for src, dirt in ((("cert",), None), (("crem",), D15)):
        p = P.person(age=85, death=-200, sources=src)
        pay(p, -100, dirt)
        P.answer("FI04", 1, p, "one-card subsidy 100 days after death")
    p = P.person(age=85, death=-200, sources=("status",))
    pay(p, -169)
    P.answer("FI04", 0, p, "near-miss: paid exactly 31 days after death")
