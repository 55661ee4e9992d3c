"""A complaint from the public site as a ``discipline.complaints`` delivery in the exchange drop.

The spec's drop layout for an http feed is ``<drop>/discipline/complaints/<YYYY-MM-DD>/page-N.json``,
each page ``{"items": [...], "next_page": N|null}`` (include/spec/feeds.yaml); the department
exchange serves those pages as the paged API, so the next run lands, validates and loads the
complaint like every other row of the feed. A complaint received on day R goes into the delivery of
R+1 (the delivery for a business date is due at 02:00 that day and carries the day before), or of
the first later date whose delivery the warehouse has not recorded yet (a date already run would
never land a page added afterwards). Writers take a lock on the feed folder; a page is replaced
atomically, and a new page is written before the page that points to it.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import fcntl
import json
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path

FEED_ID = "discipline.complaints"
DEPARTMENT, FEED_NAME = FEED_ID.split(".")
PAGE_SIZE = 500  # items per page, as the simulator's writers page a feed
COLUMNS = ("complaint_id", "received_date", "channel", "subject_unit_code", "subject_id_no", "category",
           "region_code", "status", "closed_date")


def feed_folder(drop: Path) -> Path:
    return Path(drop) / DEPARTMENT / FEED_NAME


def complaint_item(ticket: str, received: dt.date, unit_code: str | None, region_code: str, category: str) -> dict:
    """The row in the feed's columns: channel QR_CODE, status OPEN, nothing about the complainant."""
    return {"complaint_id": ticket, "received_date": received.isoformat(), "channel": "QR_CODE",
            "subject_unit_code": unit_code, "subject_id_no": None, "category": category,
            "region_code": region_code, "status": "OPEN", "closed_date": None}


@contextlib.contextmanager
def _locked(folder: Path) -> Iterator[None]:
    folder.mkdir(parents=True, exist_ok=True)
    with open(folder / ".intake.lock", "a") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


def _write_json(path: Path, doc: dict) -> None:
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        json.dump(doc, fh, ensure_ascii=False)
    os.chmod(tmp, 0o644)
    os.replace(tmp, path)


def _pages(folder: Path) -> list[int]:
    out = []
    for p in folder.glob("page-*.json"):
        n = p.stem.removeprefix("page-")
        if n.isdigit():
            out.append(int(n))
    return sorted(out)


def append(drop: Path, delivery_date: dt.date, item: dict) -> Path:
    """Add one item to the delivery of ``delivery_date``; returns the page file it is in."""
    missing = [c for c in COLUMNS if c not in item]
    if missing:
        raise ValueError(f"{FEED_ID} item lacks {missing}")
    folder = feed_folder(drop)
    day = folder / delivery_date.isoformat()
    with _locked(folder):
        day.mkdir(parents=True, exist_ok=True)
        pages = _pages(day)
        if not pages:
            target = day / "page-1.json"
            _write_json(target, {"items": [item], "next_page": None})
            return target
        last = day / f"page-{pages[-1]}.json"
        doc = json.loads(last.read_text(encoding="utf-8"))
        if doc.get("next_page") is None and len(doc.get("items", [])) < PAGE_SIZE:
            doc["items"].append(item)
            _write_json(last, doc)
            return last
        nxt = pages[-1] + 1
        target = day / f"page-{nxt}.json"
        _write_json(target, {"items": [item], "next_page": None})
        doc["next_page"] = nxt
        _write_json(last, doc)
        return target


def delivery_date_for(received: dt.date, recorded: set[dt.date]) -> dt.date:
    """The first date after ``received`` whose delivery of the feed the warehouse has not recorded."""
    d = received + dt.timedelta(days=1)
    while d in recorded:
        d += dt.timedelta(days=1)
    return d
