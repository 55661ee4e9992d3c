"""Test helpers: a synthetic city's deliveries loaded through the pipeline (no Airflow), with the
department exchange simulator serving its http and database feeds."""

from __future__ import annotations

import os

from tianyan.ingest.pipeline import DeliveryRejected, process_delivery
from tianyan.registry import load_feeds


class Exchange:
    """The simulated exchange up for a drop folder, its connections in the environment."""

    def __init__(self, drop, db_url):
        from tianyan.synth.exchange import ExchangeServer, exchange_connections, load_database_feeds

        load_database_feeds(drop, db_url)
        self.server = ExchangeServer(drop, token="test-token").start()
        self.env = exchange_connections(self.server, db_url)
        self.saved = {k: os.environ.get(k) for k in self.env}
        os.environ.update(self.env)

    def close(self):
        self.server.stop()
        for k, v in self.saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


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
