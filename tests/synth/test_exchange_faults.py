"""The exchange simulator's content faults (issue 12): pages as a broken department API sends them,
on every request unless limited with *TIMES, so a paging fault can be replayed."""

from __future__ import annotations

import json

import httpx
import pytest

from tianyan.synth.exchange import ExchangeServer, parse_failures

D = "2024-06-03"
TOKEN = "tok-faults"


@pytest.fixture
def drop(tmp_path):
    folder = tmp_path / "drop" / "public_resources" / "tenders" / D
    folder.mkdir(parents=True)
    (folder / "page-1.json").write_text(json.dumps({"items": [{"tender_id": "T1"}], "next_page": 2}))
    (folder / "page-2.json").write_text(json.dumps({"items": [{"tender_id": "T2"}], "next_page": None}))
    return tmp_path / "drop"


def _get(server, page):
    return httpx.get(f"{server.base_url}/public_resources/tenders", params={"date": D, "page": page},
                     headers={"Authorization": f"Bearer {TOKEN}"}, timeout=5)


def test_content_faults_parse_and_repeat_by_default():
    rules = parse_failures("a.b:1:no_next_page,a.b:2:html*1,*:*:repeat,a.b:3:no_items")
    assert [(r.kind, r.times) for r in rules] == [("no_next_page", None), ("html", 1), ("repeat", None),
                                                  ("no_items", None)]
    with pytest.raises(ValueError, match="no_next_page"):
        parse_failures("a.b:1:nonsense")


def test_each_content_fault_as_served(drop):
    faults = "public_resources.tenders:1:no_next_page*2,public_resources.tenders:2:html*1"
    with ExchangeServer(drop, TOKEN, failures=faults) as server:
        for _ in range(2):
            body = _get(server, 1).json()
            assert body == {"items": [{"tender_id": "T1"}]}  # the link to page 2 is gone
        assert _get(server, 1).json()["next_page"] == 2  # *2 used up
        r = _get(server, 2)
        assert r.status_code == 200 and r.headers["content-type"].startswith("text/html") and b"<html>" in r.content
        assert _get(server, 2).json()["items"] == [{"tender_id": "T2"}]
        server.add_failures("public_resources.tenders:2:repeat,public_resources.tenders:1:no_items")
        assert _get(server, 2).json()["next_page"] == 2  # points at itself: a chain that never ends
        assert _get(server, 2).json()["next_page"] == 2  # every time
        assert "items" not in _get(server, 1).json()
