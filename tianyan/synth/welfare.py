"""Background benefit programmes: pensions, unemployment, public-welfare posts, medical insurance,
disability, veterans, student aid, public rental housing, disaster relief and one-card subsidies.
Recipients are chosen so that no supervision rule fires (see city.py for the household classes)."""

from __future__ import annotations

import datetime as dt

import numpy as np

from tianyan.synth.city import NEVER, NORMAL, POOR, City
from tianyan.synth.civil import ICD, bank_account
from tianyan.synth.core import Ctx, money
from tianyan.synth.economy import Economy
from tianyan.synth.ids import uscc_vec
from tianyan.synth.util import cents, choose, expand, fill_none, ids, pick


def _monthly(ctx: Ctx, persons: np.ndarray, start_m: np.ndarray, end_m: np.ndarray, pay_dom: int):
    cal = ctx.cal
    i, mo = expand(start_m, end_m)
    day = cal.month_starts(mo) + pay_dom - 1
    keep = day <= ctx.end
    return i[keep], mo[keep], day[keep]


def pensions_and_veterans(ctx: Ctx, city: City) -> None:
    rng, cal = ctx.rng, ctx.cal
    w_m, e_m = cal.month_of(ctx.w0), cal.month_of(ctx.end)
    # dead pensioners are paid up to and including the month of death (never later)
    death_m = np.where(city.dead != NEVER, cal.month_of(np.minimum(city.dead, 3000)), e_m)
    ok = ~city.moved & ~city.custody
    sixty = cal.month_of(np.minimum(city.birth + 21915, 3000))
    who = np.flatnonzero(ok & (sixty <= e_m))
    start_m = np.maximum(sixty[who], w_m)
    i, mo, day = _monthly(ctx, who, start_m, np.minimum(death_m[who], e_m), 15)
    amt = money(cents(rng, 1500, 4500, len(who)) // 100 * 100)
    ctx.add("human_resources.pension_payments", day, payment_id=ids("PN", 1, len(i)), id_no=city.pid[who[i]],
            period=cal.period(mo), amount=amt[i], pay_date=cal.date(day))
    vet = np.flatnonzero(ok & city.male & (city.age() >= 40) & (rng.random(city.n) < 0.005))
    i, mo, day = _monthly(ctx, vet, np.full(len(vet), w_m), np.minimum(death_m[vet], e_m), 20)
    amt = money(cents(rng, 800, 3000, len(vet)) // 100 * 100)
    btype = pick(rng, np.array(["定期抚恤金", "伤残抚恤金", "优待金"], dtype=object), len(vet))
    ctx.add("veterans.benefit_payments", day, payment_id=ids("VB", 1, len(i)), id_no=city.pid[vet[i]],
            benefit_type=btype[i], period=cal.period(mo), amount=amt[i])


def hr_programmes(ctx: Ctx, city: City, eco: Economy) -> None:
    rng, cal = ctx.rng, ctx.cal
    age = city.age()
    w_m, e_m = cal.month_of(ctx.w0), cal.month_of(ctx.end)
    free = city.alive_all() & ~eco.employed & ~eco.biz_person & (age >= 22) & (age <= 55)
    unemp = np.flatnonzero(free & (city.cls == NORMAL) & (rng.random(city.n) < 0.03))
    start = rng.integers(w_m, e_m - 2, len(unemp))
    i, mo, day = _monthly(ctx, unemp, start, np.minimum(start + rng.integers(2, 6, len(unemp)), e_m), 20)
    ctx.add("human_resources.unemployment_benefits", day, payment_id=ids("UB", 1, len(i)), id_no=city.pid[unemp[i]],
            period=cal.period(mo), amount=money(cents(rng, 1500, 2200, len(unemp))[i]), pay_date=cal.date(day))
    posts = np.flatnonzero(free & ~np.isin(np.arange(city.n), unemp) & (city.cls != 2) & (age >= 25)
                           & (rng.random(city.n) < np.where(city.cls == POOR, 0.05, 0.002)))
    n = len(posts)
    vil = city.hh_village[city.hh[posts]]
    unit = np.where(rng.random(n) < 0.5, city.town_unit[city.vil_town[vil]], city.village_unit[vil])
    start = -rng.integers(30, 900, n)
    ended = rng.random(n) < 0.2
    end = np.where(ended, np.minimum(start + rng.integers(90, 600, n), -1), NEVER)
    ctx.add("human_resources.public_welfare_posts", np.minimum(start, 0), post_id=ids("GY", 1, n), id_no=city.pid[posts],
            employer_unit_code=city.unit_code[unit], region_code=city.vil_code[vil], start_date=cal.date(start),
            end_date=fill_none(cal.date(np.minimum(end, 3000)), ~ended),
            monthly_subsidy=money(cents(rng, 1500, 2200, n) // 100 * 100))


def medical(ctx: Ctx, city: City) -> dict:
    rng, cal = ctx.rng, ctx.cal
    n_i = max(8, ctx.residents // 4000)
    kind = np.array(["HOSPITAL", "CLINIC", "PHARMACY"], dtype=object)[np.arange(n_i) % 3]
    d = np.arange(n_i) % len(city.districts)
    region6 = np.array([int(x) for x in city.districts])[d]
    code = np.char.add("YL", np.char.mod("%06d", np.arange(n_i))).astype(object)
    vil = pick(rng, np.arange(len(city.vil_code)), n_i)
    vil = np.array([rng.choice(np.flatnonzero(city.vil_district == k)) for k in d])
    ctx.add("medical_insurance.institutions", ctx.w0 - 1, institution_code=code,
            uscc=uscc_vec("12", region6, 500_000 + np.arange(n_i)),
            name=np.char.add(np.char.mod("%03d", np.arange(n_i)), "号定点医药机构").astype(object), kind=kind,
            region_code=city.vil_code[vil], license_status="VALID", license_status_date=None)
    age = city.age()
    ok = city.alive_all()
    doctors = choose(rng, np.flatnonzero(ok & (city.cls == NORMAL) & (age >= 30) & (age <= 60)),
                     max(5, ctx.residents // 500))
    hosp = np.flatnonzero(kind != "PHARMACY")
    pharm = np.flatnonzero(kind == "PHARMACY")
    n_o = int(0.35 * ctx.residents)
    pat = pick(rng, np.flatnonzero(ok), n_o)
    ctype = rng.choice(np.array(["OUTPATIENT", "PHARMACY"], dtype=object), n_o, p=[0.6, 0.4])
    inst = np.where(ctype == "PHARMACY", pick(rng, pharm, n_o), pick(rng, hosp, n_o))
    admit = rng.integers(ctx.w0, ctx.end + 1, n_o)
    total = cents(rng, 50, 3000, n_o)
    # inpatients: at most one stay per person, never an assistance recipient (MI02, MI05, MI06 stay silent)
    inp = choose(rng, np.flatnonzero(ok & (city.cls != POOR)), int(0.04 * ctx.residents))
    n_in = len(inp)
    a_in = rng.integers(ctx.w0, ctx.end - 15, n_in)
    disc = a_in + rng.integers(2, 15, n_in)
    t_in = cents(rng, 3000, 50000, n_in)
    persons = np.concatenate([pat, inp])
    day = np.concatenate([admit, disc])
    total_all = np.concatenate([total, t_in])
    n = len(persons)
    ct = np.concatenate([ctype, np.full(n_in, "INPATIENT", dtype=object)])
    discharge = np.concatenate([np.where(ctype == "OUTPATIENT", admit, NEVER), disc])
    doc = np.where(np.concatenate([ctype == "PHARMACY", np.zeros(n_in, bool)]), None, city.pid[pick(rng, doctors, n)])
    ctx.add("medical_insurance.claims", day, claim_id=ids("YB", 1, n), id_no=city.pid[persons],
            institution_code=code[np.concatenate([inst, pick(rng, hosp, n_in)])], claim_type=ct,
            admit_date=cal.date(np.concatenate([admit, a_in])),
            discharge_date=fill_none(cal.date(np.minimum(discharge, 3000)), discharge == NEVER),
            total_amount=money(total_all), fund_paid=money(total_all * rng.integers(50, 80, n) // 100),
            diagnosis_code=pick(rng, ICD, n), doctor_id_no=doc)
    return {"institutions": code, "hospitals": code[hosp]}


def disability(ctx: Ctx, city: City) -> None:
    rng, cal = ctx.rng, ctx.cal
    who = np.flatnonzero(city.alive_all() & (city.cls != 2) & (rng.random(city.n) < 0.02))
    n = len(who)
    grade = rng.integers(1, 5, n)
    issue = -rng.integers(30, 4000, n)
    valid_until = np.maximum(issue + 3652, ctx.end + 400 + rng.integers(0, 2000, n))
    cancelled = rng.random(n) < 0.05
    ctx.add("disabled_persons.certificates", np.minimum(issue, 0), certificate_no=ids("CJ", 1, n), id_no=city.pid[who],
            category=rng.choice(np.array(["VISUAL", "HEARING", "SPEECH", "PHYSICAL", "INTELLECTUAL", "MENTAL",
                                          "MULTIPLE"], dtype=object), n),
            grade=grade.astype(str).astype(object), issue_date=cal.date(issue), valid_until=cal.date(valid_until),
            status=np.where(cancelled, "CANCELLED", "VALID").astype(object))
    w_m, e_m = cal.month_of(ctx.w0), cal.month_of(ctx.end)
    first = np.maximum(cal.month_of(issue) + 1, w_m)  # subsidies start the month after issue
    living = ~cancelled & (city.cls[who] == POOR)
    care = ~cancelled & (grade <= 2)
    out = []
    for mask, kind, lo, hi in ((living, "LIVING", 80, 120), (care, "CARE", 80, 150)):
        sel = np.flatnonzero(mask)
        i, mo, day = _monthly(ctx, sel, first[sel], np.full(len(sel), e_m), 20)
        out.append((who[sel[i]], kind, mo, day, cents(rng, lo, hi, len(sel))[i] // 100 * 100))
    pid = np.concatenate([city.pid[o[0]] for o in out])
    ctx.add("disabled_persons.subsidies", np.concatenate([o[3] for o in out]), payment_id=ids("CB", 1, len(pid)),
            id_no=pid, subsidy_type=np.concatenate([np.full(len(o[0]), o[1], dtype=object) for o in out]),
            period=cal.period(np.concatenate([o[2] for o in out])), amount=money(np.concatenate([o[4] for o in out])))


def student_aid(ctx: Ctx, city: City) -> None:
    rng, cal = ctx.rng, ctx.cal
    head_of = np.full(len(city.hh_id), -1)
    heads = np.flatnonzero(city.rel == "HEAD")
    head_of[city.hh[heads]] = heads
    kids = np.flatnonzero((city.rel == "CHILD") & (city.cls == POOR) & city.alive_all())
    rows = []
    for ay in (ctx.as_of.year - 2, ctx.as_of.year - 1, ctx.as_of.year):
        day = cal.off(dt.date(ay, 10, 15))
        if day > ctx.end or day < ctx.w0:
            continue
        a = (cal.off(dt.date(ay, 9, 1)) - city.birth[kids]) // 365.25
        sel = kids[(a >= 6) & (a <= 22)]
        rows.append((sel, ay, day))
    for k, (sel, ay, day) in enumerate(rows):
        n = len(sel)
        vil = city.hh_village[city.hh[sel]]
        ctx.add("education.student_aid", day, aid_id=ids(f"ZZ{ay}", 1, n, 7), student_id_no=city.pid[sel],
                guardian_id_no=city.pid[head_of[city.hh[sel]]],
                school_code=np.char.add("SCH", np.char.mod("%03d", vil % 997)).astype(object),
                aid_type=pick(rng, np.array(["国家助学金", "营养改善计划补助", "免学杂费"], dtype=object), n),
                academic_year=str(ay), amount=money(cents(rng, 1000, 3000, n) // 100 * 100),
                region_code=city.vil_code[vil])
        del k


def housing(ctx: Ctx, city: City) -> None:
    rng, cal = ctx.rng, ctx.cal
    heads = np.flatnonzero((city.rel == "HEAD") & (city.cls == POOR))
    vil = city.hh_village[city.hh[heads]]
    t = heads[city.vil_urban[vil] & (rng.random(len(heads)) < 0.4)]
    n = len(t)
    start = -rng.integers(10, 2000, n)
    ctx.add("housing.public_rental_leases", np.minimum(start, 0), lease_id=ids("GZ", 1, n), id_no=city.pid[t],
            household_size=city.hh_size[city.hh[t]].astype(str).astype(object), region_code=city.region(t),
            start_date=cal.date(start), end_date=None, monthly_subsidy=money(cents(rng, 100, 600, n) // 100 * 100))


def relief(ctx: Ctx, city: City) -> None:
    rng, cal = ctx.rng, ctx.cal
    n_ev = max(3, ctx.residents // 150_000 + 2)
    kinds = np.array(["FLOOD", "EARTHQUAKE", "DROUGHT", "FIRE", "OTHER"], dtype=object)
    ev_rows, pay_rows = [], []
    village = city.hh_village[city.hh]
    cand = city.alive_all() & (city.cls != 2) & (city.age() >= 18)
    for e in range(n_ev):
        day = int(-rng.integers(60, 700))
        vil = choose(rng, np.arange(len(city.vil_code)), int(rng.integers(2, 5)))
        eid = f"EV{e + 1:04d}"
        ev_rows.append((eid, city.vil_code[vil], day, kinds[rng.integers(0, len(kinds))]))
        who = np.flatnonzero(cand & np.isin(village, vil) & (rng.random(city.n) < 0.08))
        base = int(rng.integers(8, 30)) * 10000
        # amounts within +-15% of the event's base: nobody reaches 1.5x the median (RE03)
        pay_rows.append((eid, who, (base * rng.uniform(0.87, 1.13, len(who))).astype(np.int64) // 100 * 100,
                         day + rng.integers(5, 40, len(who))))
    for eid, vcodes, day, kind in ev_rows:
        ctx.add("emergency.disaster_events", day, event_id=eid, region_code=vcodes, event_date=cal.d(day), kind=kind)
    pid = np.concatenate([city.pid[w] for _, w, _, _ in pay_rows])
    who = np.concatenate([w for _, w, _, _ in pay_rows])
    day = np.concatenate([d for *_, d in pay_rows])
    ctx.add("emergency.relief_payments", day, payment_id=ids("JZ", 1, len(pid)), id_no=pid,
            event_id=np.concatenate([np.full(len(w), e, dtype=object) for e, w, _, _ in pay_rows]),
            region_code=city.vil_code[village[who]], amount=money(np.concatenate([a for _, _, a, _ in pay_rows])),
            pay_date=cal.date(day))


ONE_CARD = np.array(["耕地地力保护补贴", "农机购置补贴", "高龄津贴", "困难群众价格补贴", "农村危房改造补助"], dtype=object)
ISSUERS = np.array(["农业农村局", "农业农村局", "民政局", "发展改革局", "住房和城乡建设局"], dtype=object)


def one_card(ctx: Ctx, city: City) -> None:
    rng, cal = ctx.rng, ctx.cal
    who = np.flatnonzero(city.alive_all() & (city.cls != 2) & (city.age() >= 18) & (rng.random(city.n) < 0.08))
    k = rng.integers(1, 4, len(who))
    p = np.repeat(who, k)
    n = len(p)
    t = rng.integers(0, len(ONE_CARD), n)
    day = rng.integers(ctx.w0, ctx.end + 1, n)
    ctx.add("finance.subsidy_payments", day, payment_id=ids("YKT", 1, n), id_no=city.pid[p], subsidy_type=ONE_CARD[t],
            issuing_department=ISSUERS[t], amount=money(cents(rng, 50, 3000, n)), pay_date=cal.date(day),
            bank_account=bank_account(city.hh[p]), region_code=city.region(p), changed_at=cal.ts(day))
