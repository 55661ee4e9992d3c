"""Background feeds about people and the state: household registration, deaths (three sources),
marriages, custody, the unit and official rosters with declared relatives, and social assistance."""

from __future__ import annotations

import numpy as np
import pandas as pd

from tianyan.synth.city import CIVIL_AFFAIRS_UNIT, NEVER, OFFICIAL, POOR, City
from tianyan.synth.core import Ctx, money
from tianyan.synth.util import cents, expand, fill_none, gender, ids, pick, strs

ICD = np.array(["I21.9", "C34.9", "J44.9", "I63.9", "E11.9", "K74.6", "N18.9", "C16.9"], dtype=object)
FUNERAL_HOMES = np.array(["凯里市殡仪馆", "黄平县殡仪馆", "镇远县殡仪服务中心"], dtype=object)


def death_sources(ctx: Ctx, city: City) -> np.ndarray:
    """Per person: -1 alive; 0 certificate+cremation+status, 1 certificate only, 2 cremation only,
    3 registration status only (the three sources the spec's dead(p, d) combines)."""
    src = np.full(city.n, -1, dtype=np.int64)
    dead = np.flatnonzero(city.dead != NEVER)
    src[dead] = ctx.rng.choice(4, size=len(dead), p=[0.6, 0.15, 0.1, 0.15])
    return src


def registration(ctx: Ctx, city: City, src: np.ndarray) -> None:
    rng, cal = ctx.rng, ctx.cal
    n = city.n
    status = np.full(n, "ACTIVE", dtype=object)
    status_off = np.full(n, NEVER, dtype=np.int64)
    deceased = (src == 0) | (src == 3)
    status[deceased] = "DECEASED"
    status_off[deceased] = city.dead[deceased]
    status[city.moved] = "MOVED_OUT"
    status_off[city.moved] = -rng.integers(2, 700, city.moved.sum())
    changed = np.where(status_off != NEVER, status_off, np.maximum(city.birth, ctx.w0 - 1))
    ctx.add(
        "public_security.household_registration", changed,
        op="U", id_no=city.pid, name=city.pname, gender=gender(city.male), birth_date=cal.date(city.birth),
        household_id=city.hh_id[city.hh], relation_to_head=city.rel, region_code=city.region(np.arange(n)),
        status=status, status_date=fill_none(cal.date(np.minimum(status_off, 3000)), status_off == NEVER),
        changed_at=cal.ts(changed),
    )


def deaths(ctx: Ctx, city: City, src: np.ndarray) -> None:
    rng, cal = ctx.rng, ctx.cal
    cert = np.flatnonzero((src == 0) | (src == 1))
    ctx.add(
        "health.death_certificates", city.dead[cert],
        certificate_id=ids("DC", 1, len(cert)), id_no=city.pid[cert], death_date=cal.date(city.dead[cert]),
        place=pick(rng, np.array(["HOSPITAL", "HOME", "OTHER"], dtype=object), len(cert)),
        cause_code=pick(rng, ICD, len(cert)),
    )
    crem = np.flatnonzero((src == 0) | (src == 2))
    cday = city.dead[crem] + rng.integers(1, 5, len(crem))
    keep = cday <= ctx.end
    crem, cday = crem[keep], cday[keep]
    ctx.add(
        "civil_affairs.cremation_records", cday,
        record_id=ids("CR", 1, len(crem)), id_no=city.pid[crem], name=city.pname[crem],
        death_date=cal.date(city.dead[crem]), cremation_date=cal.date(cday),
        funeral_home=pick(rng, FUNERAL_HOMES, len(crem)),
    )


def marriages(ctx: Ctx, city: City) -> None:
    rng, cal = ctx.rng, ctx.cal
    df = pd.DataFrame({"p": np.arange(city.n), "hh": city.hh, "rel": city.rel})
    heads = df[df.rel == "HEAD"].set_index("hh")["p"]
    spouses = df[df.rel == "SPOUSE"]
    h = heads.loc[spouses["hh"].to_numpy()].to_numpy()
    s = spouses["p"].to_numpy()
    younger = np.maximum(city.birth[h], city.birth[s])
    day = younger + (rng.uniform(21, 30, len(h)) * 365.25).astype(np.int64)
    recent = day > -2
    day[recent] = -rng.integers(2, 700, recent.sum())
    day = np.maximum(day, younger + 20 * 366)  # legal age even for recent marriages
    day = np.minimum(day, -1)
    # divorces between single NORMAL heads (the ex-spouses live apart; not relatives any more)
    age = city.age()
    single = df[(df.rel == "HEAD")]
    single = single[(city.hh_size[single["hh"].to_numpy()] <= 2) & (city.cls[single["p"].to_numpy()] == 0)]
    cand = single["p"].to_numpy()
    cand = cand[(age[cand] >= 32) & (age[cand] <= 60) & ~np.isin(cand, s) & ~np.isin(cand, h)]
    men, women = rng.permutation(cand[city.male[cand]]), rng.permutation(cand[~city.male[cand]])
    k = int(min(len(men), len(women)) * 0.1)
    m_, w_ = men[:k], women[:k]
    d1 = np.maximum(np.maximum(city.birth[m_], city.birth[w_]) + 22 * 366, -rng.integers(2500, 9000, k))
    d2 = np.minimum(d1 + rng.integers(400, 3000, k), -rng.integers(1, 30, k))
    p1 = np.concatenate([city.pid[h], city.pid[m_], city.pid[m_]])
    p2 = np.concatenate([city.pid[s], city.pid[w_], city.pid[w_]])
    kind = np.concatenate([np.full(len(h) + k, "MARRIAGE", dtype=object), np.full(k, "DIVORCE", dtype=object)])
    day_all = np.concatenate([day, d1, d2])
    swap = rng.random(len(p1)) < 0.5
    p1, p2 = np.where(swap, p2, p1), np.where(swap, p1, p2)
    ctx.add("civil_affairs.marriage_registrations", day_all, registration_id=ids("MR", 1, len(p1)),
            party1_id_no=p1, party2_id_no=p2, kind=kind, registration_date=cal.date(day_all))


def custody(ctx: Ctx, city: City) -> None:
    rng, cal = ctx.rng, ctx.cal
    who = np.flatnonzero(city.custody)
    n = len(who)
    kind = rng.choice(np.array(["PRISON", "DETENTION", "COMMUNITY_CORRECTION"], dtype=object), n, p=[0.4, 0.3, 0.3])
    start = np.where(kind == "DETENTION", -rng.integers(20, 700, n), -rng.integers(30, 2000, n))
    length = np.where(kind == "DETENTION", rng.integers(5, 15, n), rng.integers(180, 2500, n))
    end = start + length
    open_ = end > ctx.end
    ctx.add("justice.custody_records", np.minimum(start, 0), record_id=ids("CU", 1, n), id_no=city.pid[who],
            custody_kind=kind, start_date=cal.date(start), end_date=fill_none(cal.date(np.minimum(end, 3000)), open_))


POSITIONS = {"VILLAGE": ("村党支部书记", "村委会委员"), "SECTION": ("科员", "科员"), "DIVISION": ("副局长", "科长"),
             "BUREAU": ("局长", "局长")}


def organization(ctx: Ctx, city: City) -> None:
    cal = ctx.cal
    ctx.add("organization.public_units", ctx.w0 - 1, unit_code=city.unit_code, name=city.unit_name,
            parent_unit_code=city.unit_parent, kind=city.unit_kind, region_code=city.unit_region)
    n = len(city.apt_person)
    pos = np.array([POSITIONS[r][0 if lead else 1] for r, lead in zip(city.apt_rank, city.apt_leader, strict=True)],
                   dtype=object)
    ctx.add(
        "organization.officials", np.minimum(city.apt_start, 0), appointment_id=ids("AP", 1, n),
        id_no=city.pid[city.apt_person], name=city.pname[city.apt_person], unit_code=city.unit_code[city.apt_unit],
        position=pos, rank=city.apt_rank, is_leader=np.where(city.apt_leader, "true", "false").astype(object),
        jurisdiction_region_code=city.unit_region[city.apt_unit], start_date=cal.date(city.apt_start),
        end_date=fill_none(cal.date(np.minimum(city.apt_end, 3000)), city.apt_end == NEVER),
    )
    # Declarations: spouse, household children and parents (the household holds every relative).
    off = pd.DataFrame({"o": city.apt_person, "s": city.apt_start}).groupby("o")["s"].min().reset_index()
    off["hh"] = city.hh[off["o"].to_numpy()]
    off["orel"] = city.rel[off["o"].to_numpy()]
    mem = pd.DataFrame({"r": np.arange(city.n), "hh": city.hh, "rrel": city.rel})
    j = off.merge(mem, on="hh")
    j = j[j["o"] != j["r"]]
    head = j["orel"] == "HEAD"
    rel = np.select(
        [j["rrel"].isin(["SPOUSE", "HEAD"]), j["rrel"] == "CHILD", (j["rrel"] == "PARENT") & head],
        ["SPOUSE", "CHILD", "PARENT"], "SPOUSE_PARENT",
    ).astype(object)
    ctx.add("discipline.official_relatives", np.minimum(j["s"].to_numpy(), 0),
            official_id_no=city.pid[j["o"].to_numpy()], relative_id_no=city.pid[j["r"].to_numpy()], relation=rel,
            declared_date=cal.date(np.minimum(j["s"].to_numpy(), 0)))


def bank_account(hh) -> np.ndarray:
    """One assistance bank account per household (SA10 stays silent on background)."""
    return np.char.add("62170", np.char.zfill(np.char.mod("%d", np.asarray(hh)), 11)).astype(object)


def assistance(ctx: Ctx, city: City) -> None:
    rng, cal = ctx.rng, ctx.cal
    poor = np.flatnonzero(city.hh_class == POOR)
    heads = pd.Series(np.arange(city.n))[city.rel == "HEAD"]
    head_of = np.full(len(city.hh_id), -1)
    head_of[city.hh[heads.to_numpy()]] = heads.to_numpy()
    rec = head_of[poor]
    n = len(rec)
    vil = city.hh_village[poor]
    urban = city.vil_urban[vil]
    age = city.age()[rec]
    tekun = (city.hh_size[poor] == 1) & (age >= 60) & (rng.random(n) < 0.6)
    program = np.where(tekun, "TEKUN", np.where(urban, "DIBAO_URBAN", "DIBAO_RURAL")).astype(object)
    start = -rng.integers(30, 2500, n)
    ended = rng.random(n) < 0.12
    end = np.where(ended, -rng.integers(1, 200, n), NEVER)
    start = np.where(ended, np.minimum(start, end - 90), start)
    amount = cents(rng, 300, 900, n) // 100 * 100
    du = city.district_units[city.vil_district[vil], CIVIL_AFFAIRS_UNIT]
    approver = approver_for_units(city, du)
    status = np.where(ended, "ENDED", "ACTIVE").astype(object)
    ctx.add(
        "civil_affairs.assistance_enrollments", np.minimum(start, 0), enrollment_id=ids("EN", 1, n),
        household_id=city.hh_id[poor], id_no=city.pid[rec], name=city.pname[rec], program=program,
        region_code=city.vil_code[vil], start_date=cal.date(start),
        end_date=fill_none(cal.date(np.minimum(end, 3000)), ~ended), monthly_amount=money(amount),
        approver_id_no=city.pid[approver], status=status,
    )
    last_m = np.where(ended, cal.month_of(np.minimum(end, 3000)), cal.month_of(ctx.end))
    first_m = np.maximum(cal.month_of(start), cal.month_of(ctx.w0))
    i, mo = expand(first_m, last_m)
    pay = cal.month_starts(mo) + 9
    keep = pay <= ctx.end
    i, mo, pay = i[keep], mo[keep], pay[keep]
    acct = bank_account(poor)
    amt = money(amount)
    # one-off TEMPORARY assistance for some poor households (never duplicates a monthly programme)
    t = np.flatnonzero(rng.random(n) < 0.1)
    tpay = -rng.integers(1, 700, len(t))
    ti = np.concatenate([i, t])
    tday = np.concatenate([pay, tpay])
    tmonth = np.concatenate([mo, cal.month_of(tpay)])
    tprog = np.concatenate([program[i], np.full(len(t), "TEMPORARY", dtype=object)])
    tamt = np.concatenate([amt[i], money(cents(rng, 500, 2000, len(t)))])
    ctx.add("civil_affairs.assistance_payments", tday, payment_id=ids("SP", 1, len(ti)), id_no=city.pid[rec[ti]],
            program=tprog, period=cal.period(tmonth), amount=tamt, pay_date=cal.date(tday), bank_account=acct[ti],
            region_code=city.vil_code[vil[ti]])


def approver_for_units(city: City, units: np.ndarray) -> np.ndarray:
    """A SECTION-rank official of each given unit (open appointment)."""
    df = pd.DataFrame({"u": city.apt_unit, "p": city.apt_person, "r": city.apt_rank, "e": city.apt_end})
    df = df[(df.r == "SECTION") & (df.e == NEVER)].drop_duplicates("u").set_index("u")["p"]
    return df.reindex(units).to_numpy(dtype=np.int64)


def unit_leader(city: City) -> np.ndarray:
    """Leader (person index) per unit, -1 when none is open."""
    out = np.full(len(city.unit_code), -1, dtype=np.int64)
    ok = city.apt_leader & (city.apt_end == NEVER)
    out[city.apt_unit[ok]] = city.apt_person[ok]
    return out


def official_mask(city: City) -> np.ndarray:
    m = np.zeros(city.n, bool)
    m[city.apt_person] = True
    return m


__all__ = ["OFFICIAL", "strs"]
