"""Proportional re-scoring (issue 14): on a new date a model whose inputs did not change and whose rule
does not depend on the date carries its last result forward; the alerts a user sees stay exactly
those of a full re-score (every model run), day by day, with dates in any order."""

from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa
from proportional_lib import assert_same, score
from stdnum.cn import ric

from tianyan.registry.models import load_models
from tianyan.scoring.proportional import depends_on_date

D1, D2, D3, D5 = dt.date(2026, 3, 2), dt.date(2026, 3, 3), dt.date(2026, 3, 4), dt.date(2026, 3, 6)
D0 = dt.date(2026, 3, 1)


def person_id(n: int) -> str:
    first17 = f"52262219800101{n:03d}"
    return first17 + ric.calc_check_digit(first17 + "0")


def load(url: str, feed_id: str, day: dt.date, rows: list[dict], batch: str, key: str | None = None) -> None:
    """A delivery as the loader leaves it: the rows as versions of ``day`` (closing the version of the
    same ``key`` before it) and the LOADED record."""
    dept, name = feed_id.split(".")
    eng = sa.create_engine(url)
    with eng.begin() as conn:
        for i, row in enumerate(rows):
            if key:
                conn.execute(sa.text(f"update {dept}.{name}__history set _valid_to = :d "
                                     f"where {key} = :k and _valid_to is null"),
                             {"d": dt.datetime.combine(day, dt.time()), "k": row[key]})
            values = {**row, "_valid_from": dt.datetime.combine(day, dt.time()), "_row_hash": f"{batch}-{i}",
                      "_batch_id": batch, "_delivery_date": day}
            conn.execute(sa.text(f"insert into {dept}.{name}__history ({', '.join(values)}) "
                                 f"values ({', '.join(':' + k for k in values)})"), values)
        conn.execute(sa.text(
            "insert into meta.feed_runs (feed_id, delivery_date, batch_id, status, delivered, loaded) "
            "values (:f, :d, :b, 'LOADED', :n, :n)"), {"f": feed_id, "d": day, "b": batch, "n": len(rows)})
    eng.dispose()


def subsidy(pid: str, n: int, period: str = "2026-02") -> dict:
    return {"payment_id": f"S{n}", "id_no": pid, "subsidy_type": "CARE", "period": period, "amount": 100 + n}


def certificate(pid: str, n: int, grade: int = 1) -> dict:
    return {"certificate_no": f"C{n}", "id_no": pid, "category": "PHYSICAL", "grade": grade,
            "issue_date": dt.date(2020, 1, 1), "valid_until": dt.date(2030, 1, 1), "status": "VALID"}


@pytest.fixture
def two_warehouses(make_database):
    from tianyan.warehouse.migrate import migrate

    urls = make_database("prop"), make_database("full")
    for u in urls:
        migrate(u)
    return urls


def test_which_models_depend_on_the_date():
    models = load_models()
    independent = sorted(m for m, spec in models.items() if not depends_on_date(spec))
    # The 17 models whose SQL never binds :as_of nor reads the clock (directly or in core definitions).
    assert independent == ["AG01", "AG03", "AG04", "MI03", "MI04", "MI05", "MI06", "RE01", "RE02", "RE03",
                           "SA09", "SA10", "SG01", "SG02", "SG05", "SI02", "SI04"]
    # core.tenant_household(:as_of) / a comparison with :as_of make a model depend on the date.
    assert depends_on_date(models["SA01"]) and depends_on_date(models["SG03"])
    spec = models["SG01"]
    assert depends_on_date(spec.model_copy(update={"sql": spec.sql.replace(
        "from disabled_persons.subsidies as s", "from disabled_persons.subsidies as s where s.period < "
        "to_char(now(), 'YYYY-MM')")}))
    # A mention in a comment is not a use.
    assert not depends_on_date(spec.model_copy(update={"sql": "-- as of :as_of, current_date\n" + spec.sql}))


def test_carry_forward_gives_the_alerts_of_a_full_rescore(two_warehouses):
    prop, full = two_warehouses
    models = [load_models()[m] for m in ("SG01", "SG02", "SG03")]
    p1, p2, p3 = person_id(1), person_id(2), person_id(3)

    def both(fn, *a):
        fn(prop, *a)
        fn(full, *a)

    def step(day: dt.date, when: str) -> dict[str, str]:
        got = score(prop, models, day, full=False)
        score(full, models, day, full=True)
        assert_same(prop, full, when)
        return got

    # Day 1: p1 paid without a certificate (SG01 hit), p2 paid a CARE subsidy on a grade-3 certificate
    # (SG02 hit), p3 paid on a valid grade-1 certificate (no hit).
    both(load, "disabled_persons.subsidies", D1, [subsidy(p1, 1), subsidy(p2, 2), subsidy(p3, 3)], "s1")
    both(load, "disabled_persons.certificates", D1, [certificate(p2, 2, grade=3), certificate(p3, 3)], "c1")
    assert step(D1, "day 1") == {"SG01": "SUCCESS", "SG02": "SUCCESS", "SG03": "SUCCESS"}

    # Day 2, nothing delivered: SG01 and SG02 carry their result forward; so does SG03 (it compares
    # core.death's death_date with :as_of, and no death lies between day 1 and day 2).
    assert step(D2, "day 2") == {"SG01": "CARRIED", "SG02": "CARRIED", "SG03": "CARRIED"}
    eng = sa.create_engine(prop)
    with eng.connect() as c:
        assert c.execute(sa.text("select model_id, first_seen, last_seen, status from alerts.alert "
                                 "order by model_id")).all() == [("SG01", D1, D2, "ASSIGNED"), ("SG02", D1, D2, "ASSIGNED")]
        assert c.execute(sa.text("select status, hits from alerts.scoring_runs where model_id = 'SG01' "
                                 "order by run_id")).all() == [("SUCCESS", 1), ("CARRIED", 1)]
    eng.dispose()
    assert step(D2, "day 2 again") == {"SG01": "SKIPPED", "SG02": "SKIPPED", "SG03": "SKIPPED"}

    # Day 3: one input feed changes (p1's certificate arrives, p3's is cancelled): SG01 runs again,
    # resolves p1's alert and raises p3's; SG02 reads the same feed, so it runs too; SG03 does not read
    # it (and no death lies between day 2 and day 3): carried.
    both(load, "disabled_persons.certificates", D3,
         [certificate(p1, 1), {**certificate(p3, 3), "status": "CANCELLED"}], "c3", "certificate_no")
    assert step(D3, "day 3, certificates changed") == {"SG01": "SUCCESS", "SG02": "SUCCESS", "SG03": "CARRIED"}

    # Out of order: an earlier date carries day 3's result back (first_seen moves to day 0), then day 2.
    assert step(D0, "day 0 after day 3")["SG01"] == "CARRIED"
    assert step(D2, "day 2 after day 0")["SG01"] == "CARRIED"

    # A later date's delivery changes what an earlier date's run sees (the feeds' current rows hold
    # it): re-scoring day 3 after day 5's subsidies were loaded runs SG01, it is neither skipped nor carried.
    both(load, "disabled_persons.subsidies", D5, [subsidy(person_id(4), 4, period="2026-03")], "s5")
    assert step(D3, "day 3 after day 5 was loaded")["SG01"] == "SUCCESS"
    assert step(D5, "day 5")["SG01"] == "CARRIED"
    eng = sa.create_engine(prop)
    with eng.connect() as c:
        assert c.execute(sa.text("select subject_id, first_seen, last_seen, status from alerts.alert "
                                 "where model_id = 'SG01' order by subject_id")).all() == [
            (p1, D1, D2, "RESOLVED"), (p3, D0, D5, "ASSIGNED"), (person_id(4), D3, D5, "ASSIGNED")]
    eng.dispose()


def test_full_rescore_runs_every_model(two_warehouses):
    prop, _ = two_warehouses
    models = [load_models()["SG01"]]
    load(prop, "disabled_persons.subsidies", D1, [subsidy(person_id(1), 1)], "s1")
    assert score(prop, models, D1, full=False) == {"SG01": "SUCCESS"}
    assert score(prop, models, D2, full=True) == {"SG01": "SUCCESS"}
    assert score(prop, models, D3, full=False) == {"SG01": "CARRIED"}


def test_windows_of_the_models_that_compare_a_column_with_the_date():
    from tianyan.scoring.proportional import Window, date_windows

    models = load_models()
    assert date_windows(models["SG01"]) == ()  # no date at all
    assert date_windows(models["TR01"]) == (Window("transport.operating_subsidies", "pay_date", 0),)
    assert date_windows(models["SI01"]) == (Window("core.death", "death_date", 0),)  # a core view's column
    # The date as a value (coalesce(end_date, :as_of) -> evidence), also inside a core function it goes
    # into (core.tenant_household's last_day): no window.
    assert date_windows(models["SA07"]) is None and date_windows(models["SA05"]) is None
    spec = models["TR01"]
    shifted = spec.model_copy(update={"sql": spec.sql.replace("s.pay_date <= cast(:as_of as date)",
                                                              "s.pay_date <= cast(:as_of as date) - 30")})
    assert date_windows(shifted) == (Window("transport.operating_subsidies", "pay_date", -30),)
    in_cte = spec.model_copy(update={"sql": spec.sql.replace("s.pay_date <= cast(:as_of as date)", "true")
                                     .replace("select a.*\nfrom hit as h", "select a.*\nfrom hit as h\n"
                                              "where h.pay_date <= cast(:as_of as date)")})
    assert date_windows(in_cte) is None  # a CTE's column: where it comes from is not told


def test_a_model_comparing_a_column_with_the_date_carries_only_over_empty_windows(two_warehouses):
    prop, full = two_warehouses
    models = [load_models()["TR01"]]

    def step(day: dt.date, when: str) -> str:
        got = score(prop, models, day, full=False)["TR01"]
        score(full, models, day, full=True)
        assert_same(prop, full, when)
        return got

    for u in (prop, full):
        load(u, "public_security.vehicle_registrations", D0, [{
            "plate_no": "A1", "owner_kind": "PERSON", "owner_id": person_id(1), "vehicle_type": "SMALL_CAR",
            "registration_date": dt.date(2020, 1, 1), "status": "SCRAPPED", "status_date": dt.date(2026, 1, 1),
            "changed_at": dt.datetime(2026, 1, 1)}], "v0")
        load(u, "transport.operating_subsidies", D0, [
            {"payment_id": "P1", "plate_no": "A1", "recipient_kind": "PERSON", "recipient_id": person_id(1),
             "subsidy_year": 2026, "amount": 500, "pay_date": dt.date(2026, 2, 1)},
            # paid on day 3: a hit only from day 3 on
            {"payment_id": "P2", "plate_no": "A1", "recipient_kind": "PERSON", "recipient_id": person_id(1),
             "subsidy_year": 2026, "amount": 700, "pay_date": D3},
            # paid on day 1: pay_date <= :as_of is true on day 1 and day 2 alike
            {"payment_id": "P3", "plate_no": "A1", "recipient_kind": "PERSON", "recipient_id": person_id(1),
             "subsidy_year": 2026, "amount": 900, "pay_date": D1}], "o0")
    assert step(D1, "day 1") == "SUCCESS"
    assert step(D2, "day 2: no pay_date in (day 1, day 2]") == "CARRIED"
    assert step(D3, "day 3: P2 paid on day 3") == "SUCCESS"
    assert step(D0, "day 0 after day 3: P2 and P3 not yet paid") == "SUCCESS"
    assert step(D1, "day 1 after day 0: P3 paid on day 1") == "SUCCESS"
    assert step(D2, "day 2 after day 1") == "CARRIED"
    eng = sa.create_engine(prop)
    with eng.connect() as c:
        assert c.execute(sa.text("select evidence_key, first_seen, last_seen, status from alerts.alert "
                                 "order by evidence_key")).all() == [
            ("P1", D0, D3, "ASSIGNED"), ("P2", D3, D3, "RESOLVED"), ("P3", D1, D3, "ASSIGNED")]
    eng.dispose()


@pytest.mark.parametrize("op", ["<=", "<", ">=", ">", "=", "<>"])
def test_a_window_is_empty_exactly_when_no_row_compares_differently(warehouse_url, op):
    """windows_empty against the truth, over every value, pair of dates and offset of a small range."""
    import operator

    from tianyan.scoring.proportional import Window, windows_empty

    compare = {"<=": operator.le, "<": operator.lt, ">=": operator.ge, ">": operator.gt, "=": operator.eq,
               "<>": operator.ne}[op]
    days = [D0 + dt.timedelta(days=i) for i in range(5)]
    eng = sa.create_engine(warehouse_url)
    with eng.connect() as c:
        c.execute(sa.text("create temp table _probe (v date)"))
        c.execute(sa.text("create table if not exists core.window_probe (v date)"))
        for v in days:
            c.execute(sa.text("delete from core.window_probe"))
            c.execute(sa.text("insert into core.window_probe values (:v)"), {"v": v})
            for a in days:
                for b in days:
                    for k in (-1, 0, 1):
                        x, y = a + dt.timedelta(days=k), b + dt.timedelta(days=k)
                        same = compare(v, x) == compare(v, y)
                        got = windows_empty(c, (Window("core.window_probe", "v", k, op),), a, b)
                        assert got == same, (op, v, a, b, k)
        c.rollback()
    eng.dispose()


# Core functions for the window analysis: only comparisons, a value use, one calling another, $n.
PROBE_FUNCTIONS = """
create or replace function core.probe_compare(wanted text, d date)
returns table (tender_id text)
language sql stable parallel safe
as $$
    -- d in comparisons only, on either side, moved by days
    select t.tender_id
    from public_resources.tenders as t
    where t.publish_date <= d + 1 and d - 2 < t.bid_deadline and t.method = wanted
$$;

create or replace function core.probe_value(d date)
returns table (tender_id text, last_day date)
language sql stable parallel safe
as $$
    select t.tender_id, coalesce(t.bid_deadline, d) as last_day
    from public_resources.tenders as t
    where t.publish_date <= d
$$;

create or replace function core.probe_nested(d date)
returns table (tender_id text)
language sql stable parallel safe
as $$
    select c.tender_id
    from core.probe_compare('OPEN', d + 10) as c
    inner join public_resources.bids as b on c.tender_id = b.tender_id
    where $1 <= b.submitted_at
$$;

create or replace function core.probe_nested_value(d date)
returns table (tender_id text)
language sql stable parallel safe
as $$
    select v.tender_id from core.probe_value(d - 1) as v
$$;

create or replace function core.probe_alias(d date)
returns table (day date)
language sql stable parallel safe
as $$
    select t.publish_date as d from public_resources.tenders as t where t.publish_date <= d
$$;
"""


@pytest.fixture
def probe_core(tmp_path, monkeypatch):
    """include/sql/core as it is, plus PROBE_FUNCTIONS (the analysis' caches cleared around the test)."""
    import shutil

    from tianyan import paths
    from tianyan.scoring import proportional

    for f in paths.CORE_SQL_DIR.glob("*.sql"):
        shutil.copy(f, tmp_path / f.name)
    (tmp_path / "99_probe.sql").write_text(PROBE_FUNCTIONS, encoding="utf-8")
    caches = [getattr(proportional, n) for n in ("_core_definitions", "_core_functions", "_windows",
                                                 "_depends_on_date") if hasattr(proportional, n)]
    for c in caches:
        c.cache_clear()
    monkeypatch.setattr(paths, "CORE_SQL_DIR", tmp_path)
    yield
    monkeypatch.undo()
    for c in caches:
        c.cache_clear()


def test_windows_follow_the_date_into_core_functions(probe_core):
    from tianyan.scoring.proportional import Window, date_windows

    spec = load_models()["PR13"]

    def windows(sql: str):
        return date_windows(spec.model_copy(update={"sql": sql}))

    tenders = "public_resources.tenders"
    # core.f(date - 3): publish_date <= (date - 3) + 1, (date - 3) - 2 < bid_deadline (column on the right).
    assert windows("select c.tender_id from core.probe_compare('OPEN', cast(:as_of as date) - 3) as c") == (
        Window(tenders, "bid_deadline", -5, ">"), Window(tenders, "publish_date", -2, "<="))
    # The date as a value in the function's result: not followed, as in a model's own SQL.
    assert windows("select v.tender_id from core.probe_value(cast(:as_of as date)) as v") is None
    # A function calling another (offsets add up), and the parameter as $1.
    assert windows("select n.tender_id from core.probe_nested(cast(:as_of as date) + 1) as n") == (
        Window("public_resources.bids", "submitted_at", 1, ">="), Window(tenders, "bid_deadline", 9, ">"),
        Window(tenders, "publish_date", 12, "<="))
    # ... but not into one that uses the date as a value, however deep.
    assert windows("select n.tender_id from core.probe_nested_value(cast(:as_of as date)) as n") is None
    # A mention of the parameter's name that is not a use of it (an output column's alias): not followed.
    assert windows("select a.d from core.probe_alias(cast(:as_of as date)) as a") is None
    # The date beside a comparison in the model and a function call: both counted.
    assert windows("select c.tender_id from core.probe_compare('OPEN', cast(:as_of as date)) as c "
                   "inner join public_resources.bids as b on c.tender_id = b.tender_id "
                   "where b.submitted_at < cast(:as_of as date)") == (
        Window("public_resources.bids", "submitted_at", 0, "<"), Window(tenders, "bid_deadline", -2, ">"),
        Window(tenders, "publish_date", 1, "<="))
    # The models that pass the date to core.appointment use it as a value there (effective_end).
    models = load_models()
    assert date_windows(models["OF02"]) is None and date_windows(models["OF04"]) is None
