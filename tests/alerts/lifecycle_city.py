"""A small synthetic city for the lifecycle, marts, roles, report and notification tests.

Two districts (522622, 522623), four public units, alerts of two models handed to the alert
lifecycle the way the scoring runner hands them (``score``), complaints, audit findings and feed runs. Outcomes are
added by the tests through ``discipline.alert_dispositions__history`` as the feed loader would.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json

import sqlalchemy as sa

D0 = dt.date(2025, 3, 1)
DISTRICT_A, DISTRICT_B = "522622", "522623"
UNITS = [  # unit_code, name, parent, kind, region_code
    ("U-A-PARTY", "甲区委", None, "PARTY", DISTRICT_A + "000000"),
    ("U-A-CIVIL", "甲区民政局", "U-A-PARTY", "GOVERNMENT", DISTRICT_A + "000000"),
    ("U-B-PARTY", "乙区委", None, "PARTY", DISTRICT_B + "000000"),
    ("U-B-FIN", "乙区财政局", "U-B-PARTY", "GOVERNMENT", DISTRICT_B + "000000"),
]


def alert_id(model: str, kind: str, subject: str, key: str = "") -> str:
    return hashlib.md5(f"{model}|{kind}|{subject}|{key}".encode()).hexdigest()


def person_id(n: int, district: str = DISTRICT_A) -> str:
    """A syntactically valid id18 (GB 11643 check digit) — synthetic, not a real person."""
    body = f"{district}19800101{n:03d}"
    weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
    check = "10X98765432"[sum(int(c) * w for c, w in zip(body, weights, strict=True)) % 11]
    return body + check


def sys_cols(batch: str, day: dt.date, n: int) -> dict:
    return {"_valid_from": dt.datetime.combine(day, dt.time()), "_row_hash": f"h{n}", "_batch_id": batch,
            "_delivery_date": day}


def insert(conn, table: str, rows: list[dict]) -> None:
    cols = list(rows[0])
    conn.execute(sa.text(f"insert into {table} ({', '.join(cols)}) values ({', '.join(':' + c for c in cols)})"),
                 rows)


def of01_hits() -> list[dict]:
    """OF01: 10 persons in district A (model output rows)."""
    return [{"subject_kind": "person", "subject_id": person_id(i), "evidence_key": "",
             "region_code": DISTRICT_A + "001001", "unit_code": "U-A-CIVIL", "amount": 10000 + i,
             "evidence": json.dumps([{"feed": "organization.officials", "key": str(i),
                                      "values": {"id_no": person_id(i)}}])} for i in range(10)]


def pr01_hits(leave_out: tuple[int, ...] = ()) -> list[dict]:
    """PR01: 6 enterprises in B, [4] routed via its unit, [5] with neither region nor unit."""
    return [{"subject_kind": "enterprise", "subject_id": f"91520000MA{i:08d}", "evidence_key": "",
             "region_code": None if i >= 4 else DISTRICT_B + "002001", "unit_code": None if i == 5 else "U-B-FIN",
             "amount": 50000, "evidence": "[]"} for i in range(6) if i not in leave_out]


def score(conn, model_id: str, hits: list[dict], as_of: dt.date) -> dict:
    """Hand model output rows to the alert lifecycle as the scoring runner does (temp table _hits)."""
    from tianyan.alerts.lifecycle import record_scoring

    conn.execute(sa.text("drop table if exists _hits"))
    conn.execute(sa.text(
        "create temp table _hits (subject_kind text, subject_id text, evidence_key text, region_code text, "
        "unit_code text, amount numeric, evidence jsonb) on commit drop"))
    if hits:
        conn.execute(sa.text(
            "insert into _hits values (:subject_kind, :subject_id, :evidence_key, :region_code, :unit_code, "
            ":amount, cast(:evidence as jsonb))"), hits)
    return record_scoring(conn, model_id, "high", "v-test", as_of)


def build_city(url: str) -> dict:
    """Units, alerts scored on D0 (OF01, PR01, see of01_hits / pr01_hits), complaints, findings.
    Returns the alert ids."""
    eng = sa.create_engine(url)
    of01 = [alert_id("OF01", "person", person_id(i)) for i in range(10)]
    pr01 = [alert_id("PR01", "enterprise", f"91520000MA{i:08d}") for i in range(6)]
    with eng.begin() as conn:
        insert(conn, "organization.public_units__history", [
            {"unit_code": u, "name": n, "parent_unit_code": p, "kind": k, "region_code": r,
             **sys_cols("b-units", D0 - dt.timedelta(days=30), i)} for i, (u, n, p, k, r) in enumerate(UNITS)])
        score(conn, "OF01", of01_hits(), D0)
        score(conn, "PR01", pr01_hits(), D0)
        insert(conn, "discipline.complaints__history", [
            {"complaint_id": f"C{i}", "received_date": D0 - dt.timedelta(days=i * 10), "channel": "HOTLINE",
             "subject_unit_code": "U-A-CIVIL", "subject_id_no": None, "category": "benefits",
             "region_code": DISTRICT_A + "001001", "status": "OPEN", "closed_date": None,
             **sys_cols("b-complaints", D0 - dt.timedelta(days=i * 10), i)} for i in range(4)])  # 3 within 90 days
        insert(conn, "audit.findings__history", [
            {"finding_id": "F1", "audited_unit_code": "U-B-FIN", "audit_year": 2024, "category": "funds",
             "amount": 1, "description": None, "rectification_status": "OPEN", "due_date": D0 - dt.timedelta(days=5),
             **sys_cols("b-findings", D0 - dt.timedelta(days=20), 1)},
            {"finding_id": "F2", "audited_unit_code": "U-B-FIN", "audit_year": 2024, "category": "funds",
             "amount": 1, "description": None, "rectification_status": "RECTIFIED",
             "due_date": D0 - dt.timedelta(days=5), **sys_cols("b-findings", D0 - dt.timedelta(days=20), 2)}])
    eng.dispose()
    return {"OF01": of01, "PR01": pr01}


def add_dispositions(url: str, rows: list[tuple], day: dt.date, batch: str) -> None:
    """rows: (alert_id, outcome, amount_recovered, recorded_at) as delivered on ``day``."""
    eng = sa.create_engine(url)
    with eng.begin() as conn:
        insert(conn, "discipline.alert_dispositions__history", [
            {"alert_id": a, "outcome": o, "amount_recovered": m, "note": f"case closed: {o.lower()}",
             "recorded_by": "investigator-07", "recorded_at": at, **sys_cols(batch, day, i)}
            for i, (a, o, m, at) in enumerate(rows)])
    eng.dispose()


