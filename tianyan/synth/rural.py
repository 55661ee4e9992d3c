"""Background rural feeds: land and forest rights with their subsidies, village collective assets,
contracts and ledger, poverty monitoring, revitalization projects and transport subsidies."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

from tianyan.synth.city import NEVER, NORMAL, POOR, City
from tianyan.synth.civil import unit_leader
from tianyan.synth.core import Ctx, money
from tianyan.synth.economy import Economy
from tianyan.synth.util import cents, choose, ids, pick

ASSET_TYPES = np.array(["FARMLAND", "BUILDING", "POND", "FOREST", "EQUIPMENT", "OTHER"], dtype=object)
# yearly rent per unit of area (cents) that the district's rents scatter around (VC02 peer median)
RATE = {"FARMLAND": 80_000, "BUILDING": 12_000, "POND": 100_000, "FOREST": 10_000, "EQUIPMENT": 200_000,
        "OTHER": 50_000}
AREA = {"FARMLAND": (20, 200), "BUILDING": (100, 2000), "POND": (5, 50), "FOREST": (50, 500), "EQUIPMENT": (1, 10),
        "OTHER": (10, 100)}


def district_factor(district: np.ndarray) -> np.ndarray:
    return 1.0 + 0.1 * (np.asarray(district) % 3)


def rural_heads(city: City) -> np.ndarray:
    heads = np.flatnonzero((city.rel == "HEAD") & np.isin(city.cls, [NORMAL, POOR]) & city.alive_all())
    return heads[~city.vil_urban[city.hh_village[city.hh[heads]]]]


def farm_and_forest(ctx: Ctx, city: City) -> None:
    rng, cal = ctx.rng, ctx.cal
    heads = rural_heads(city)
    for feed_r, feed_p, share, lo, hi, per_mu, month, day_m in (
        ("agriculture.land_contracts", "agriculture.farm_subsidies", 0.6, 200, 1500, 125, 4, 20),
        ("forestry.forest_rights", "forestry.eco_compensation", 0.15, 1000, 10000, 16, 9, 10),
    ):
        who = heads[rng.random(len(heads)) < share]
        n = len(who)
        area = rng.integers(lo, hi, n)  # hundredths of a mu
        vil = city.region(who)
        forest = feed_r.startswith("forestry")
        rid = ids("LQ" if forest else "CB", 1, n)
        area_col = "forest_area_mu" if forest else "contracted_area_mu"
        ctx.add(feed_r, ctx.w0 - 1, right_id=rid, id_no=city.pid[who], village_code=vil, **{area_col: money(area)})
        k = 0
        for y in (ctx.as_of.year - 1, ctx.as_of.year):
            day = cal.off(dt.date(y, month, day_m))
            if day > ctx.end or day < ctx.w0:
                continue
            cols = dict(id_no=city.pid[who], village_code=vil, amount=money(area * per_mu))
            if forest:
                cols.update(comp_year=str(y), forest_area_mu=money(area))
            else:
                cols.update(subsidy_year=str(y), subsidized_area_mu=money(area), pay_date=cal.d(day))
            ctx.add(feed_p, day, payment_id=ids(f"{'ST' if forest else 'GD'}{y}", k + 1, n, 8), **cols)
            k += n


def collective(ctx: Ctx, city: City, eco: Economy) -> None:
    rng, cal = ctx.rng, ctx.cal
    n_v = len(city.vil_code)
    per = rng.integers(6, 13, n_v)
    vil = np.repeat(np.arange(n_v), per)
    n = len(vil)
    atype = pick(rng, ASSET_TYPES, n)
    lo = np.array([AREA[t][0] for t in atype])
    hi = np.array([AREA[t][1] for t in atype])
    area = (rng.uniform(lo, hi) * 100).astype(np.int64)
    aid = np.char.add("ZC", np.char.add(city.vil_code[vil].astype(str), np.char.mod("%03d", np.arange(n) % 1000)))
    aid = np.char.add(aid, np.char.mod("%d", np.arange(n))).astype(object)
    ctx.add("agriculture.collective_assets", ctx.w0 - 1, asset_id=aid, village_code=city.vil_code[vil], asset_type=atype,
            area=money(area), book_value=money(rng.integers(1000, 500_000, n) * 100))
    leased = np.flatnonzero(rng.random(n) < 0.5)
    m = len(leased)
    lv = vil[leased]
    # counterparties: villagers of NORMAL households or clean enterprises, each at most once per village
    village = city.hh_village[city.hh]
    cand = np.flatnonzero((city.cls == NORMAL) & city.alive_all() & (city.age() >= 25))
    cp = pd.DataFrame({"p": cand, "v": village[cand], "r": rng.random(len(cand))}).sort_values(["v", "r"])
    cp["k"] = cp.groupby("v").cumcount()
    slot = pd.Series(np.arange(m)).groupby(lv).cumcount().to_numpy()
    got = cp.set_index(["v", "k"])["p"].reindex(pd.MultiIndex.from_arrays([lv, slot])).to_numpy()
    person = (rng.random(m) < 0.6) & ~np.isnan(got)
    # the slot makes counterparties distinct within a village (VC06 stays silent)
    ents = eco.clean[(slot + lv * 13) % len(eco.clean)]
    cp_id = np.where(person, city.pid[np.nan_to_num(got).astype(np.int64)], eco.uscc[ents])
    district = city.vil_district[lv]
    rate = np.array([RATE[t] for t in atype[leased]]) * district_factor(district)
    rent = (area[leased] / 100 * rate * rng.uniform(0.85, 1.15, m)).astype(np.int64) // 100 * 100
    rent = np.maximum(rent, 10_000)
    years = rng.integers(1, 9, m)
    value = rent * years
    award = np.where(value >= 9_000_000, "PUBLIC_BIDDING",
                     rng.choice(np.array(["PUBLIC_BIDDING", "NEGOTIATED", "DIRECT"], dtype=object), m))
    sign = -rng.integers(30, 2500, m)
    start = sign + rng.integers(0, 30, m)
    end = start + years * 365
    leader = unit_leader(city)[city.village_unit[lv]]
    ctx.add("agriculture.collective_contracts", np.minimum(sign, 0), contract_id=ids("HTC", 1, m, 8),
            village_code=city.vil_code[lv], asset_id=aid[leased],
            counterparty_kind=np.where(person, "PERSON", "ORG").astype(object), counterparty_id=cp_id,
            annual_rent=money(rent), area=money(area[leased]), start_date=cal.date(start), end_date=cal.date(end),
            award_method=award.astype(object), sign_date=cal.date(sign), signer_id_no=city.pid[leader])
    ledger(ctx, city, eco, cp_id, person, lv, rent)


def ledger(ctx: Ctx, city: City, eco: Economy, cp_id, person, lv, rent) -> None:
    rng, cal = ctx.rng, ctx.cal
    w_m, e_m = cal.month_of(ctx.w0), cal.month_of(ctx.end)
    months = np.arange(w_m, e_m + 1)
    first = cal.month_starts(months)
    n_v = len(city.vil_code)
    leader = unit_leader(city)[city.village_unit]
    parts = []  # (village, day, dir, amount, ckind, cid, cat, method)
    # salaries to the village cadres (the only payments to cadres)
    vc = np.flatnonzero(np.isin(city.apt_unit, city.village_unit) & (city.apt_end == NEVER))
    cad_v = pd.Series(np.arange(n_v), index=city.village_unit).reindex(city.apt_unit[vc]).to_numpy()
    cad = city.apt_person[vc]
    vi, mi = np.repeat(np.arange(len(cad)), len(months)), np.tile(np.arange(len(months)), len(cad))
    parts.append((cad_v[vi], first[mi] + 4, "OUT", rng.integers(3000, 4500, len(vi)) * 100, "PERSON",
                  city.pid[cad[vi]], "SALARY", "BANK"))
    # yearly rent income from each contract
    for y0 in range(2):
        d = rng.integers(ctx.w0 + 365 * y0, ctx.w0 + 365 * (y0 + 1), len(lv))
        parts.append((lv, d, "IN", rent, np.where(person, "PERSON", "ORG").astype(object), cp_id, "RENT", "BANK"))
    # monthly services/projects to clean enterprises, subsidies to ordinary villagers, petty cash
    vi, mi = np.repeat(np.arange(n_v), len(months)), np.tile(np.arange(len(months)), n_v)
    k = len(vi)
    parts.append((vi, first[mi] + rng.integers(0, 27, k), "OUT", rng.integers(2000, 80000, k) * 100, "ORG",
                  eco.uscc[pick(rng, eco.clean, k)], pick(rng, np.array(["PROJECT", "SERVICE"], dtype=object), k), "BANK"))
    village = city.hh_village[city.hh]
    cand = np.flatnonzero((city.cls == NORMAL) & city.alive_all() & (city.age() >= 18))
    by_v = pd.Series(cand).groupby(village[cand]).apply(np.array)
    sub_p = np.array([by_v[v][rng.integers(0, len(by_v[v]))] if v in by_v.index else -1 for v in vi])
    ok = sub_p >= 0
    parts.append((vi[ok], (first[mi] + rng.integers(0, 27, k))[ok], "OUT", rng.integers(200, 2000, k)[ok] * 100,
                  "PERSON", city.pid[sub_p[ok]], "SUBSIDY", "BANK"))
    cash = rng.random(k) < 0.5
    parts.append((vi[cash], (first[mi] + rng.integers(0, 27, k))[cash], "OUT", rng.integers(100, 3000, k)[cash] * 100,
                  None, None, "OTHER", "CASH"))
    v = np.concatenate([p[0] for p in parts])
    day = np.concatenate([p[1] for p in parts])

    def col(j):
        return np.concatenate([np.broadcast_to(np.asarray(p[j], dtype=object), (len(p[0]),)) for p in parts])

    keep = (day >= ctx.w0) & (day <= ctx.end)
    amount = np.concatenate([p[3] for p in parts])
    ctx.add("agriculture.collective_ledger", day[keep], entry_id=ids("LG", 1, int(keep.sum())),
            village_code=city.vil_code[v[keep]], entry_date=cal.date(day[keep]), direction=col(2)[keep],
            amount=money(amount[keep]), counterparty_kind=col(4)[keep], counterparty_id=col(5)[keep],
            category=col(6)[keep], payment_method=col(7)[keep], approver_id_no=city.pid[leader[v[keep]]])


def revitalization(ctx: Ctx, city: City, eco: Economy) -> None:
    rng, cal = ctx.rng, ctx.cal
    heads = rural_heads(city)
    heads = heads[city.cls[heads] == POOR]
    mon = heads[rng.random(len(heads)) < 0.4]
    n = len(mon)
    start = -rng.integers(30, 1500, n)
    ctx.add("rural_revitalization.monitored_households", np.minimum(start, 0), household_id=city.hh_id[city.hh[mon]],
            head_id_no=city.pid[mon], region_code=city.region(mon),
            risk_type=pick(rng, np.array(["因病", "因学", "因灾", "缺劳动力"], dtype=object), n),
            start_date=cal.date(start),
            status=np.where(rng.random(n) < 0.8, "MONITORED", "RISK_REMOVED").astype(object))
    k = max(6, ctx.residents // 20_000)
    vil = pick(rng, np.arange(len(city.vil_code)), k)
    leader = unit_leader(city)[city.town_unit[city.vil_town[vil]]]
    start = -rng.integers(30, 900, k)
    ctx.add("rural_revitalization.projects", np.minimum(start, 0), project_id=ids("XC", 1, k, 6),
            region_code=city.vil_code[vil], fund_amount=money(rng.integers(100, 5000, k) * 1_000_00),
            contractor_uscc=eco.uscc[pick(rng, eco.clean, k)], approver_id_no=city.pid[leader],
            start_date=cal.date(start), status=pick(rng, np.array(["PLANNED", "ONGOING", "DONE"], dtype=object), k))


def transport(ctx: Ctx, fleet: dict) -> None:
    rng, cal = ctx.rng, ctx.cal
    n = len(fleet["plate"])
    k = 0
    for y in (ctx.as_of.year - 1, ctx.as_of.year):
        day = cal.off(dt.date(y, 3, 20))
        if day > ctx.end or day < ctx.w0:
            continue
        ctx.add("transport.operating_subsidies", day, payment_id=ids(f"JT{y}", k + 1, n, 6), plate_no=fleet["plate"],
                recipient_kind=fleet["kind"], recipient_id=fleet["owner"], subsidy_year=str(y),
                amount=money(cents(rng, 3000, 20000, n)), pay_date=cal.d(day))
        k += n


__all__ = ["choose"]
