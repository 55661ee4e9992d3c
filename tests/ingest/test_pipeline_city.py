"""All 47 feeds of a synthetic city through land -> validate -> load against real PostgreSQL:
every transport (file, http via the exchange simulator, database), format and mode; every planted
bad row quarantined with its rule; counts add up; reruns, rejections, redeliveries and
out-of-order dates leave the warehouse in the same state."""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import shutil

import pandas as pd
import psycopg
import pytest
from citylib import load_dates

from tianyan.ingest.pipeline import DeliveryRejected, process_delivery
from tianyan.orchestration.inprocess import exchange_for
from tianyan.registry import load_feeds
from tianyan.warehouse.conn import psycopg_dsn
from tianyan.warehouse.migrate import migrate

AS_OF = dt.date(2026, 11, 2)  # a Monday: weekly snapshots are due on the following days too
DAYS = 3


@pytest.fixture(scope="module")
def city(tmp_path_factory):
    from tianyan.synth import generate

    drop = tmp_path_factory.mktemp("city")
    manifest = generate(drop, residents=2000, seed=11, as_of=AS_OF, days=DAYS)
    return drop, manifest


def _fingerprint(url) -> dict[str, str]:
    """A hash of every history table (all versions, system columns but the batch-independent ones)."""
    out = {}
    with psycopg.connect(psycopg_dsn(url)) as conn:
        for feed in load_feeds().values():
            schema, table = feed.history_table
            cols = [c.name for c in feed.data_columns] + ["_valid_from", "_valid_to", "_deleted", "_row_hash"]
            rows = conn.execute(f"select {', '.join(cols)} from {schema}.{table} order by {', '.join(cols)}").fetchall()
            out[feed.id] = hashlib.sha256(repr(rows).encode()).hexdigest()
    return out


@pytest.fixture(scope="module")
def loaded(city, make_database, tmp_path_factory):
    drop, manifest = city
    url = make_database("city")
    migrate(url)
    with exchange_for(str(drop), db_url=make_database("front")):
        results = load_dates(drop, url, [AS_OF], tmp_path_factory.mktemp("w"))
    return drop, url, results


def test_every_feed_loads_in_its_declared_form(loaded):
    _, _, results = loaded
    bad = {k[0]: str(v) for k, v in results.items() if not hasattr(v, "status") or v.status != "LOADED"}
    assert bad == {}
    transports = {load_feeds()[f].delivery.transport for f, _ in results}
    assert transports == {"file", "http", "database"}


def test_counts_add_up_for_every_delivery(loaded):
    _, url, _ = loaded
    with psycopg.connect(psycopg_dsn(url)) as conn:
        rows = conn.execute("select feed_id, delivered, loaded, quarantined, collapsed from meta.feed_runs "
                            "where delivery_date = %s", (AS_OF,)).fetchall()
        qcount = dict(conn.execute("select feed_id, count(distinct (source_file, row_no)) from meta.quarantine "
                                   "where delivery_date = %s group by 1", (AS_OF,)).fetchall())
    assert len(rows) == 47
    for feed_id, delivered, loaded_, quarantined, collapsed in rows:
        assert delivered == loaded_ + quarantined + collapsed, feed_id
        assert delivered > 0, feed_id
        assert qcount.get(feed_id, 0) == quarantined, feed_id


def test_every_planted_bad_row_is_quarantined_with_its_reason_and_nothing_else(loaded):
    drop, url, _ = loaded
    expected = pd.read_csv(drop / "expected_quarantine.csv", dtype=str)
    expected = expected[expected["delivery_date"] == AS_OF.isoformat()]
    with psycopg.connect(psycopg_dsn(url)) as conn:
        got = conn.execute("select feed_id, source_file, row_no, rule, column_name from meta.quarantine "
                           "where delivery_date = %s", (AS_OF,)).fetchall()
    got_rows = {(f, s, r) for f, s, r, _, _ in got}
    want_rows = {(r.feed_id, r.file, int(r.row_no)) for r in expected.itertuples()}
    assert got_rows == want_rows, f"missing {sorted(want_rows - got_rows)[:5]}, extra {sorted(got_rows - want_rows)[:5]}"
    got_rules = {(f, s, r, rule) for f, s, r, rule, _ in got}
    for r in expected.itertuples():
        assert (r.feed_id, r.file, int(r.row_no), r.rule) in got_rules, f"{r.feed_id} {r.file} row {r.row_no}: {r.rule}"


def test_dirty_identifiers_are_normalised_in_the_warehouse(loaded):
    _, url, _ = loaded
    with psycopg.connect(psycopg_dsn(url)) as conn:
        for feed in load_feeds().values():
            for col in feed.data_columns:
                if col.id18:
                    schema, table = feed.current_view
                    n = conn.execute(f"select count(*) from {schema}.{table} where {col.name} !~ "
                                     "'^[0-9]{17}[0-9X]$'").fetchone()[0]
                    assert n == 0, f"{feed.id}.{col.name} has {n} non-normalised ids"


def test_rerun_of_a_date_is_a_no_op(loaded, tmp_path):
    drop, url, _ = loaded
    before = _fingerprint(url)
    for fid in ("civil_affairs.assistance_payments", "public_security.household_registration",
                "organization.officials", "audit.findings", "agriculture.collective_assets"):
        process_delivery(load_feeds()[fid], AS_OF, landing=str(drop), url=url, work_root=tmp_path, data_docs=False)
    assert _fingerprint(url) == before


def test_rejected_delivery_leaves_the_warehouse_untouched_and_keeps_the_file(loaded, tmp_path):
    drop, url, _ = loaded
    feed = load_feeds()["health.death_certificates"]
    bad_landing = tmp_path / "landing"
    src = drop / "health" / "death_certificates" / AS_OF.isoformat()
    dst = bad_landing / "health" / "death_certificates" / "2026-11-05"
    shutil.copytree(src, dst)
    f = next(dst.glob("*.csv"))
    text = f.read_text(encoding="utf-8").splitlines()
    text[0] = text[0].replace("death_date", "date_of_death")  # a renamed column
    f.write_text("\n".join(text) + "\n", encoding="utf-8")
    before = _fingerprint(url)
    with pytest.raises(DeliveryRejected, match=r"health\.death_certificates.*date_of_death|death_date"):
        process_delivery(feed, dt.date(2026, 11, 5), landing=str(bad_landing), url=url, work_root=tmp_path)
    assert _fingerprint(url) == before
    with psycopg.connect(psycopg_dsn(url)) as conn:
        status, reason = conn.execute("select status, reason from meta.feed_runs where feed_id = %s and "
                                      "delivery_date = '2026-11-05'", (feed.id,)).fetchone()
        archived = conn.execute("select archive_uri from meta.archive where feed_id = %s and "
                                "delivery_date = '2026-11-05'", (feed.id,)).fetchall()
    assert status == "REJECTED" and "death_date" in reason
    assert archived and all(os.path.exists(uri.removeprefix("file://")) for (uri,) in archived)


def test_out_of_order_and_repeated_dates_give_the_same_state(city, make_database, tmp_path):
    drop, _ = city
    dates = [AS_OF + dt.timedelta(days=i) for i in range(DAYS)]
    with exchange_for(str(drop), db_url=make_database("front2")):
        in_order = make_database("inorder")
        migrate(in_order)
        load_dates(drop, in_order, dates, tmp_path / "a")
        shuffled = make_database("shuffled")
        migrate(shuffled)
        load_dates(drop, shuffled, [dates[2], dates[0], dates[1], dates[2], dates[0]], tmp_path / "b")
    a, b = _fingerprint(in_order), _fingerprint(shuffled)
    assert {k for k in a if a[k] != b[k]} == set()
