"""Background complaints, audit findings and investigators' alert dispositions."""

from __future__ import annotations

import hashlib

import numpy as np
import pandas as pd

from tianyan.synth.city import City
from tianyan.synth.core import Ctx, money
from tianyan.synth.util import fill_none, ids, pick

CATEGORIES = np.array(["优亲厚友", "作风问题", "吃拿卡要", "工程质量", "补贴发放", "信息公开"], dtype=object)


def complaints(ctx: Ctx, city: City) -> None:
    rng, cal = ctx.rng, ctx.cal
    n = max(60, ctx.residents // 150)
    unit = pick(rng, np.arange(len(city.unit_code)), n)
    about_person = rng.random(n) < 0.15
    person = pick(rng, city.apt_person, n)
    day = rng.integers(ctx.w0, ctx.end + 1, n)
    # CA02: no unit gets 5 or more complaints in the last 90 days
    df = pd.DataFrame({"u": np.where(about_person, -1, unit), "d": day})
    recent = (day > -90) & (day <= 0) & ~about_person
    rank = df[recent].groupby("u").cumcount()
    over = rank.index[rank.to_numpy() >= 4].to_numpy()
    day[over] = -rng.integers(181, 400, len(over))
    subject = np.where(about_person, -1 - person, unit)
    # CA01: old complaints are closed; a subject has at most 2 open ones
    closed = day <= -31
    order = pd.DataFrame({"s": subject, "o": ~closed})
    open_rank = order[~closed].groupby("s").cumcount()
    closed[open_rank.index[open_rank.to_numpy() >= 2].to_numpy()] = True
    closed[about_person] = True
    closed_day = np.where(day <= -31, day + rng.integers(1, 30, n), day)
    status = np.where(closed, "CLOSED", pick(rng, np.array(["OPEN", "IN_PROGRESS"], dtype=object), n)).astype(object)
    region = np.where(about_person, city.region(person), city.unit_region[unit])
    ctx.add("discipline.complaints", day, complaint_id=ids("XF", 1, n), received_date=cal.date(day),
            channel=pick(rng, np.array(["QR_CODE", "HOTLINE", "LETTER", "VISIT", "ONLINE"], dtype=object), n),
            subject_unit_code=fill_none(city.unit_code[unit], about_person),
            subject_id_no=fill_none(city.pid[person], ~about_person), category=pick(rng, CATEGORIES, n),
            region_code=region, status=status, closed_date=fill_none(cal.date(np.minimum(closed_day, 3000)), ~closed))


def audit(ctx: Ctx, city: City) -> None:
    rng, cal = ctx.rng, ctx.cal
    units = np.flatnonzero(city.unit_kind != "VILLAGE_COMMITTEE")
    k = rng.integers(0, 3, len(units))
    u = np.repeat(units, k)
    n = len(u)
    done = rng.random(n) < 0.6
    # open findings are due after as_of (CA03 stays silent)
    due = np.where(done, -rng.integers(30, 600, n), rng.integers(1, 300, n))
    status = np.where(done, "RECTIFIED", pick(rng, np.array(["OPEN", "IN_PROGRESS"], dtype=object), n)).astype(object)
    ctx.add("audit.findings", -rng.integers(30, 700, n), finding_id=ids("SJ", 1, n, 6), audited_unit_code=city.unit_code[u],
            audit_year=pick(rng, np.array([str(ctx.as_of.year - 2), str(ctx.as_of.year - 1)], dtype=object), n),
            category=pick(rng, np.array(["违规发放津补贴", "资金闲置", "项目管理不规范"], dtype=object), n),
            amount=money(rng.integers(1000, 500_000, n) * 100), description="审计发现问题", rectification_status=status,
            due_date=cal.date(due))


def dispositions(ctx: Ctx) -> None:
    rng, cal = ctx.rng, ctx.cal
    n = max(5, ctx.residents // 5000)
    aid = np.array([hashlib.md5(f"{ctx.seed}-disposition-{i}".encode()).hexdigest() for i in range(n)], dtype=object)
    day = rng.integers(-300, ctx.end + 1, n)
    ctx.add("discipline.alert_dispositions", day, alert_id=aid,
            outcome=pick(rng, np.array(["CONFIRMED", "PARTLY_CONFIRMED", "NO_ISSUE", "DUPLICATE"], dtype=object), n),
            amount_recovered=money(rng.integers(0, 50000, n) * 100), note="核查完毕", recorded_by="investigator-01",
            recorded_at=cal.ts(day))
