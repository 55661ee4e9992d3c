"""Day-to-day changes for deliveries after the first date: newborns in the household register,
enterprise contact changes, new vehicle registrations and cancelled real-estate titles. They only
touch NORMAL households and enterprises, so the background stays silent on later dates too."""

from __future__ import annotations

import numpy as np

from tianyan.synth.city import NORMAL, City
from tianyan.synth.core import Ctx, money
from tianyan.synth.economy import Economy
from tianyan.synth.ids import id18_vec
from tianyan.synth.util import choose, ids


def later_changes(ctx: Ctx, city: City, eco: Economy) -> None:
    rng, cal = ctx.rng, ctx.cal
    if ctx.days <= 1:
        return
    per_day = max(1, ctx.residents // 20_000)
    heads = np.flatnonzero((city.rel == "HEAD") & (city.cls == NORMAL) & city.alive_all() & (city.age() <= 45))
    for k in range(1, ctx.days):
        par = choose(rng, heads, per_day)
        n = len(par)
        male = rng.random(n) < 0.5
        prefix = np.array([int(x) for x in city.district6(par)])
        ymd = np.full(n, cal.ymd_int[cal.idx(k)])
        seq = 800 + 2 * np.arange(n) + np.where(male, 1, 2)  # 800-899 unused by background ids
        pid = id18_vec(prefix, ymd, seq)
        ctx.add("public_security.household_registration", k, op="U", id_no=pid,
                name=city.pname[par].astype(str).astype(object) + "宝", gender=np.where(male, "M", "F").astype(object),
                birth_date=cal.d(k), household_id=city.hh_id[city.hh[par]], relation_to_head="CHILD",
                region_code=city.region(par), status="ACTIVE", status_date=None, changed_at=cal.t(k, "10:15:00"))
        ent = choose(rng, np.flatnonzero(eco.active), per_day)
        for e in ent:
            ctx.add("market_regulation.enterprises", k, op="U", uscc=eco.uscc[e], name=eco.name[e],
                    legal_rep_id_no=city.pid[eco.rep[e]], registered_capital="1000000.00",
                    established_date=cal.d(int(eco.established[e])), status="ACTIVE", status_date=None,
                    address="迁址后新地址", phone=f"0855{60_000_000 + k * 1000 + int(e) % 1000:08d}",
                    region_code=city.region(eco.rep[e:e + 1])[0], changed_at=cal.t(k, "11:00:00"))
        owners = choose(rng, heads, per_day)
        ctx.add("public_security.vehicle_registrations", k, op="U",
                plate_no=ids(f"贵H{k:02d}N", 1, len(owners), 3), owner_kind="PERSON", owner_id=city.pid[owners],
                vehicle_type="SMALL_CAR", purchase_price=money(rng.integers(80_000, 300_000, len(owners)) * 100),
                registration_date=cal.d(k), status="ACTIVE", status_date=None, changed_at=cal.t(k, "14:00:00"))


__all__ = ["later_changes"]
