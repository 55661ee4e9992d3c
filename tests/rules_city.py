"""A tiny city for SA02 (recipient household owns a car), written in the tests: three households on
assistance with cars of 80,000, 40,000 and 25,000 (tests/scoring/test_whatif_rules.py and others)."""

from __future__ import annotations

import datetime as dt
import hashlib
import json

import sqlalchemy as sa
from stdnum.cn import ric

D = dt.date(2025, 6, 30)
REGION = "110101001001"


def pid(n: int) -> str:
    first17 = f"11010119700101{n:03d}"
    return first17 + ric.calc_check_digit(first17 + "0")


def insert(conn, feed_id: str, rows: list[dict]) -> None:
    dept, name = feed_id.split(".")
    for row in rows:
        values = {**row, "_valid_from": dt.datetime(2024, 1, 1), "_deleted": False, "_batch_id": "t",
                  "_row_hash": hashlib.md5(json.dumps(row, sort_keys=True, default=str).encode()).hexdigest(),
                  "_delivery_date": dt.date(2024, 1, 1)}
        conn.execute(sa.text(f"insert into {dept}.{name}__history ({', '.join(values)}) "
                             f"values ({', '.join(':' + k for k in values)})"), values)
    conn.execute(sa.text("insert into meta.feed_runs (feed_id, delivery_date, batch_id, status, delivered, loaded) "
                         "values (:f, :d, 't', 'LOADED', :n, :n)"), {"f": feed_id, "d": D, "n": len(rows)})


def city(conn) -> None:
    people, enrollments, cars = [], [], []
    for i, price in enumerate((80000, 40000, 25000), start=1):
        head, spouse = pid(2 * i), pid(2 * i + 1)
        for who, rel in ((head, "HEAD"), (spouse, "SPOUSE")):
            people.append({"id_no": who, "name": f"p{who[-4:]}", "gender": "M", "birth_date": dt.date(1970, 1, 1),
                           "household_id": f"H{i}", "relation_to_head": rel, "region_code": REGION,
                           "status": "ACTIVE"})
        enrollments.append({"enrollment_id": f"E{i}", "id_no": head, "name": "n", "household_id": f"H{i}",
                            "program": "DIBAO_URBAN", "region_code": REGION, "monthly_amount": 800,
                            "approver_id_no": pid(900), "start_date": dt.date(2023, 1, 1), "status": "ACTIVE"})
        cars.append({"plate_no": f"CAR{i}", "owner_kind": "PERSON", "owner_id": spouse, "vehicle_type": "SMALL_CAR",
                     "purchase_price": price, "registration_date": dt.date(2022, 1, 1), "status": "ACTIVE"})
    insert(conn, "public_security.household_registration", people)
    insert(conn, "civil_affairs.assistance_enrollments", enrollments)
    insert(conn, "public_security.vehicle_registrations", cars)


def snapshot(eng) -> dict:
    with eng.connect() as c:
        return {t: c.execute(sa.text(f"select to_jsonb(x) from {t} as x order by 1")).scalars().all()
                for t in ("alerts.alert", "alerts.alert_event", "alerts.scoring_runs", "alerts.alert_evidence")}
