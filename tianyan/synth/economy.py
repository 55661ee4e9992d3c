"""Background economy: enterprises and their people, employment (social insurance, provident fund),
income tax, vehicles, real estate, treasury payments and public procurement."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from tianyan.synth.city import NEVER, NORMAL, OFFICIAL, POOR, City
from tianyan.synth.civil import bank_account, unit_leader
from tianyan.synth.core import Ctx, money
from tianyan.synth.ids import uscc_vec
from tianyan.synth.util import cents, choose, expand, fill_none, ids, pick

WORDS = np.array(["黔丰", "苗岭", "清水江", "云台", "雷公山", "舞阳", "锦绣", "山水", "丹江", "杉乡"], dtype=object)
TRADES = np.array(["建筑工程", "农业科技", "商贸", "物流", "信息技术", "劳务服务", "医药", "建材"], dtype=object)


@dataclass
class Economy:
    uscc: np.ndarray
    name: np.ndarray
    rep: np.ndarray
    phone: np.ndarray
    established: np.ndarray
    active: np.ndarray
    clean: np.ndarray  # ACTIVE enterprises founded long ago: suppliers, bidders, payees, contractors
    biz_person: np.ndarray  # mask: person holds any enterprise role
    employed: np.ndarray  # mask: person has contributions at some time
    base: np.ndarray  # contribution base in cents (0 = none)


def enterprises(ctx: Ctx, city: City) -> Economy:
    rng, cal = ctx.rng, ctx.cal
    n = max(80, ctx.residents // 40)
    age = city.age()
    cand = np.flatnonzero((city.cls == NORMAL) & city.alive_all() & (age >= 25) & (age <= 65))
    cand = rng.permutation(cand)
    k_sh = rng.integers(1, 3, n)
    if len(cand) < n + k_sh.sum():
        raise RuntimeError("city too small for its enterprises")
    rep = cand[:n]
    sh = cand[n:n + k_sh.sum()]
    sh_ent = np.repeat(np.arange(n), k_sh)
    district = city.vil_district[city.hh_village[city.hh[rep]]]
    region6 = np.array([int(d) for d in city.districts])[district]
    code = uscc_vec("91", region6, 300_000 + np.arange(n))
    old = rng.random(n) < 0.85
    est = np.where(old, -rng.integers(1000, 9000, n), -rng.integers(30, 999, n))
    u = rng.random(n)
    status = np.where(u < 0.92, "ACTIVE", np.where(u < 0.97, "REVOKED", "CANCELLED")).astype(object)
    sdate = np.where(status != "ACTIVE", -rng.integers(1, 700, n), NEVER)
    sdate = np.where(status != "ACTIVE", np.maximum(sdate, est + 30), sdate)
    changed = np.where(status != "ACTIVE", sdate, np.maximum(est, ctx.w0 - 1))
    name = pick(rng, WORDS, n) + pick(rng, TRADES, n) + "有限公司"
    name = np.char.add(np.char.mod("%05d", np.arange(n)).astype(object), "")  # serial keeps names unique
    name = (pick(rng, WORDS, n) + pick(rng, TRADES, n) + "有限公司" + name).astype(object)
    phone = np.char.add("0855", np.char.mod("%08d", 30_000_000 + np.arange(n))).astype(object)
    region = city.region(rep)
    ctx.add(
        "market_regulation.enterprises", changed, op="U", uscc=code, name=name, legal_rep_id_no=city.pid[rep],
        registered_capital=money(rng.integers(10, 2000, n) * 1_000_000), established_date=cal.date(est),
        status=status, status_date=fill_none(cal.date(np.minimum(sdate, 3000)), sdate == NEVER),
        address=(region.astype(str).astype(object) + "号"), phone=phone, region_code=region,
        changed_at=cal.ts(changed),
    )
    ratio = np.round(100.0 / k_sh[sh_ent], 2)
    e_all = np.concatenate([np.arange(n), sh_ent])
    p_all = np.concatenate([rep, sh])
    role = np.concatenate([np.full(n, "DIRECTOR", dtype=object), np.full(len(sh), "SHAREHOLDER", dtype=object)])
    share = np.concatenate([np.full(n, None, dtype=object), np.char.mod("%.2f", ratio).astype(object)])
    ctx.add("market_regulation.enterprise_persons", changed[e_all], op="U", uscc=code[e_all], id_no=city.pid[p_all],
            role=role, share_ratio=share, changed_at=cal.ts(changed[e_all]))
    biz = np.zeros(city.n, bool)
    biz[p_all] = True
    active = status == "ACTIVE"
    clean = np.flatnonzero(active & (est <= -1000))
    return Economy(uscc=code, name=name, rep=rep, phone=phone, established=est, active=active, clean=clean,
                   biz_person=biz, employed=np.zeros(city.n, bool), base=np.zeros(city.n, np.int64))


def employment(ctx: Ctx, city: City, eco: Economy) -> None:
    rng, cal = ctx.rng, ctx.cal
    age = city.age()
    cls = city.cls
    ok = city.alive_all() & (age >= 22) & (age <= 59)
    off_person = np.zeros(city.n, bool)
    off_person[city.apt_person] = True
    p_emp = np.select([off_person, cls == POOR], [1.0, 0.25], 0.6)
    emp = np.flatnonzero(ok & (rng.random(city.n) < p_emp))
    n = len(emp)
    active_ents = np.flatnonzero(eco.active)
    employer = eco.uscc[pick(rng, active_ents, n)]
    first_unit = pd.Series(city.apt_unit, index=city.apt_person).groupby(level=0).first()
    is_off = off_person[emp]
    employer[is_off] = city.unit_code[first_unit.reindex(emp[is_off]).to_numpy()]
    base = np.clip(np.exp(rng.normal(8.8, 0.45, n)), 3000, 40000).astype(np.int64) // 10 * 1000
    base = np.where(cls[emp] == POOR, rng.integers(200, 390, n) * 1000, base)  # poor households earn little
    base = np.where(is_off, rng.integers(600, 1500, n) * 1000, base)
    eco.employed[emp] = True
    eco.base[emp] = base
    w_m, e_m = cal.month_of(ctx.w0), cal.month_of(ctx.end)
    start_m = np.where(rng.random(n) < 0.75, w_m, w_m + rng.integers(0, 24, n))
    end_m = np.where(rng.random(n) < 0.9, e_m, np.minimum(e_m, start_m + rng.integers(3, 24, n)))
    start_m, end_m = np.where(is_off, w_m, start_m), np.where(is_off, e_m, end_m)
    i, mo = expand(start_m, end_m)
    day = cal.month_starts(mo) + 27
    keep = day <= ctx.end
    i, mo, day = i[keep], mo[keep], day[keep]
    pid = city.pid[emp]
    base_s = money(base)
    ctx.add("human_resources.social_insurance_contributions", day, id_no=pid[i], employer_uscc=employer[i],
            period=cal.period(mo), contribution_base=base_s[i])
    pf = rng.random(n) < np.where(cls[emp] == POOR, 0.0, 0.45)
    sel = pf[i]
    ctx.add("provident_fund.deposits", day[sel], id_no=pid[i[sel]], employer_uscc=employer[i[sel]],
            period=cal.period(mo[sel]), deposit_amount=money(base[i[sel]] * 24 // 100))
    # annual individual income: settlement published on 30 June of the following year
    years = []
    for y in (ctx.as_of.year - 2, ctx.as_of.year - 1):
        months = np.clip(np.minimum(end_m, y * 12 + 11) - np.maximum(start_m, y * 12) + 1, 0, 12)
        day_y = cal.off(__import__("datetime").date(y + 1, 6, 30))
        sel = np.flatnonzero(months > 0)
        if day_y > ctx.end or not len(sel):
            continue
        income = base[sel] * months[sel] * rng.uniform(1.0, 1.25, len(sel))
        income = income.astype(np.int64) // 100 * 100
        tax = np.maximum(income - 6_000_000, 0) // 10
        years.append((sel, y, income, tax, day_y))
    for sel, y, income, tax, day_y in years:
        ctx.add("taxation.individual_income", day_y, id_no=pid[sel], tax_year=str(y), total_income=money(income),
                tax_paid=money(tax))


def vehicles(ctx: Ctx, city: City, eco: Economy) -> dict:
    """Returns the subsidised taxi/bus fleet for transport subsidies."""
    rng, cal = ctx.rng, ctx.cal
    heads = np.flatnonzero(city.rel == "HEAD")
    cls = city.cls[heads]
    rich = heads[(cls != POOR) & (rng.random(len(heads)) < 0.25)]
    poor = heads[(cls == POOR) & (rng.random(len(heads)) < 0.05)]
    u = rng.random(len(rich))
    vt = np.select([u < 0.8, u < 0.85, u < 0.95], ["SMALL_CAR", "LARGE_CAR", "MOTORCYCLE"], "TRUCK").astype(object)
    price = np.clip(np.exp(rng.normal(11.8, 0.5, len(rich))), 40_000, 800_000).astype(np.int64) * 100
    price = np.where(vt == "MOTORCYCLE", rng.integers(3000, 15000, len(rich)) * 100, price)
    # poor households: motorcycles, farm vehicles and old small cars below every car threshold
    pvt = rng.choice(np.array(["MOTORCYCLE", "AGRICULTURAL", "SMALL_CAR"], dtype=object), len(poor))
    pprice = rng.integers(5000, 45000, len(poor)) * 100
    orgs = choose(rng, np.flatnonzero(eco.active), int(eco.active.sum() * 0.2))
    ovt = rng.choice(np.array(["TRUCK", "LARGE_CAR"], dtype=object), len(orgs))
    oprice = rng.integers(100_000, 600_000, len(orgs)) * 100
    n_taxi = max(5, ctx.residents // 2000)
    drivers = choose(rng, np.flatnonzero((city.cls == NORMAL) & city.alive_all() & (city.age() >= 25)
                                        & (city.age() <= 60)), n_taxi)
    buses = choose(rng, eco.clean, max(3, ctx.residents // 5000))
    owner_kind = np.concatenate([np.full(len(rich) + len(poor) + len(drivers), "PERSON", dtype=object),
                                 np.full(len(orgs) + len(buses), "ORG", dtype=object)])
    owner = np.concatenate([city.pid[rich], city.pid[poor], city.pid[drivers], eco.uscc[orgs], eco.uscc[buses]])
    vtype = np.concatenate([vt, pvt, np.full(len(drivers), "SMALL_CAR", dtype=object), ovt,
                            np.full(len(buses), "LARGE_CAR", dtype=object)])
    pr = np.concatenate([price, pprice, rng.integers(80_000, 150_000, len(drivers)) * 100, oprice,
                         rng.integers(300_000, 900_000, len(buses)) * 100])
    n = len(owner)
    subsidised = np.zeros(n, bool)
    subsidised[len(rich) + len(poor):len(rich) + len(poor) + len(drivers)] = True
    subsidised[n - len(buses):] = True
    reg = np.where(subsidised, -rng.integers(800, 3000, n), -rng.integers(1, 5000, n))
    scrapped = ~subsidised & (owner_kind == "PERSON") & (rng.random(n) < 0.03)
    scrapped[len(rich):len(rich) + len(poor)] = False  # poor households keep their (cheap) vehicles
    sdate = np.where(scrapped, np.maximum(reg + 200, -rng.integers(1, 700, n)), NEVER)
    scrapped &= sdate <= -1
    sdate = np.where(scrapped, sdate, NEVER)
    changed = np.where(scrapped, sdate, np.maximum(reg, ctx.w0 - 1))
    plate = np.char.add("贵H", np.char.mod("%05X", np.arange(n))).astype(object)
    ctx.add("public_security.vehicle_registrations", changed, op="U", plate_no=plate, owner_kind=owner_kind,
            owner_id=owner, vehicle_type=vtype, purchase_price=money(pr), registration_date=cal.date(reg),
            status=np.where(scrapped, "SCRAPPED", "ACTIVE").astype(object),
            status_date=fill_none(cal.date(np.minimum(sdate, 3000)), ~scrapped), changed_at=cal.ts(changed))
    return dict(plate=plate[subsidised], kind=owner_kind[subsidised], owner=owner[subsidised])


def real_estate(ctx: Ctx, city: City, eco: Economy) -> None:
    rng, cal = ctx.rng, ctx.cal
    heads = np.flatnonzero((city.rel == "HEAD") & (city.cls != POOR))  # poor households own no titles
    h = len(heads)
    first = heads[rng.random(h) < 0.6]
    second = first[rng.random(len(first)) < 0.25]
    comm = heads[rng.random(h) < 0.03]
    park = first[rng.random(len(first)) < 0.15]
    orgs = choose(rng, np.flatnonzero(eco.active), int(eco.active.sum() * 0.3))
    owners = np.concatenate([city.pid[first], city.pid[second], city.pid[comm], city.pid[park], eco.uscc[orgs]])
    kind = np.concatenate([np.full(len(first) + len(second) + len(comm) + len(park), "PERSON", dtype=object),
                           np.full(len(orgs), "ORG", dtype=object)])
    ptype = np.concatenate([
        np.full(len(first) + len(second), "RESIDENTIAL", dtype=object), np.full(len(comm), "COMMERCIAL", dtype=object),
        np.full(len(park), "PARKING", dtype=object), rng.choice(np.array(["OFFICE", "INDUSTRIAL"], dtype=object), len(orgs))])
    region = np.concatenate([city.region(first), city.region(second), city.region(comm), city.region(park),
                             city.region(eco.rep[orgs])])
    n = len(owners)
    area = np.where(ptype == "PARKING", rng.integers(1200, 2000, n), rng.integers(4000, 30000, n))
    reg = -rng.integers(1, 6000, n)
    changed = np.maximum(reg, ctx.w0 - 1)
    cert = np.char.add("黔不动产权第", np.char.mod("%08d号", np.arange(n))).astype(object)
    ctx.add("natural_resources.real_estate", changed, op="U", certificate_no=cert, owner_kind=kind, owner_id=owners,
            property_type=ptype, area_sqm=money(area), region_code=region, registration_date=cal.date(reg),
            status="ACTIVE", changed_at=cal.ts(changed))


PURPOSES = np.array(["办公用品采购", "工程进度款", "劳务费", "咨询服务费", "设备采购", "物业管理费", "培训费"], dtype=object)


def fiscal(ctx: Ctx, city: City, eco: Economy) -> None:
    rng, cal = ctx.rng, ctx.cal
    n = max(200, ctx.residents // 10)
    payers = np.flatnonzero(city.unit_kind != "VILLAGE_COMMITTEE")
    unit = pick(rng, payers, n)
    org = rng.random(n) < 0.75
    ent = pick(rng, eco.clean, n)
    people = np.flatnonzero((city.cls == NORMAL) & city.alive_all() & (city.age() >= 20))
    per = pick(rng, people, n)
    payee = np.where(org, eco.uscc[ent], city.pid[per])
    df = pd.DataFrame({"u": unit, "p": payee, "a": cents(rng, 1000, 500_000, n), "pu": pick(rng, PURPOSES, n)})
    keep = ~df.duplicated(["u", "p", "a", "pu"]).to_numpy()  # no accidental duplicate payments (FI01)
    day = rng.integers(ctx.w0, ctx.end + 1, n)
    sel = np.flatnonzero(keep)
    ctx.add(
        "finance.fiscal_payments", day[sel], payment_id=ids("FP", 1, len(sel)), budget_unit_code=city.unit_code[unit[sel]],
        payee_kind=np.where(org, "ORG", "PERSON").astype(object)[sel], payee_id=payee[sel],
        payee_name=np.where(org, eco.name[ent], city.pname[per])[sel],
        payee_account=np.where(org, np.char.add("3301", np.char.mod("%012d", ent)).astype(object),
                               bank_account(city.hh[per]))[sel],
        amount=money(df["a"].to_numpy()[sel]), pay_date=cal.date(day[sel]), purpose=df["pu"].to_numpy(object)[sel],
        project_code=fill_none(np.char.mod("XM%06d", rng.integers(0, 999999, len(sel))).astype(object),
                               rng.random(len(sel)) < 0.5),
        changed_at=cal.ts(day[sel]),
    )


def procurement(ctx: Ctx, city: City, eco: Economy) -> None:
    """Tenders, bids and contracts of a market whose statistics have no outliers (PR09-PR16 stay silent):

    - a pool of regular buyers and of regular suppliers, so that buyers and bidders recur;
    - bid gaps (second-lowest valid bid over the winning bid, less one) spread evenly over [0.04, 0.08] per
      category: an even spread lies inside its own interquartile fences;
    - the winner among a tender's regular bidders is the one with the lowest share of wins so far, and the
      disqualified bid (every other competitive tender of a buyer) the one with the lowest share of
      disqualifications, so that every regular's and buyer's ratios stay close to the market's;
    - single-source awards go to one-off suppliers (one bid each, outside the ratio populations)."""
    rng, cal = ctx.rng, ctx.cal
    n = max(40, ctx.residents // 400)
    buyers = np.flatnonzero(np.isin(city.unit_kind, ["GOVERNMENT", "PUBLIC_INSTITUTION", "TOWNSHIP"]))
    unit = pick(rng, choose(rng, buyers, max(6, n // 6)), n)
    method = rng.choice(np.array(["OPEN", "INVITED", "INQUIRY", "NEGOTIATION", "SINGLE_SOURCE"], dtype=object), n,
                        p=[0.7, 0.1, 0.1, 0.05, 0.05])
    publish = rng.integers(-720, ctx.end, n)
    span = np.select([np.isin(method, ["OPEN", "INVITED"]), method == "INQUIRY"],
                     [rng.integers(20, 46, n), rng.integers(3, 11, n)], rng.integers(7, 16, n))
    deadline = publish + span
    budget = rng.integers(1000, 50_000, n) * 10_000
    tid = ids("ZB", 1, n, 8)
    category = rng.choice(np.array(["GOODS", "WORKS", "SERVICES"], dtype=object), n)
    ctx.add("public_resources.tenders", publish, tender_id=tid, buyer_unit_code=city.unit_code[unit],
            title=pick(rng, PURPOSES, n) + "项目",
            category=category, method=method,
            budget_amount=money(budget), publish_date=cal.date(publish), bid_deadline=cal.date(deadline),
            region_code=city.unit_region[unit])
    k = np.select([method == "SINGLE_SOURCE", method == "NEGOTIATION"], [1, rng.integers(2, 4, n)],
                  rng.integers(3, 6, n))
    has_bids = deadline <= ctx.end
    # Gaps spread evenly over [0.04, 0.08] within each category, in random order: a few dozen random draws
    # would put a tender outside the fences now and then (PR09/PR10 compare gaps per category).
    gap = np.zeros(n)
    for cat in np.unique(category):
        sel = np.flatnonzero(has_bids & (k >= 2) & (category == cat))
        gap[sel] = 0.04 + 0.04 * (rng.permutation(len(sel)) + 0.5) / max(len(sel), 1)
    shuffled = rng.permutation(eco.clean)
    n_regular = min(max(8, n // 4), max(len(shuffled) - 1, 1))
    regular, one_off = shuffled[:n_regular], shuffled[n_regular:]
    wins, bids, dqs = np.zeros(n_regular), np.zeros(n_regular), np.zeros(n_regular)
    buyer_dq = np.zeros(len(city.unit_code), dtype=np.int64)
    rows = {c: [] for c in ("t", "b", "amt", "res", "day")}
    bidders = []
    for j, t in enumerate(np.flatnonzero(has_bids)):
        if k[t] == 1 or len(one_off) == 0:
            b = one_off[[j % len(one_off)]] if len(one_off) else regular[:1]
            amt = np.array([int(budget[t] * rng.uniform(0.80, 0.90))], dtype=np.int64)
            res = np.array(["WON"], dtype=object)
        else:
            pos = rng.permutation(n_regular)[:int(k[t])]
            ratio = (wins[pos] + rng.random(len(pos)) * 1e-6) / np.maximum(bids[pos], 1)
            pos = pos[np.argsort(ratio, kind="stable")]  # pos[0] wins: the lowest share of wins so far
            w = budget[t] * rng.uniform(0.80, 0.90)
            steps = np.concatenate([[0.0], [gap[t]], rng.uniform(0.01, 0.04, len(pos) - 2)])
            amt = (w * np.cumprod(1 + steps)).astype(np.int64)
            res = np.full(len(pos), "LOST", dtype=object)
            res[0] = "WON"
            # Every other competitive tender of a buyer disqualifies one bid, never one of the two lowest (valid
            # bids and gaps stay as drawn): every buyer disqualifies about the same share of bids.
            if len(pos) >= 3 and buyer_dq[unit[t]] % 2 == 0:
                cand = np.arange(2, len(pos))
                share = (dqs[pos[cand]] + rng.random(len(cand)) * 1e-6) / np.maximum(bids[pos[cand]], 1)
                res[cand[np.argmin(share)]] = "DISQUALIFIED"
            buyer_dq[unit[t]] += 1
            bids[pos] += 1
            wins[pos[0]] += 1
            dqs[pos[res == "DISQUALIFIED"]] += 1
            b = regular[pos]
        rows["t"].append(np.full(len(b), t))
        rows["b"].append(b)
        rows["amt"].append(amt)
        rows["res"].append(res)
        bidders.append(b[0])
    if rows["t"]:
        t = np.concatenate(rows["t"])
        b = np.concatenate(rows["b"])
        nb = len(t)
        sub = deadline[t] - rng.integers(0, 4, nb)
        secs = rng.integers(8 * 3600, 17 * 3600, nb)
        ts = cal.date(sub) + " " + np.char.mod("%02d", secs // 3600).astype(object) + ":" + \
            np.char.mod("%02d", secs // 60 % 60).astype(object) + ":" + np.char.mod("%02d", secs % 60).astype(object)
        g = np.arange(nb) + 1
        ip = np.char.add("10.", np.char.mod("%d", g // 65536 % 256)).astype(object) + "." + \
            np.char.mod("%d", g // 256 % 256).astype(object) + "." + np.char.mod("%d", g % 256).astype(object)
        ctx.add("public_resources.bids", deadline[t], tender_id=tid[t], bidder_uscc=eco.uscc[b],
                bid_amount=money(np.concatenate(rows["amt"])), submitted_at=ts, contact_phone=eco.phone[b],
                submit_ip=ip, result=np.concatenate(rows["res"]))
        won_t = np.flatnonzero(has_bids)
        winner = np.array(bidders)
        amt_all = np.concatenate(rows["amt"])
        res_all = np.concatenate(rows["res"])
        won_amt = amt_all[res_all == "WON"]
        sign = deadline[won_t] + rng.integers(5, 21, len(won_t))
        ok = sign <= ctx.end
        leader = unit_leader(city)[unit[won_t]]
        signer = np.where(leader >= 0, city.pid[np.maximum(leader, 0)], None)
        ctx.add("public_resources.contracts", sign[ok], contract_id=ids("HT", 1, int(ok.sum()), 8),
                tender_id=tid[won_t][ok], buyer_unit_code=city.unit_code[unit[won_t]][ok],
                supplier_uscc=eco.uscc[winner][ok], amount=money(won_amt[ok]), sign_date=cal.date(sign[ok]),
                signer_id_no=signer[ok])
    # direct purchases: small, and one per buyer/supplier pair (PR04 stays silent)
    m = max(20, ctx.residents // 1000)
    df = pd.DataFrame({"u": pick(rng, buyers, m), "s": pick(rng, eco.clean, m)}).drop_duplicates()
    m = len(df)
    day = rng.integers(-720, ctx.end + 1, m)
    ctx.add("public_resources.contracts", day, contract_id=ids("ZC", 1, m, 8), tender_id=None,
            buyer_unit_code=city.unit_code[df["u"].to_numpy()], supplier_uscc=eco.uscc[df["s"].to_numpy()],
            amount=money(rng.integers(5000, 95000, m) * 100), sign_date=cal.date(day), signer_id_no=None)


__all__ = ["OFFICIAL"]
