"""Background complaints, audit findings and investigators' alert dispositions."""

from __future__ import annotations

import hashlib
import zlib

import numpy as np
import pandas as pd

from tianyan.ids import normalise_id18
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


def dispositions(ctx: Ctx, key: list[dict] | None = None) -> None:
    """Outcomes of unknown alert ids (quarantined as ``unknown_alert``) and, on the dates after the
    first, investigators' outcomes for the planted alerts raised on the first date (``decided``)."""
    rng, cal = ctx.rng, ctx.cal
    n = max(5, ctx.residents // 5000)
    aid = np.array([hashlib.md5(f"{ctx.seed}-disposition-{i}".encode()).hexdigest() for i in range(n)], dtype=object)
    day = rng.integers(-300, ctx.end + 1, n)
    ctx.add("discipline.alert_dispositions", day, alert_id=aid,
            outcome=pick(rng, np.array(["CONFIRMED", "PARTLY_CONFIRMED", "NO_ISSUE", "DUPLICATE"], dtype=object), n),
            amount_recovered=money(rng.integers(0, 50000, n) * 100), note="核查完毕", recorded_by="investigator-01",
            recorded_at=cal.ts(day))
    if key is not None:
        decided(ctx, key)


# Models whose alert is keyed by the one row of a feed about its subject (core.enrollment_alert,
# core.lease_alert and their kin): feed -> (key column, models). The alert id is then known here:
# md5(model | person | subject | row key), as include/sql/lifecycle/scoring/10_alerts.sql makes it.
EVIDENCE_ROWS = {
    "civil_affairs.assistance_enrollments": ("enrollment_id", ("SA02", "SA03", "SA04", "SA05", "SA06", "SA07")),
    "housing.public_rental_leases": ("lease_id", ("HO01", "HO02")),
}
OUTCOMES = np.array(["CONFIRMED", "PARTLY_CONFIRMED", "NO_ISSUE", "DUPLICATE"], dtype=object)
SHARES = (0.55, 0.15, 0.25, 0.05)  # of decided alerts; about one in five is still under investigation
OPEN_SHARE = 0.2
DECISION_DAYS = 20  # investigators decide within the first weeks after the alert


def alert_id(model_id: str, subject_kind: str, subject_id: str, evidence_key: str) -> str:
    return hashlib.md5(f"{model_id}|{subject_kind}|{subject_id}|{evidence_key}".encode()).hexdigest()


def decided(ctx: Ctx, key: list[dict]) -> None:
    """Outcomes for the planted positives of the models in EVIDENCE_ROWS, recorded from the second
    delivery date on (the alerts are raised on the first), within DECISION_DAYS: per model a realistic
    mix of confirmed and dismissed, at least one decided (once the city runs that long). Its own random
    stream, so the other feeds keep their bytes."""
    if ctx.days <= 1:
        return
    rng = np.random.default_rng([ctx.seed, zlib.crc32(b"alert_dispositions.decided")])
    alerts: list[tuple[str, str]] = []
    for feed_id, (col, models) in EVIDENCE_ROWS.items():
        frame = ctx.frame(feed_id)
        rows = pd.DataFrame({"subject": normalise_id18(frame["id_no"].astype(object)), "key": frame[col]})
        keys = rows.groupby("subject")["key"].agg(list).to_dict()
        for model in models:
            subjects = sorted(r["subject_id"] for r in key if r["model_id"] == model and r["expected"] == 1)
            found = [(model, alert_id(model, "person", s, keys[s][0])) for s in subjects if len(keys.get(s, ())) == 1]
            alerts.extend(found)
    if not alerts:
        return
    n = len(alerts)
    outcome = OUTCOMES[rng.choice(len(OUTCOMES), n, p=SHARES)]
    still_open = rng.random(n) < OPEN_SHARE
    first = np.unique([m for m, _ in alerts], return_index=True)[1]
    still_open[first] = False  # every model has an outcome to estimate its precision from
    day = rng.integers(1, DECISION_DAYS + 1, n)
    cents = rng.integers(20_000, 600_000, n)
    recovered = np.where(np.isin(outcome, OUTCOMES[:2]), cents, 0)
    keep = ~still_open & (day <= ctx.end)  # a city of fewer dates ends before some are decided
    ctx.add("discipline.alert_dispositions", day[keep], alert_id=np.array([a for _, a in alerts], dtype=object)[keep],
            outcome=outcome[keep], amount_recovered=money(recovered[keep]),
            note=np.where(np.isin(outcome[keep], OUTCOMES[:2]), "线索属实", "核查未发现问题").astype(object),
            recorded_by="investigator-02", recorded_at=ctx.cal.ts(day[keep]))
