"""Test helpers: a synthetic city's deliveries loaded through the pipeline (no Airflow). The
department exchange for its http and database feeds is ``tianyan.orchestration.inprocess.exchange_for``."""

from __future__ import annotations

import csv

from tianyan.ingest.pipeline import DeliveryRejected, process_delivery
from tianyan.registry import load_feeds


def load_dates(drop, url, dates, work_root):
    """Every feed for every date, in the given order; returns {(feed_id, date): result or exception}."""
    results = {}
    for d in dates:
        for feed in load_feeds().values():
            try:
                results[(feed.id, d)] = process_delivery(feed, d, landing=str(drop), url=url,
                                                         work_root=work_root, data_docs=False)
            except DeliveryRejected as exc:
                results[(feed.id, d)] = exc
    return results


def write_csv(path, header, rows, encoding="utf-8"):
    """A delivered CSV file (folders created), header first."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", newline="", encoding=encoding) as fh:
        w = csv.writer(fh)
        w.writerow(header)
        w.writerows(rows)
