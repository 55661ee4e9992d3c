"""Planted cases about people: social assistance, medical insurance, pensions and posts, special
groups, housing, officials' conduct, disaster relief and farm/forest subsidies.
Each function plants >= 2 positives (one with dirty identifiers) and >= 1 near-miss."""

from __future__ import annotations

import datetime as dt

from tianyan.synth.ids import FULLWIDTH, LEGACY15, LOWER_X, SPACES, dirtied
from tianyan.synth.plant import Planter


# ---- social assistance ------------------------------------------------------------------
def plant_sa01(planter: Planter) -> None:
    for i, (src, dirt) in enumerate(((("cert", "crem", "status"), None), (("status",), LEGACY15))):
        p = planter.person(age=72, death=-150 - 20 * i, sources=src)
        planter.enroll(p, start=-900)
        dm = planter.cal.month_of(-150 - 20 * i)
        for mo in (dm - 1, dm, dm + 1, dm + 2):
            planter.assistance_payment(p, mo, dirt=dirt if mo > dm else None)
        planter.answer("SA01", 1, p, "DIBAO paid for two months after the month of death")
    p = planter.person(age=75, death=-100, sources=("cert",))
    planter.enroll(p, start=-900)
    dm = planter.cal.month_of(-100)
    planter.assistance_payment(p, dm - 1)
    planter.assistance_payment(p, dm, pay=planter.month_start(dm) + 27)
    planter.answer("SA01", 0, p, "near-miss: last payment is for the month of death")


def plant_sa02(planter: Planter) -> None:
    for price, vtype, dirt in ((80000, "SMALL_CAR", None), (120000, "LARGE_CAR", FULLWIDTH)):
        p = planter.person(age=50)
        s = planter.person(age=48, male=False, with_of=p, rel="SPOUSE")
        planter.enroll(p, dirt=dirt)
        planter.car(s, price, vtype, reg=-300)
        planter.answer("SA02", 1, p, f"household member owns a {vtype} bought for {price}")
    for price, vtype, note in ((49999.99, "SMALL_CAR", "car just under 50000"), (90000, "AGRICULTURAL", "farm vehicle")):
        p = planter.person(age=50)
        planter.enroll(p)
        planter.car(p, price, vtype, reg=-300)
        planter.answer("SA02", 0, p, f"near-miss: {note}")


def plant_sa03(planter: Planter) -> None:
    for types, dirt in ((("RESIDENTIAL", "RESIDENTIAL"), None), (("COMMERCIAL",), SPACES)):
        p = planter.person(age=55)
        c = planter.person(age=25, with_of=p, rel="CHILD")
        planter.enroll(p, dirt=dirt)
        for t in types:
            planter.estate(c, t)
        planter.answer("SA03", 1, p, "household owns " + " + ".join(types))
    p = planter.person(age=55)
    planter.enroll(p)
    planter.estate(p, "RESIDENTIAL")
    planter.estate(p, "RESIDENTIAL", status="TRANSFERRED")
    planter.answer("SA03", 0, p, "near-miss: one active home, the second was transferred")


def plant_sa04(planter: Planter) -> None:
    p = planter.person(age=45)
    planter.enroll(p)
    planter.enterprise(p, capital=200_000)
    planter.answer("SA04", 1, p, "recipient is legal rep of an active enterprise (capital 200000)")
    p = planter.person(age=45)
    c = planter.person(age=22, with_of=p, rel="CHILD")
    planter.enroll(p, dirt=LEGACY15)
    e = planter.enterprise(planter.person(age=40), capital=100_000)
    planter.ent_person(e, c, "SHAREHOLDER")
    planter.answer("SA04", 1, p, "household child is shareholder of an enterprise with capital exactly 100000")
    p = planter.person(age=45)
    planter.enroll(p)
    planter.enterprise(p, capital=99_999)
    planter.answer("SA04", 0, p, "near-miss: enterprise capital 99999")


def plant_sa05(planter: Planter) -> None:
    cm = planter.current_month
    for base, months, dirt in ((6000, 4, None), (5000, 3, FULLWIDTH)):
        p = planter.person(age=50)
        c = planter.person(age=26, with_of=p, rel="CHILD")
        planter.enroll(p, start=planter.month_start(cm - 8))
        for k in range(months):
            planter.contribution(c, cm - 6 + k, base, dirt=dirt if k == 0 else None)
        planter.answer("SA05", 1, p, f"household member earns {base} in {months} months of the enrollment")
    p = planter.person(age=50)
    c = planter.person(age=26, with_of=p, rel="CHILD")
    planter.enroll(p, start=planter.month_start(cm - 4))
    for mo in (cm - 6, cm - 4, cm - 3):
        planter.contribution(c, mo, 6000)
    planter.answer("SA05", 0, p, "near-miss: only 2 high-wage months inside the enrollment (one before it)")


def plant_sa06(planter: Planter) -> None:
    unit = planter.unit()
    o = planter.person(age=48)
    s = planter.wife(o, 46)
    planter.official(o, unit, "SECTION")
    planter.enroll(s, dirt=LOWER_X)
    planter.answer("SA06", 1, s, "recipient's husband is a serving section-rank official")
    q = planter.person(age=50)
    planter.official(q, planter.unit("VILLAGE_COMMITTEE", planter.village()), "VILLAGE", juris=str(planter.city.vil_code[-1]))
    planter.enroll(q)
    planter.answer("SA06", 1, q, "recipient is a village cadre himself (jurisdiction elsewhere)")
    o = planter.person(age=48)
    c = planter.person(age=20, with_of=o, rel="CHILD")
    planter.official(o, unit, "SECTION", start=-2000, end=-800)
    planter.declare(o, c, "CHILD")
    planter.enroll(c, start=-700)
    planter.answer("SA06", 0, c, "near-miss: father's appointment ended before the enrollment began")


def plant_sa07(planter: Planter) -> None:
    unit = planter.unit()
    appr = planter.person(age=44)
    planter.official(appr, unit, "SECTION")
    sib = planter.person(age=46)
    planter.declare(appr, sib, "SIBLING")
    planter.enroll(sib, approver=appr)
    planter.answer("SA07", 1, sib, "approver approved his declared sibling")
    v = planter.village()
    q = planter.village_official(v)
    par = planter.person(age=75, village=v)
    planter.declare(q, par, "PARENT")
    planter.enroll(par, dirt=LEGACY15, region=v)
    planter.answer("SA07", 1, par, "recipient is the declared parent of a village cadre of the enrollment village")
    appr = planter.person(age=44)
    planter.official(appr, unit, "SECTION")
    ex = planter.person(age=42, male=False)
    planter.marry(appr, ex, -4000)
    planter.marry(appr, ex, -2000, kind="DIVORCE")
    planter.enroll(ex, approver=appr)
    planter.answer("SA07", 0, ex, "near-miss: approver's divorced ex-wife")


def plant_sa08(planter: Planter) -> None:
    cm = planter.current_month
    p = planter.person(age=35)
    planter.enroll(p)
    planter.custody(p, "PRISON", -300)
    for mo in (cm - 4, cm - 3):
        planter.assistance_payment(p, mo)
    planter.answer("SA08", 1, p, "DIBAO paid while in prison")
    p = planter.person(age=35)
    planter.enroll(p)
    planter.custody(p, "DETENTION", planter.month_start(cm - 3) - 3, planter.month_start(cm - 2) + 2)
    planter.assistance_payment(p, cm - 3, dirt=FULLWIDTH)
    planter.answer("SA08", 1, p, "detention covering the whole paid month")
    p = planter.person(age=35)
    planter.enroll(p)
    planter.custody(p, "DETENTION", planter.month_start(cm - 3) + 5, planter.month_start(cm - 3) + 20)
    planter.assistance_payment(p, cm - 3)
    planter.answer("SA08", 0, p, "near-miss: detention covers 15 days, not the whole month")
    p = planter.person(age=35)
    planter.enroll(p)
    planter.custody(p, "COMMUNITY_CORRECTION", -300)
    planter.assistance_payment(p, cm - 3)
    planter.answer("SA08", 0, p, "near-miss: community correction is not custody")


def plant_sa09(planter: Planter) -> None:
    cm = planter.current_month
    p = planter.person(age=60)
    planter.enroll(p)
    planter.assistance_payment(p, cm - 2)
    planter.assistance_payment(p, cm - 2, pay=planter.month_start(cm - 2) + 20)
    planter.answer("SA09", 1, p, "DIBAO_RURAL paid twice for one month")
    p = planter.person(age=70)
    planter.enroll(p, program="TEKUN")
    planter.assistance_payment(p, cm - 3, program="DIBAO_URBAN")
    planter.assistance_payment(p, cm - 3, program="TEKUN", dirt=LEGACY15)
    planter.answer("SA09", 1, p, "DIBAO_URBAN and TEKUN for the same month")
    p = planter.person(age=60)
    planter.enroll(p)
    planter.assistance_payment(p, cm - 2)
    planter.assistance_payment(p, cm - 2, program="TEMPORARY", amount="800.00")
    planter.answer("SA09", 0, p, "near-miss: the second payment is TEMPORARY assistance")


def plant_sa10(planter: Planter) -> None:
    cm = planter.current_month
    for i, (progs, dirt) in enumerate(((("DIBAO_RURAL",) * 3, None), (("DIBAO_RURAL", "DIBAO_RURAL", "TEMPORARY"), FULLWIDTH))):
        acct = f"6228{planter.serial():012d}"
        for j, prog in enumerate(progs):
            p = planter.person(age=55)
            planter.assistance_payment(p, cm - 2, program=prog, account=acct, dirt=dirt if j == 2 else None)
        planter.answer("SA10", 1, acct, "one account collects for 3 households" + (" incl. TEMPORARY" if i else ""),
                       kind="bank_account")
    acct = f"6228{planter.serial():012d}"
    a = planter.person(age=55)
    b = planter.person(age=50, male=False, with_of=a, rel="SPOUSE")
    c = planter.person(age=58)
    for p in (a, b, c):
        planter.assistance_payment(p, cm - 2, account=acct)
    planter.answer("SA10", 0, acct, "near-miss: three recipients but only two households", kind="bank_account")


# ---- medical insurance -------------------------------------------------------------------
def _two_hospitals(planter: Planter) -> str:
    if not hasattr(planter, "_hospitals"):
        planter._hospitals = [planter.institution(), planter.institution()]
    return planter._hospitals


def plant_mi01(planter: Planter) -> None:
    h, _ = _two_hospitals(planter)
    for src, dirt in ((("cert",), None), (("crem",), LEGACY15)):
        p = planter.person(age=80, death=-200, sources=src)
        planter.claim(p, h, -100, -100, ctype="OUTPATIENT", dirt=dirt)
        planter.answer("MI01", 1, p, f"outpatient claim 100 days after death ({src[0]})")
    p = planter.person(age=80, death=-200, sources=("status",))
    planter.claim(p, h, -169, -169, ctype="OUTPATIENT")
    planter.answer("MI01", 0, p, "near-miss: claim exactly 31 days after death")


def plant_mi02(planter: Planter) -> None:
    h1, h2 = _two_hospitals(planter)
    for (a1, d1, a2, d2), dirt in (((-60, -50, -55, -45), None), ((-90, -80, -81, -70), SPACES)):
        p = planter.person(age=50)
        planter.claim(p, h1, a1, d1)
        planter.claim(p, h2, a2, d2, dirt=dirt)
        planter.answer("MI02", 1, p, "two inpatient stays at two institutions overlap")
    p = planter.person(age=50)
    planter.claim(p, h1, -40, -35)
    planter.claim(p, h2, -35, -30)
    planter.answer("MI02", 0, p, "near-miss: same-day transfer, [a, d) intervals do not overlap")


def plant_mi03(planter: Planter) -> None:
    h, _ = _two_hospitals(planter)
    p = planter.person(age=40)
    planter.custody(p, "PRISON", -300)
    planter.claim(p, h, -100, -90)
    planter.answer("MI03", 1, p, "inpatient admission while in prison")
    p = planter.person(age=40)
    planter.custody(p, "DETENTION", -50, -20)
    planter.claim(p, h, -40, -35, dirt=LOWER_X)
    planter.answer("MI03", 1, p, "inpatient admission during detention")
    p = planter.person(age=40)
    planter.custody(p, "DETENTION", -80, -60)
    planter.claim(p, h, -59, -50)
    planter.answer("MI03", 0, p, "near-miss: admitted the day after detention ended")
    p = planter.person(age=40)
    planter.custody(p, "COMMUNITY_CORRECTION", -300)
    planter.claim(p, h, -100, -90)
    planter.answer("MI03", 0, p, "near-miss: community correction")


def plant_mi04(planter: Planter) -> None:
    for status, sdate, admit in (("REVOKED", -100, -50), ("SUSPENDED", -30, -30)):
        inst = planter.institution(status, sdate)
        planter.claim(planter.person(age=45), inst, admit, admit, ctype="OUTPATIENT")
        planter.answer("MI04", 1, inst, f"claim on/after the {status} date", kind="institution")
    inst = planter.institution("REVOKED", -20)
    planter.claim(planter.person(age=45), inst, -25, -25, ctype="OUTPATIENT")
    planter.answer("MI04", 0, inst, "near-miss: claims only before the revocation", kind="institution")


def plant_mi05(planter: Planter) -> None:
    for days, dirt, expected in (((0, 0, 1, 2, 2), None, 1), ((0, 0, 1, 1, 2), LEGACY15, 1), ((0, 0, 1, 2, 3), None, 0)):
        inst = planter.institution()
        for j, dd in enumerate(days):
            p = planter.person(age=72)
            planter.enroll(p, program="TEKUN")
            planter.claim(p, inst, -120 + dd, -110 + dd, dirt=dirt if j == 0 else None)
        note = "elderly assistance recipients admitted in batch" if expected else \
            "near-miss: 5 admissions spread over 4 days (max 4 in any 3-day window)"
        planter.answer("MI05", expected, inst, note, kind="institution")


def plant_mi06(planter: Planter) -> None:
    h, _ = _two_hospitals(planter)
    for offs, dirt in (((-200, -180, -160, -140), None), ((-300, -280, -260, -240, -212), FULLWIDTH)):
        p = planter.person(age=66)
        for j, a in enumerate(offs):
            planter.claim(p, h, a, a + 5, dirt=dirt if j == 1 else None)
        planter.answer("MI06", 1, p, f"{len(offs)} inpatient admissions within 90 days")
    p = planter.person(age=66)
    for a in (-300, -270, -240, -210):
        planter.claim(p, h, a, a + 5)
    planter.answer("MI06", 0, p, "near-miss: 4 admissions span exactly 90 days")


# ---- pensions, unemployment, posts -----------------------------------------------------------
def _pension(planter: Planter, pid: str, mo: int, dirt=None) -> None:
    pay = planter.month_start(mo) + 14
    planter.add("human_resources.pension_payments", pay, payment_id=f"PNP{planter.serial():06d}", id_no=dirtied(pid, dirt), period=planter.period(mo),
                amount="2500.00", pay_date=planter.date(pay))


def plant_si01(planter: Planter) -> None:
    for src, dirt in ((("cert", "crem", "status"), None), (("status",), LEGACY15)):
        p = planter.person(age=78, death=-160, sources=src)
        dm = planter.cal.month_of(-160)
        for mo in (dm - 1, dm, dm + 1, dm + 2):
            _pension(planter, p, mo, dirt if mo > dm else None)
        planter.answer("SI01", 1, p, "pension paid after the month of death")
    p = planter.person(age=78, death=-100, sources=("crem",))
    dm = planter.cal.month_of(-100)
    for mo in (dm - 1, dm):
        _pension(planter, p, mo)
    planter.answer("SI01", 0, p, "near-miss: pension for the month of death only")


def _benefit(planter: Planter, pid: str, mo: int, dirt=None) -> None:
    pay = planter.month_start(mo) + 19
    planter.add("human_resources.unemployment_benefits", pay, payment_id=f"UBP{planter.serial():06d}", id_no=dirtied(pid, dirt),
                period=planter.period(mo), amount="1800.00", pay_date=planter.date(pay))


def plant_si02(planter: Planter) -> None:
    cm = planter.current_month
    for dirt in (None, FULLWIDTH):
        p = planter.person(age=35)
        for mo in (cm - 6, cm - 5, cm - 4):
            _benefit(planter, p, mo)
        planter.contribution(p, cm - 5, 4000, dirt=dirt)
        planter.answer("SI02", 1, p, "unemployment benefit in a month with contributions")
    p = planter.person(age=35)
    for mo in (cm - 6, cm - 5, cm - 4):
        _benefit(planter, p, mo)
    planter.contribution(p, cm - 3, 4000)
    planter.answer("SI02", 0, p, "near-miss: employed from the month after the benefit ended")


def plant_si03(planter: Planter) -> None:
    unit = planter.unit("TOWNSHIP")
    p = planter.person(age=50, death=-100, sources=("cert",))
    planter.post(p, unit, start=-500)
    planter.answer("SI03", 1, p, "post still open 100 days after the holder died")
    p = planter.person(age=40)
    planter.post(p, unit, start=-500)
    planter.custody(p, "PRISON", -200, dirt=LEGACY15)
    planter.answer("SI03", 1, p, "post holder in prison for months")
    p = planter.person(age=50, death=-20, sources=("cert",))
    planter.post(p, unit, start=-500)
    planter.answer("SI03", 0, p, "near-miss: holder died only 20 days ago")
    p = planter.person(age=40)
    planter.post(p, unit, start=-500)
    planter.custody(p, "DETENTION", -60, -50)
    planter.answer("SI03", 0, p, "near-miss: 10-day detention")


def plant_si04(planter: Planter) -> None:
    unit = planter.unit("TOWNSHIP")
    o = planter.person(age=52)
    planter.official(o, unit, "SECTION")
    c = planter.person(age=26)
    planter.declare(o, c, "CHILD")
    planter.post(c, unit, start=-300)
    planter.answer("SI04", 1, c, "post at the unit where the holder's father is an official")
    v = planter.village()
    q = planter.village_official(v)
    s = planter.wife(q, 45, married=-6000)
    planter.post(s, planter.unit("TOWNSHIP"), start=-300, region=v)
    planter.answer("SI04", 1, s, "post in the village where the holder's husband is a cadre")
    o = planter.person(age=52)
    planter.official(o, unit, "SECTION", start=-270)
    c = planter.person(age=26)
    planter.declare(o, c, "CHILD", day=-260)
    planter.post(c, unit, start=-300)
    planter.answer("SI04", 0, c, "near-miss: the relative became an official after the post started")


def plant_si05(planter: Planter) -> None:
    cm = planter.current_month
    unit = planter.unit("TOWNSHIP")
    for base, dirt in ((4500, None), (4000, SPACES)):
        p = planter.person(age=40)
        planter.post(p, unit, start=-300)
        planter.contribution(p, cm - 2, base, dirt=dirt)
        planter.answer("SI05", 1, p, f"post holder has a {base} wage elsewhere")
    p = planter.person(age=40)
    planter.post(p, unit, start=-300)
    planter.contribution(p, cm - 2, 3999.99)
    planter.answer("SI05", 0, p, "near-miss: wage base 3999.99")


# ---- farm and forest ------------------------------------------------------------------------
def _area_subsidy(planter: Planter, pid, village, year, area, dirt=None, feed="agriculture.farm_subsidies"):
    pay = min(planter.cal.off(dt.date(year, 4, 20)), -1)
    if feed == "agriculture.farm_subsidies":
        planter.add(feed, pay, payment_id=f"GDP{planter.serial():06d}", id_no=dirtied(pid, dirt), village_code=village,
                    subsidy_year=str(year), subsidized_area_mu=f"{area:.2f}", amount=f"{area * 125:.2f}", pay_date=planter.date(pay))
    else:
        planter.add(feed, pay, payment_id=f"STP{planter.serial():06d}", id_no=dirtied(pid, dirt), village_code=village,
                    comp_year=str(year), forest_area_mu=f"{area:.2f}", amount=f"{area * 16:.2f}")


def _area_right(planter: Planter, pid, village, area, forest=False):
    if forest:
        planter.add("forestry.forest_rights", -700, right_id=f"LQP{planter.serial():06d}", id_no=pid, village_code=village,
                    forest_area_mu=f"{area:.2f}")
    else:
        planter.add("agriculture.land_contracts", -700, right_id=f"CBP{planter.serial():06d}", id_no=pid, village_code=village,
                    contracted_area_mu=f"{area:.2f}")


def _paid_against_right(planter: Planter, pid: str, right_mu: float | None, paid_mu: float, forest: bool,
                        dirt: str | None = None) -> None:
    """A holder of ``right_mu`` mu of contracted land (or forest) paid last year's subsidy for ``paid_mu`` mu."""
    village = planter.village_of[pid]
    if right_mu:
        _area_right(planter, pid, village, right_mu, forest)
    feed = "forestry.eco_compensation" if forest else "agriculture.farm_subsidies"
    _area_subsidy(planter, pid, village, planter.ctx.as_of.year - 1, paid_mu, dirt, feed)


def _area_models(planter: Planter, model: str, forest: bool) -> None:
    for contracted, paid, dirt in ((10, 12.5, None), (None, 5, LEGACY15)):
        p = planter.person(age=55)
        _paid_against_right(planter, p, contracted, paid, forest, dirt)
        planter.answer(model, 1, p, f"paid {paid} mu against {contracted or 0} mu of rights")
    p = planter.person(age=55)
    _paid_against_right(planter, p, 10, 11, forest)
    planter.answer(model, 0, p, "near-miss: paid exactly 1.1 x the rights area")


def plant_ag01(planter: Planter) -> None:
    _area_models(planter, "AG01", False)


def plant_ag04(planter: Planter) -> None:
    _area_models(planter, "AG04", True)


def _dead_subsidy(planter: Planter, model: str, forest: bool) -> None:
    y = planter.ctx.as_of.year - 1  # last year's subsidy: always paid by as_of
    for src, dirt in ((("cert",), None), (("status",), LOWER_X)):
        p = planter.person(age=70, death=planter.cal.off(dt.date(y - 1, 6, 15)), sources=src)
        _paid_against_right(planter, p, 8, 8, forest, dirt)
        planter.answer(model, 1, p, "subsidy for the year after the year of death")
    p = planter.person(age=70, death=planter.cal.off(dt.date(y, 1, 2)), sources=("cert",))
    _paid_against_right(planter, p, 8, 8, forest)
    planter.answer(model, 0, p, "near-miss: subsidy year equals the year of death")


def plant_ag02(planter: Planter) -> None:
    _dead_subsidy(planter, "AG02", False)


def plant_ag05(planter: Planter) -> None:
    _dead_subsidy(planter, "AG05", True)


def plant_ag03(planter: Planter) -> None:
    y = planter.ctx.as_of.year - 1
    for dirt in (None, FULLWIDTH):
        p = planter.person(age=55)
        v = planter.village_of[p]
        _area_right(planter, p, v, 10)
        _area_subsidy(planter, p, v, y, 5)
        _area_subsidy(planter, p, v, y, 5, dirt)
        planter.answer("AG03", 1, p, "two farm subsidy payments for one year")
    p = planter.person(age=55)
    v = planter.village_of[p]
    _area_right(planter, p, v, 10)
    _area_subsidy(planter, p, v, y - 1, 10)
    _area_subsidy(planter, p, v, y, 10)
    planter.answer("AG03", 0, p, "near-miss: one payment in each of two years")


# ---- special groups -------------------------------------------------------------------------------
def _disability_certificate(planter: Planter, pid, grade=1, issue=-1500, until=1500, status="VALID") -> None:
    planter.add("disabled_persons.certificates", issue, certificate_no=f"CJP{planter.serial():06d}", id_no=pid, category="PHYSICAL",
                grade=str(grade), issue_date=planter.date(issue), valid_until=planter.date(until), status=status)


def _disability_subsidy(planter: Planter, pid, mo, kind="LIVING", dirt=None) -> None:
    planter.add("disabled_persons.subsidies", planter.month_start(mo) + 19, payment_id=f"CBP{planter.serial():06d}", id_no=dirtied(pid, dirt),
                subsidy_type=kind, period=planter.period(mo), amount="100.00")


def plant_sg01(planter: Planter) -> None:
    cm = planter.current_month
    p = planter.person(age=40)
    _disability_subsidy(planter, p, cm - 2)
    planter.answer("SG01", 1, p, "disability subsidy without any certificate")
    p = planter.person(age=40)
    _disability_certificate(planter, p, issue=-1500, until=planter.month_start(cm - 4))
    _disability_subsidy(planter, p, cm - 2, dirt=LEGACY15)
    planter.answer("SG01", 1, p, "certificate expired before the paid period")
    p = planter.person(age=40)
    _disability_certificate(planter, p, issue=-1500, until=planter.month_start(cm - 2))
    _disability_subsidy(planter, p, cm - 2)
    planter.answer("SG01", 0, p, "near-miss: certificate valid until exactly the first day of the period")


def plant_sg02(planter: Planter) -> None:
    cm = planter.current_month
    for grade, dirt in ((3, None), (4, FULLWIDTH)):
        p = planter.person(age=40)
        _disability_certificate(planter, p, grade=grade)
        _disability_subsidy(planter, p, cm - 2, "CARE", dirt)
        planter.answer("SG02", 1, p, f"CARE subsidy for grade {grade}")
    p = planter.person(age=40)
    _disability_certificate(planter, p, grade=2)
    _disability_subsidy(planter, p, cm - 2, "CARE")
    planter.answer("SG02", 0, p, "near-miss: CARE subsidy for grade 2")
    p = planter.person(age=40)
    _disability_certificate(planter, p, grade=3)
    _disability_subsidy(planter, p, cm - 2, "LIVING")
    planter.answer("SG02", 0, p, "near-miss: LIVING subsidy for grade 3")


def plant_sg03(planter: Planter) -> None:
    for src, dirt in ((("cert",), None), (("status",), LEGACY15)):
        p = planter.person(age=60, death=-150, sources=src)
        _disability_certificate(planter, p)
        dm = planter.cal.month_of(-150)
        for mo in (dm, dm + 1):
            _disability_subsidy(planter, p, mo, dirt=dirt if mo > dm else None)
        planter.answer("SG03", 1, p, "disability subsidy after the month of death")
    p = planter.person(age=60, death=-150, sources=("crem",))
    _disability_certificate(planter, p)
    _disability_subsidy(planter, p, planter.cal.month_of(-150))
    planter.answer("SG03", 0, p, "near-miss: subsidy for the month of death")


def plant_sg04(planter: Planter) -> None:
    def vet(pid, mo, dirt=None):
        planter.add("veterans.benefit_payments", planter.month_start(mo) + 19, payment_id=f"VBP{planter.serial():06d}", id_no=dirtied(pid, dirt),
                    benefit_type="定期抚恤金", period=planter.period(mo), amount="1500.00")

    for src, dirt in ((("cert", "crem", "status"), None), (("crem",), SPACES)):
        p = planter.person(age=85, death=-150, sources=src)
        dm = planter.cal.month_of(-150)
        for mo in (dm, dm + 1, dm + 2):
            vet(p, mo, dirt if mo > dm else None)
        planter.answer("SG04", 1, p, "veteran benefit after the month of death")
    p = planter.person(age=85, death=-150, sources=("cert",))
    vet(p, planter.cal.month_of(-150))
    planter.answer("SG04", 0, p, "near-miss: benefit for the month of death")


def _student_aid(planter: Planter, student, guardian, ay, dirt=None) -> None:
    planter.add("education.student_aid", -1, aid_id=f"ZZP{planter.serial():06d}", student_id_no=dirtied(student, dirt),
                guardian_id_no=guardian, school_code="SCH001", aid_type="国家助学金", academic_year=str(ay),
                amount="2000.00", region_code=planter.village_of[student])


def _family(planter: Planter):
    g = planter.person(age=45)
    s = planter.person(age=15, with_of=g, rel="CHILD")
    return g, s


def plant_sg05(planter: Planter) -> None:
    ay = planter.ctx.as_of.year - 1
    g, s = _family(planter)
    planter.car(g, 150000)
    _student_aid(planter, s, g, ay)
    planter.answer("SG05", 1, s, "guardian household owns a 150000 car")
    g, s = _family(planter)
    planter.income(g, ay - 1, 130000)
    _student_aid(planter, s, g, ay, dirt=LEGACY15)
    planter.answer("SG05", 1, s, "guardian earned 130000 the year before")
    g, s = _family(planter)
    planter.estate(g)
    planter.estate(g)
    _student_aid(planter, s, g, ay)
    planter.answer("SG05", 1, s, "guardian household owns two homes")
    g, s = _family(planter)
    planter.income(g, ay - 1, 119999)
    planter.income(g, ay, 200000)
    planter.car(g, 99999)
    _student_aid(planter, s, g, ay)
    planter.answer("SG05", 0, s, "near-miss: income 119999 in the relevant year, car 99999")


def plant_sg06(planter: Planter) -> None:
    ay = planter.ctx.as_of.year - 1
    sep1 = planter.cal.off(dt.date(ay, 9, 1))
    unit = planter.unit()
    for rank, dirt in (("SECTION", None), ("DIVISION", FULLWIDTH)):
        g, s = _family(planter)
        planter.official(g, unit, rank, start=sep1 - 500)
        planter.declare(g, s, "CHILD")
        _student_aid(planter, s, g, ay, dirt=dirt)
        planter.answer("SG06", 1, s, f"guardian is a {rank}-rank official")
    g, s = _family(planter)
    planter.official(g, planter.unit("VILLAGE_COMMITTEE", planter.village()), "VILLAGE", start=sep1 - 500, juris=planter.village())
    planter.declare(g, s, "CHILD")
    _student_aid(planter, s, g, ay)
    planter.answer("SG06", 0, s, "near-miss: guardian is a village cadre")
    g, s = _family(planter)
    planter.official(g, unit, "SECTION", start=sep1 + 1)
    planter.declare(g, s, "CHILD")
    _student_aid(planter, s, g, ay)
    planter.answer("SG06", 0, s, "near-miss: appointed on 2 September")


# ---- housing ----------------------------------------------------------------------------------
def plant_ho01(planter: Planter) -> None:
    p = planter.person(age=40)
    s = planter.person(age=38, male=False, with_of=p, rel="SPOUSE")
    planter.lease(p, start=-300)
    planter.estate(s, reg=-100)
    planter.answer("HO01", 1, p, "wife bought a home while the lease runs")
    p = planter.person(age=40)
    planter.estate(p, reg=-800)
    planter.lease(p, start=-300, dirt=LEGACY15)
    planter.answer("HO01", 1, p, "tenant owned a home before the lease")
    p = planter.person(age=40)
    planter.lease(p, start=-600, end=-200)
    planter.estate(p, reg=-100)
    planter.answer("HO01", 0, p, "near-miss: home bought after the lease ended")


def plant_ho02(planter: Planter) -> None:
    for price, vtype, dirt in ((150000, "SMALL_CAR", None), (100000, "LARGE_CAR", FULLWIDTH)):
        p = planter.person(age=40)
        planter.lease(p, dirt=dirt)
        planter.car(p, price, vtype)
        planter.answer("HO02", 1, p, f"tenant owns a {price} car")
    p = planter.person(age=40)
    planter.lease(p)
    planter.car(p, 99999.99)
    planter.answer("HO02", 0, p, "near-miss: car 99999.99")


def plant_ho03(planter: Planter) -> None:
    p = planter.person(age=70, death=-150, sources=("cert",))
    planter.lease(p)
    planter.answer("HO03", 1, p, "lease and subsidy continue 150 days after death")
    p = planter.person(age=40)
    planter.lease(p)
    planter.custody(p, "PRISON", -120, dirt=LOWER_X)
    planter.answer("HO03", 1, p, "lease continues 120 days into a prison term")
    p = planter.person(age=70, death=-60, sources=("cert",))
    planter.lease(p)
    planter.answer("HO03", 0, p, "near-miss: died 60 days ago (grace 90)")
    p = planter.person(age=70, death=-200, sources=("cert",))
    planter.lease(p, subsidy="0.00")
    planter.answer("HO03", 0, p, "near-miss: lease open but subsidy is 0")


# ---- officials' conduct ----------------------------------------------------------------------------
def plant_of01(planter: Planter) -> None:
    unit = planter.unit()
    o = planter.person(age=45)
    planter.official(o, unit, "SECTION")
    planter.enterprise(o, capital=300_000)
    planter.answer("OF01", 1, o, "section chief is legal rep of an active enterprise")
    o = planter.person(age=45)
    planter.official(o, unit, "DIVISION")
    planter.ent_person(planter.enterprise(planter.person(age=50)), o, "SHAREHOLDER", dirt=LEGACY15)
    planter.answer("OF01", 1, o, "division-rank official is a shareholder")
    o = planter.village_official(planter.village())
    planter.enterprise(o)
    planter.answer("OF01", 0, o, "near-miss: village cadre with a business (exempt rank)")
    o = planter.person(age=45)
    planter.official(o, unit, "SECTION")
    planter.enterprise(o, status="CANCELLED", sdate=-2000, est=-4000)
    planter.answer("OF01", 0, o, "near-miss: the enterprise was cancelled before")


def plant_of02(planter: Planter) -> None:
    unit = planter.unit()
    o = planter.person(age=55, death=-100, sources=("cert",))
    planter.official(o, unit, "SECTION")
    planter.answer("OF02", 1, o, "appointment still open 100 days after death")
    o = planter.person(age=45)
    planter.official(o, unit, "SECTION")
    planter.custody(o, "PRISON", -200, -150, dirt=FULLWIDTH)
    planter.answer("OF02", 1, o, "appointment covers a 50-day prison term")
    o = planter.person(age=55, death=-20, sources=("cert",))
    planter.official(o, unit, "SECTION")
    planter.answer("OF02", 0, o, "near-miss: died 20 days ago")
    o = planter.person(age=45)
    planter.official(o, unit, "SECTION")
    planter.custody(o, "PRISON", -200, -180)
    planter.answer("OF02", 0, o, "near-miss: 20-day prison term")


def plant_of03(planter: Planter) -> None:
    unit = planter.unit()
    o = planter.person(age=45)
    s = planter.wife(o, 43, declared=False)
    planter.official(o, unit, "SECTION")
    planter.answer("OF03", 1, o, "wife not declared")
    o = planter.person(age=45)
    s = planter.person(age=43, male=False, with_of=o, rel="SPOUSE")
    c = planter.person(age=15, with_of=o, rel="CHILD")
    planter.marry(o, s, -5000)
    planter.official(o, unit, "DIVISION")
    planter.declare(o, s, "SPOUSE")
    planter.answer("OF03", 1, o, "household child not declared")
    del c
    o = planter.person(age=45)
    ex = planter.person(age=43, male=False)
    c = planter.person(age=15, with_of=o, rel="CHILD")
    planter.marry(o, ex, -6000)
    planter.marry(o, ex, -3000, kind="DIVORCE")
    planter.official(o, unit, "SECTION")
    planter.declare(o, c, "CHILD")
    planter.answer("OF03", 0, o, "near-miss: divorced ex-wife not declared, child declared")


def plant_of04(planter: Planter) -> None:
    cm = planter.current_month
    unit = planter.unit()
    o = planter.person(age=45)
    planter.official(o, unit, "SECTION")
    planter.assistance_payment(o, cm - 3, program="TEMPORARY", amount="1000.00")
    planter.answer("OF04", 1, o, "section official received temporary assistance")
    o = planter.person(age=45)
    planter.official(o, unit, "DIVISION")
    _benefit(planter, o, cm - 2, dirt=LEGACY15)
    planter.answer("OF04", 1, o, "division official received unemployment benefit")
    o = planter.person(age=45)
    planter.official(o, unit, "SECTION")
    planter.post(o, planter.unit("TOWNSHIP"), start=-200)
    planter.answer("OF04", 1, o, "section official holds a public-welfare post")
    o = planter.village_official(planter.village())
    planter.assistance_payment(o, cm - 3, program="TEMPORARY", amount="1000.00")
    planter.answer("OF04", 0, o, "near-miss: village cadre (exempt rank)")
    o = planter.person(age=45)
    planter.official(o, unit, "SECTION", start=-2000, end=-400)
    _benefit(planter, o, cm - 2)
    planter.answer("OF04", 0, o, "near-miss: benefit after the appointment ended")


# ---- disaster relief -----------------------------------------------------------------------------
def _event(planter: Planter, villages, day=-200) -> str:
    eid = f"EVP{planter.serial():04d}"
    for v in villages:
        planter.add("emergency.disaster_events", day, event_id=eid, region_code=v, event_date=planter.date(day), kind="FLOOD")
    return eid


def _relief(planter: Planter, pid, eid, region, amount=1000, day=-180, dirt=None) -> None:
    planter.add("emergency.relief_payments", day, payment_id=f"JZP{planter.serial():06d}", id_no=dirtied(pid, dirt), event_id=eid,
                region_code=region, amount=f"{amount:.2f}", pay_date=planter.date(day))


def plant_re01(planter: Planter) -> None:
    v1, v2, v3 = planter.village(), planter.village(), planter.village()
    eid = _event(planter, [v1, v2])
    for dirt in (None, FULLWIDTH):
        p = planter.person(age=40, village=v3)
        _relief(planter, p, eid, v1, dirt=dirt)
        planter.answer("RE01", 1, p, "recipient lives outside the affected villages")
    p = planter.person(age=40, village=v2)
    _relief(planter, p, eid, v3)
    planter.answer("RE01", 0, p, "near-miss: payment region differs but the recipient lives in an affected village")


def plant_re02(planter: Planter) -> None:
    v = planter.village()
    e1, e2 = _event(planter, [v]), _event(planter, [v], day=-100)
    for dirt in (None, LEGACY15):
        p = planter.person(age=40, village=v)
        _relief(planter, p, e1, v)
        _relief(planter, p, e1, v, day=-170, dirt=dirt)
        planter.answer("RE02", 1, p, "two relief payments for one event")
    p = planter.person(age=40, village=v)
    _relief(planter, p, e1, v)
    _relief(planter, p, e2, v, day=-80)
    planter.answer("RE02", 0, p, "near-miss: one payment for each of two events")


def plant_re03(planter: Planter) -> None:
    v = planter.village()
    eid = _event(planter, [v])
    for _ in range(5):
        _relief(planter, planter.person(age=40, village=v), eid, v)
    q = planter.village_official(v)
    _relief(planter, q, eid, v, amount=3000)
    planter.answer("RE03", 1, q, "village cadre received 3x the median relief")
    s = planter.wife(q, 45, married=-6000)
    _relief(planter, s, eid, v, amount=1500, dirt=LEGACY15)
    planter.answer("RE03", 1, s, "cadre's wife received exactly 1.5x the median")
    q2 = planter.village_official(v)
    _relief(planter, q2, eid, v, amount=1000)
    planter.answer("RE03", 0, q2, "near-miss: village cadre received the median amount")
    x = planter.person(age=40, village=v)
    _relief(planter, x, eid, v, amount=3000)
    planter.answer("RE03", 0, x, "near-miss: outsized amount to an ordinary villager")


# ---- one-card subsidies ------------------------------------------------------------------------------
def plant_fi04(planter: Planter) -> None:
    def pay(pid, day, dirt=None):
        planter.add("finance.subsidy_payments", day, payment_id=f"YKTP{planter.serial():06d}", id_no=dirtied(pid, dirt),
                    subsidy_type="高龄津贴", issuing_department="民政局", amount="200.00", pay_date=planter.date(day),
                    bank_account=planter.account(pid), region_code=planter.village_of[pid], changed_at=planter.cal.t(day))

    for src, dirt in ((("cert",), None), (("crem",), LEGACY15)):
        p = planter.person(age=85, death=-200, sources=src)
        pay(p, -100, dirt)
        planter.answer("FI04", 1, p, "one-card subsidy 100 days after death")
    p = planter.person(age=85, death=-200, sources=("status",))
    pay(p, -169)
    planter.answer("FI04", 0, p, "near-miss: paid exactly 31 days after death")


# The cases in the order plant.plant_all plants them (it fixes every planted id): a new case goes at the end.
CASES = (plant_ag01, plant_ag02, plant_ag03, plant_ag04, plant_ag05, plant_fi04, plant_ho01, plant_ho02,
         plant_ho03, plant_mi01, plant_mi02, plant_mi03, plant_mi04, plant_mi05, plant_mi06, plant_of01,
         plant_of02, plant_of03, plant_of04, plant_re01, plant_re02, plant_re03, plant_sa01, plant_sa02,
         plant_sa03, plant_sa04, plant_sa05, plant_sa06, plant_sa07, plant_sa08, plant_sa09, plant_sa10,
         plant_sg01, plant_sg02, plant_sg03, plant_sg04, plant_sg05, plant_sg06, plant_si01, plant_si02,
         plant_si03, plant_si04, plant_si05)
