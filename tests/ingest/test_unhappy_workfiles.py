"""Copies of deliveries on disk (issue 13, the part owned with issue 12): working copies are removed
after a load whatever its outcome, archive and working files are readable by the pipeline's user
only, and the archive keeps files for the configured retention."""

from __future__ import annotations

import datetime as dt
import os
import stat

import psycopg
import pytest
from citylib import write_csv
from unhappy_lib import D1, id18, reset

from tianyan.ingest import pipeline, readers
from tianyan.ingest.pipeline import DeliveryRejected, process_delivery
from tianyan.registry import load_feeds
from tianyan.warehouse.conn import psycopg_dsn
from tianyan.warehouse.migrate import migrate

DEATH = "health.death_certificates"


@pytest.fixture(scope="module")
def wh(make_database):
    url = make_database("unhappy_files")
    migrate(url)
    return url


@pytest.fixture
def archive(tmp_path, monkeypatch):
    root = tmp_path / "archive"
    monkeypatch.setenv("TIANYAN_ARCHIVE", str(root))
    return root


def _deliver(landing, d, rows, header=None):
    feed = load_feeds()[DEATH]
    write_csv(landing / feed.department / feed.name / d.isoformat() / "deaths.csv", header or feed.column_names,
              rows)


def _rows(n=5):
    return [[f"C{i:04d}", id18(i, birth="19400101"), "2026-02-20", "HOME", None] for i in range(n)]


def _run(url, landing, d, work):
    return process_delivery(load_feeds()[DEATH], d, landing=str(landing), url=url, work_root=work, data_docs=False)


def _mode(path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


def _leftovers(work) -> list[str]:
    return sorted(str(p.relative_to(work)) for p in work.rglob("*")) if work.exists() else []


def test_working_copies_are_removed_after_a_load_whatever_the_outcome(wh, tmp_path, archive):
    reset(wh, DEATH)
    work = tmp_path / "work"
    _deliver(tmp_path / "ok", D1, _rows())
    assert _run(wh, tmp_path / "ok", D1, work).status == "LOADED"
    assert _leftovers(work) == []
    _deliver(tmp_path / "bad", D1, _rows(), header=["certificate_id", "id_no", "date_of_death", "place", "cause_code"])
    with pytest.raises(DeliveryRejected):
        _run(wh, tmp_path / "bad", D1, work)
    assert _leftovers(work) == []


def test_working_copies_are_removed_when_the_load_crashes(wh, tmp_path, archive, monkeypatch):
    reset(wh, DEATH)
    work = tmp_path / "work"
    _deliver(tmp_path / "ok", D1, _rows())

    def boom(*a, **k):
        raise KeyboardInterrupt  # even an interrupted worker leaves no copy behind

    monkeypatch.setattr(pipeline, "_check_rows", boom)
    with pytest.raises(KeyboardInterrupt):
        _run(wh, tmp_path / "ok", D1, work)
    assert _leftovers(work) == []


def test_archive_and_working_files_are_private(wh, tmp_path, archive, monkeypatch):
    reset(wh, DEATH)
    old = os.umask(0o022)  # the usual umask would make them world-readable
    try:
        work = tmp_path / "work"
        seen = {}
        real = readers.read_delivery

        def inspect(feed, files):
            for p in files:  # the working copy the reader gets
                seen[p.name] = (_mode(p), _mode(p.parent), _mode(p.parent.parent))
            return real(feed, files)

        monkeypatch.setattr(readers, "read_delivery", inspect)
        _deliver(tmp_path / "ok", D1, _rows())
        _run(wh, tmp_path / "ok", D1, work)
    finally:
        os.umask(old)
    assert seen == {"deaths.csv": (0o600, 0o700, 0o700)}
    files = [p for p in archive.rglob("*") if p.is_file()]
    assert len(files) == 1 and _mode(files[0]) == 0o600
    assert {_mode(p) for p in archive.rglob("*") if p.is_dir()} | {_mode(archive)} == {0o700}
    assert _mode(work) == 0o700


def test_archive_retention_prunes_old_files_and_keeps_their_record(wh, tmp_path, archive, monkeypatch):
    reset(wh, DEATH)
    monkeypatch.setattr(pipeline, "_policy", lambda: {"archive_retention_days": 30})
    old_day, new_day = D1, D1 + dt.timedelta(days=40)
    _deliver(tmp_path / "l", old_day, _rows(3))
    _deliver(tmp_path / "l", new_day, _rows(4))
    _run(wh, tmp_path / "l", old_day, tmp_path / "w")
    with psycopg.connect(psycopg_dsn(wh)) as conn:
        (old_uri,) = conn.execute("select archive_uri from meta.archive where delivery_date = %s",
                                  (old_day,)).fetchone()
    assert os.path.exists(old_uri.removeprefix("file://"))
    _run(wh, tmp_path / "l", new_day, tmp_path / "w")
    with psycopg.connect(psycopg_dsn(wh)) as conn:
        got = conn.execute("select delivery_date, pruned_at is not null from meta.archive order by 1").fetchall()
    assert got == [(old_day, True), (new_day, False)]
    assert not os.path.exists(old_uri.removeprefix("file://"))
    assert [p.name for p in archive.rglob("*.csv")] == ["deaths.csv"]  # the new delivery's file only


def test_archive_is_kept_for_ever_by_default(wh, tmp_path, archive):
    reset(wh, DEATH)
    assert pipeline.archive_retention_days() is None
    for d in (D1, D1 + dt.timedelta(days=4000)):
        _deliver(tmp_path / "l", d, _rows(2))
        _run(wh, tmp_path / "l", d, tmp_path / "w")
    assert len(list(archive.rglob("*.csv"))) == 2
