"""Done-when of the delivery contract: a generated city, rewritten file by file into a random mix of
the forms docs/contract.md allows (written here with csv / json / openpyxl / pyarrow, not by
tianyan.synth), loads with exactly the planted bad rows quarantined, the same warehouse content and
the same alerts as the city as generated."""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import json
import re
from decimal import Decimal
from pathlib import Path

import numpy as np
import openpyxl
import pandas as pd
import psycopg
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from citylib import load_dates

from tianyan.orchestration.inprocess import exchange_for
from tianyan.registry import FeedSpec, load_feeds
from tianyan.scoring.evaluate import current_alerts, read_as_of, score_all
from tianyan.warehouse.conn import psycopg_dsn
from tianyan.warehouse.migrate import migrate

pytestmark = pytest.mark.e2e
SHANGHAI = dt.timezone(dt.timedelta(hours=8))
ZONES = [dt.UTC, SHANGHAI, dt.timezone(dt.timedelta(hours=-5)), dt.timezone(dt.timedelta(hours=5, minutes=30))]
DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
DECIMAL = re.compile(r"-?\d+(\.\d+)?")


def wall_time(value: str) -> dt.datetime | None:
    """A timestamp the generator wrote (plain, ISO with offset or Z) as Shanghai wall time."""
    try:
        d = dt.datetime.fromisoformat(value)
    except ValueError:
        return None
    return d.astimezone(SHANGHAI).replace(tzinfo=None) if d.tzinfo else d


def a_date(value: str) -> dt.date | None:
    if not DATE.fullmatch(value):
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        return None  # a planted bad date stays as it is


class Forms:
    """Random documented forms of canonical values (seeded: a failure can be replayed)."""

    def __init__(self, seed: int):
        self.rng = np.random.default_rng(seed)

    def pick(self, n: int) -> int:
        return int(self.rng.integers(n))

    def timestamp(self, wall: dt.datetime) -> str:
        aware = wall.replace(tzinfo=SHANGHAI)
        return [
            lambda: wall.strftime("%Y-%m-%d %H:%M:%S"),
            lambda: aware.astimezone(ZONES[self.pick(len(ZONES))]).isoformat(),  # T and an offset
            lambda: aware.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
            lambda: wall.strftime("%Y-%m-%d %H:%M:%S.000"),
            lambda: aware.strftime("%Y-%m-%d %H:%M:%S +0800"),
            lambda: f"{wall.year}/{wall.month}/{wall.day} {wall.strftime('%H:%M:%S')}",
        ][self.pick(6)]()

    def date(self, d: dt.date, chinese: bool = True) -> str:
        forms = [d.isoformat(), d.strftime("%Y/%m/%d"), d.strftime("%Y%m%d"), f"{d.year}.{d.month}.{d.day}",
                 f"{d.isoformat()}T00:00:00+08:00", f"{d.isoformat()} 00:00:00"]
        if chinese:
            forms.append(f"{d.year}年{d.month}月{d.day}日")
        return forms[self.pick(len(forms))]

    def decimal(self, v: str) -> str:
        if not DECIMAL.fullmatch(v):
            return v
        x = Decimal(v)
        return [v, f"{x:,f}", ("+" + v) if x >= 0 else v][self.pick(3)]

    def bool(self, v: str) -> str:
        if v not in ("true", "false"):
            return v
        spellings = {"true": ["true", "TRUE", "Y", "yes", "1", "是"], "false": ["false", "F", "No", "0", "否"]}[v]
        return spellings[self.pick(len(spellings))]

    def text(self, typ: str, v: str | None, chinese: bool = True) -> str | None:
        if v is None:
            return None
        if typ == "timestamp" and (w := wall_time(v)) is not None:
            return self.timestamp(w)
        if typ == "date" and (d := a_date(v)) is not None:
            return self.date(d, chinese)
        if typ == "decimal":
            return self.decimal(v)
        if typ == "bool":
            return self.bool(v)
        return v


def rewrite_csv(spec: FeedSpec, path: Path, forms: Forms) -> None:
    enc = spec.delivery.encoding
    with open(path, encoding=enc, newline="") as fh:
        rows = list(csv.reader(fh))
    types = [spec.column(h).type for h in rows[0]]
    body = [[None if v == "" else forms.text(t, v) for t, v in zip(types, r, strict=True)] for r in rows[1:]]
    bom = enc == "utf-8" and forms.pick(2) == 0  # spreadsheets save "UTF-8 with BOM"
    with open(path, "w", encoding="utf-8-sig" if bom else enc, newline="") as fh:
        w = csv.writer(fh)
        w.writerow(rows[0])
        w.writerows(body)


def rewrite_json(spec: FeedSpec, path: Path, forms: Forms) -> None:
    doc = json.loads(path.read_text(encoding="utf-8"))
    numbers = {}
    for item in doc["items"]:
        for k, v in item.items():
            typ = spec.column(k).type
            new = forms.text(typ, v) if isinstance(v, str) else v
            if typ in ("decimal", "int") and isinstance(new, str) and DECIMAL.fullmatch(v or "") and forms.pick(2):
                token = f"@@num{len(numbers)}@@"  # written below as a bare JSON number, exactly
                numbers[f'"{token}"'] = v
                new = token
            item[k] = new
    text = json.dumps(doc, ensure_ascii=False)
    for token, number in numbers.items():
        text = text.replace(token, number)
    path.write_text(text, encoding="utf-8")


def rewrite_xlsx(spec: FeedSpec, path: Path, forms: Forms) -> None:
    rows = list(openpyxl.load_workbook(path, read_only=True).worksheets[0].iter_rows(values_only=True))
    types = [spec.column(h).type for h in rows[0]]
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(list(rows[0]))
    for r in rows[1:]:
        out = []
        for typ, v in zip(types, r, strict=True):
            if isinstance(v, dt.datetime):  # a date cell
                v = v.date().isoformat() if typ == "date" else v.strftime("%Y-%m-%d %H:%M:%S")
            elif isinstance(v, int | float) and not isinstance(v, bool):
                v = str(int(v)) if float(v).is_integer() else str(v)
            if v is not None and typ == "date" and (d := a_date(v)) is not None and forms.pick(2):
                out.append(d)  # a date cell
            elif v is not None and typ == "int" and re.fullmatch(r"-?\d+", v) and forms.pick(2):
                out.append(int(v))  # a number cell
            elif v is not None and typ == "timestamp" and (w := wall_time(v)) is not None and forms.pick(2):
                out.append(w)  # a date-time cell
            else:
                out.append(forms.text(typ, v))
        ws.append(out)
    wb.save(path)


def rewrite_parquet(spec: FeedSpec, path: Path, forms: Forms) -> None:
    table = pq.read_table(path)
    cols = {}
    for name in table.column_names:
        typ, col = spec.column(name).type, table.column(name)
        values = col.to_pylist()
        unit = ["s", "ms", "us", "ns"][forms.pick(4)]
        if typ == "timestamp":
            walls = [None if v is None else (v.astimezone(SHANGHAI).replace(tzinfo=None) if v.tzinfo else v)
                     for v in values]
            choice = forms.pick(3)
            if choice == 0:  # zone-less: wall time
                cols[name] = pa.array(walls, pa.timestamp(unit))
            elif choice == 1:  # the instant, zoned
                zone = ["UTC", "Asia/Shanghai", "America/New_York"][forms.pick(3)]
                cols[name] = pa.array([None if w is None else w.replace(tzinfo=SHANGHAI) for w in walls],
                                      pa.timestamp(unit, "UTC")).cast(pa.timestamp(unit, zone))
            else:
                cols[name] = pa.array([None if w is None else forms.timestamp(w) for w in walls])
        elif typ == "date":
            choice = forms.pick(3)
            if choice == 0:
                cols[name] = col.cast(pa.date64()) if pa.types.is_date(col.type) else col
            elif choice == 1 and pa.types.is_date(col.type):  # a date written as midnight (pandas does this)
                cols[name] = pa.array([None if v is None else dt.datetime.combine(v, dt.time()) for v in values],
                                      pa.timestamp(unit))
            else:
                cols[name] = pa.array([None if v is None else forms.date(v if isinstance(v, dt.date) else
                                                                         dt.date.fromisoformat(v)) for v in values])
        elif typ == "decimal" and forms.pick(2):
            cols[name] = pa.array([None if v is None else forms.decimal(str(v)) for v in values])
        else:
            cols[name] = col
    pq.write_table(pa.table(cols), path)


def rewrite_city(drop: Path, seed: int) -> int:
    forms = Forms(seed)
    n = 0
    for spec in load_feeds().values():
        if spec.delivery.transport == "database":
            continue  # rows.csv is the department's own table content, typed by its database
        for path in sorted((drop / spec.department / spec.name).rglob("*")):
            suffix = path.suffix.lower()
            if suffix == ".csv":
                rewrite_csv(spec, path, forms)
            elif suffix == ".json" and path.name.startswith("page-"):
                rewrite_json(spec, path, forms)
            elif suffix == ".xlsx":
                rewrite_xlsx(spec, path, forms)
            elif suffix == ".parquet":
                rewrite_parquet(spec, path, forms)
            else:
                continue
            n += 1
    return n


def history(url: str) -> dict[str, str]:
    """Every history table's content (every version and system column but the batch id)."""
    out = {}
    with psycopg.connect(psycopg_dsn(url)) as conn:
        for feed in load_feeds().values():
            schema, table = feed.history_table
            cols = [c.name for c in feed.data_columns] + ["_valid_from", "_valid_to", "_deleted", "_row_hash",
                                                           "_delivery_date"]
            rows = conn.execute(f"select {', '.join(cols)} from {schema}.{table} order by {', '.join(cols)}").fetchall()
            out[feed.id] = hashlib.sha256(repr(rows).encode()).hexdigest()
    return out


def quarantine(url: str) -> set[tuple]:
    with psycopg.connect(psycopg_dsn(url)) as conn:
        return set(conn.execute("select feed_id, delivery_date::text, source_file, row_no, rule from meta.quarantine"))


@pytest.fixture(scope="module")
def cities(tmp_path_factory, make_database):
    from tianyan.synth import generate

    as_of = dt.date(2026, 11, 27)
    out = {}
    for name in ("generated", "variant"):
        drop = tmp_path_factory.mktemp(name)
        generate(drop, residents=2000, seed=5, as_of=as_of, days=1)
        if name == "variant":
            assert rewrite_city(drop, seed=2026) >= 40
        url = make_database(name)
        migrate(url)
        with exchange_for(str(drop), db_url=make_database(f"{name}front")):
            results = load_dates(drop, url, [read_as_of(drop)], tmp_path_factory.mktemp(f"{name}w"))
        out[name] = (drop, url, results)
    return out


def test_every_feed_of_the_variant_city_loads(cities):
    _, _, results = cities["variant"]
    assert {k[0]: str(v) for k, v in results.items() if getattr(v, "status", None) != "LOADED"} == {}


def test_exactly_the_planted_rows_are_quarantined_under_their_rules(cities):
    drop, url, _ = cities["variant"]
    expected = pd.read_csv(drop / "expected_quarantine.csv", dtype=str)
    got = quarantine(url)
    assert {(f, d, s, r) for f, d, s, r, _ in got} == {
        (r.feed_id, r.delivery_date, r.file, int(r.row_no)) for r in expected.itertuples()}
    for r in expected.itertuples():
        assert (r.feed_id, r.delivery_date, r.file, int(r.row_no), r.rule) in got, r


def test_the_warehouse_holds_the_same_content_as_from_the_generated_forms(cities):
    a, b = history(cities["generated"][1]), history(cities["variant"][1])
    assert {k for k in a if a[k] != b[k]} == set()


def test_the_alerts_are_the_same(cities):
    alerts = {}
    for name in ("generated", "variant"):
        drop, url, _ = cities[name]
        runs = score_all(read_as_of(drop), url)
        assert all(getattr(r, "status", None) == "SUCCESS" for r in runs), [str(r) for r in runs]
        alerts[name] = current_alerts(url).sort_values(["model_id", "subject_kind", "subject_id"]) \
            .reset_index(drop=True)
    assert len(alerts["generated"]) > 100
    assert alerts["variant"].equals(alerts["generated"])
