"""Paged HTTP deliveries that go wrong (issue 12, cases 1, 2 and the HTML answer of 6): every page
fault refuses the delivery with a recorded reason instead of loading part of it, transport errors
get bounded retries and a FAILED record, and a quiet day is a valid delivery of 0 rows.

The pages are written here; the department API is pytest-httpserver or the exchange simulator
serving them with its fault injection (so each case can be replayed against the simulator too)."""

from __future__ import annotations

import json

import pytest
from unhappy_lib import D1, D2, attempts, counts, history, history_hash, id18, page, reset, runs
from werkzeug import Request, Response

from tianyan.ingest.pipeline import DeliveryRejected, process_delivery
from tianyan.ingest.transports import TransportError
from tianyan.registry import load_feeds
from tianyan.synth.exchange import ExchangeServer
from tianyan.warehouse.migrate import migrate

CLAIMS, INSTITUTIONS = "medical_insurance.claims", "medical_insurance.institutions"
TOKEN = "tok-unhappy"
RETRY = "attempts=3&backoff=0.01&max_backoff=0.02&timeout=5&connect_timeout=2"


def claim(n: int) -> dict:
    return {"claim_id": f"CL{n:05d}", "id_no": id18(n), "institution_code": "YL000001", "claim_type": "OUTPATIENT",
            "admit_date": "2026-02-20", "discharge_date": None, "total_amount": f"{100 + n}.50", "fund_paid": "80.00",
            "diagnosis_code": "J06", "doctor_id_no": None}


def chain(n_items: int, per_page: int) -> dict[int, bytes]:
    """n_items claims over pages of per_page, chained 1 -> 2 -> ... -> null."""
    items = [claim(i) for i in range(n_items)]
    chunks = [items[i:i + per_page] for i in range(0, n_items, per_page)] or [[]]
    return {i + 1: page(c, i + 2 if i + 1 < len(chunks) else None) for i, c in enumerate(chunks)}


@pytest.fixture(scope="module")
def wh(make_database):
    url = make_database("unhappy_http")
    migrate(url)
    return url


@pytest.fixture
def wh_clean(wh):
    reset(wh, CLAIMS, INSTITUTIONS)
    return wh


@pytest.fixture
def api(httpserver, monkeypatch):
    """The medical insurance department's API at the test server; returns (serve, hits)."""
    monkeypatch.setenv("AIRFLOW_CONN_MEDICAL_INSURANCE_API", f"http://:{TOKEN}@127.0.0.1:{httpserver.port}/?{RETRY}")
    hits: list[tuple[str, int]] = []
    served: dict[str, dict] = {}

    def serve(path: str, pages: dict[int, bytes | Response]):
        """(Re)define what the API answers at ``path``; page numbers without a body answer 404."""
        if path not in served:
            def handler(request: Request, path=path) -> Response:
                n = int(request.args["page"])
                hits.append((request.args["date"], n))
                body = served[path].get(n)
                if body is None:
                    return Response('{"error": "no such page"}', status=404, content_type="application/json")
                return body if isinstance(body, Response) else Response(body, content_type="application/json")

            httpserver.expect_request(path).respond_with_handler(handler)
        served[path] = pages

    return serve, hits


def _land(url, tmp_path, feed_id=CLAIMS, d=D1):
    return process_delivery(load_feeds()[feed_id], d, landing="", url=url, work_root=tmp_path / "work",
                            data_docs=False)


def _only_attempt(url, feed_id=CLAIMS) -> dict:
    got = attempts(url, feed_id)
    assert len(got) == 1, got
    return got[0]


# ---- case 1: a page without next_page, and every other page fault ----------------------------------


def test_page_without_next_page_refuses_the_delivery_instead_of_loading_part_of_it(wh_clean, api, tmp_path):
    serve, hits = api
    pages = chain(7, 3)
    pages[2] = json.dumps({"items": [claim(3), claim(4), claim(5)]}).encode()  # the link to page 3 is missing
    serve("/medical_insurance/claims", pages)
    with pytest.raises(DeliveryRejected) as err:
        _land(wh_clean, tmp_path)
    assert err.value.status == "REJECTED"
    a = _only_attempt(wh_clean)
    assert (a["stage"], a["status"]) == ("land", "REJECTED")
    assert CLAIMS in a["reason"] and "page 2" in a["reason"] and "next_page" in a["reason"]
    assert runs(wh_clean, CLAIMS)[D1]["status"] == "REJECTED"
    assert history(wh_clean, CLAIMS) == []  # not 3 of 7 rows
    assert hits == [(D1.isoformat(), 1), (D1.isoformat(), 2)]  # refused at once, not retried


@pytest.mark.parametrize("body, words", [
    (b'{"items": null, "next_page": 3}', "no items list"),
    (b'{"next_page": null}', "no items list"),
    (b'[{"claim_id": "CL1"}]', "not a JSON object"),
    (page(["CL1", "CL2"], None), "item 1 is not a JSON object"),
    (page([claim(9)], "3"), "next_page is a str"),
    (page([claim(9)], 2), "points back to page 2"),
    (page([claim(9)], 1), "points back to page 1"),
], ids=["items-null", "items-missing", "list", "items-not-objects", "next-page-text", "repeats-itself",
        "repeats-earlier"])
def test_malformed_page_refuses_the_delivery_with_its_reason(wh_clean, api, tmp_path, body, words):
    serve, hits = api
    serve("/medical_insurance/claims", {1: page([claim(1)], 2), 2: body, 3: page([claim(3)], None)})
    with pytest.raises(DeliveryRejected, match="page 2"):
        _land(wh_clean, tmp_path)
    a = _only_attempt(wh_clean)
    assert a["status"] == "REJECTED" and words in a["reason"], a["reason"]
    assert "CL1" not in a["reason"] and id18(1) not in a["reason"]  # never row values
    assert history(wh_clean, CLAIMS) == []
    assert len([h for h in hits if h[1] == 2]) == 1


def test_html_answer_is_refused_at_once_without_retries(wh_clean, api, tmp_path):
    serve, hits = api
    html = Response("<html><body><h1>Portal login</h1></body></html>", content_type="text/html; charset=utf-8")
    serve("/medical_insurance/claims", {1: html})
    with pytest.raises(DeliveryRejected, match="HTML"):
        _land(wh_clean, tmp_path)
    assert hits == [(D1.isoformat(), 1)]
    a = _only_attempt(wh_clean)
    assert a["status"] == "REJECTED" and "page 1 answered HTML" in a["reason"]
    # ... and HTML sent as application/json is recognised too
    reset(wh_clean, CLAIMS)
    hits.clear()
    serve("/medical_insurance/claims", {1: Response(b"  <!DOCTYPE html><p>oops</p>", content_type="application/json")})
    with pytest.raises(DeliveryRejected, match="HTML"):
        _land(wh_clean, tmp_path)
    assert len(hits) == 1


def test_truncated_page_is_retried_then_refused(wh_clean, api, tmp_path):
    serve, hits = api
    pages = chain(4, 2)
    pages[2] = pages[2][: len(pages[2]) // 2]  # the server sends it cut short every time
    serve("/medical_insurance/claims", pages)
    with pytest.raises(DeliveryRejected, match="not valid JSON in 3 attempts"):
        _land(wh_clean, tmp_path)
    assert [h[1] for h in hits] == [1, 2, 2, 2]  # bounded retries (attempts=3), then refused
    assert _only_attempt(wh_clean)["status"] == "REJECTED"


def test_transport_failure_is_recorded_then_left_to_task_retries_and_keeps_a_loaded_date(wh_clean, api, tmp_path):
    serve, hits = api
    serve("/medical_insurance/claims", chain(5, 2))
    first = _land(wh_clean, tmp_path)
    assert first.status == "LOADED" and first.loaded == 5
    before = history_hash(wh_clean, CLAIMS)
    api_pages = chain(5, 2)
    api_pages[3] = Response("busy", status=503)
    serve("/medical_insurance/claims", api_pages)  # a later rerun meets a server that keeps failing
    with pytest.raises(TransportError, match="page 3 failed after 3 attempts") as err:
        _land(wh_clean, tmp_path)
    assert not isinstance(err.value, DeliveryRejected)  # a transient error: the task's retries may help
    got = attempts(wh_clean, CLAIMS)
    assert [(a["stage"], a["status"]) for a in got] == [("load", "LOADED"), ("land", "FAILED")]
    assert "HTTP 503" in got[1]["reason"] and CLAIMS in got[1]["reason"]
    r = runs(wh_clean, CLAIMS)[D1]
    assert r["status"] == "LOADED" and counts(r) == (5, 5, 0, 0)  # the failure did not erase the good record
    assert history_hash(wh_clean, CLAIMS) == before
    # the pages landed before the failure stay for the next try, which resumes after them
    assert (tmp_path / "work" / CLAIMS / D1.isoformat() / "landed" / "page-2.json").exists()


# ---- case 2: a quiet day -------------------------------------------------------------------------


def test_quiet_day_is_a_valid_delivery_of_zero_rows_for_an_append_feed(wh_clean, api, tmp_path):
    serve, _ = api
    serve("/medical_insurance/claims", {1: page([], None)})
    result = _land(wh_clean, tmp_path)
    assert (result.status, result.delivered, result.loaded) == ("LOADED", 0, 0)
    r = runs(wh_clean, CLAIMS)[D1]
    assert r["status"] == "LOADED" and counts(r) == (0, 0, 0, 0) and r["reason"] is None
    assert _only_attempt(wh_clean)["status"] == "LOADED"


def test_quiet_day_over_several_empty_pages(wh_clean, api, tmp_path):
    serve, _ = api
    serve("/medical_insurance/claims", {1: page([], 2), 2: page([], None)})
    assert _land(wh_clean, tmp_path).status == "LOADED"


def test_empty_snapshot_stays_a_rejection(wh_clean, httpserver, monkeypatch, tmp_path):
    monkeypatch.setenv("AIRFLOW_CONN_MEDICAL_INSURANCE_API", f"http://:{TOKEN}@127.0.0.1:{httpserver.port}/?{RETRY}")
    httpserver.expect_request("/medical_insurance/institutions").respond_with_data(
        page([], None), content_type="application/json")
    with pytest.raises(DeliveryRejected, match="empty snapshot"):
        _land(wh_clean, tmp_path, INSTITUTIONS)
    assert runs(wh_clean, INSTITUTIONS)[D1]["status"] == "REJECTED"
    assert _only_attempt(wh_clean, INSTITUTIONS)["stage"] == "load"


# ---- the same faults replayed through the exchange simulator ------------------------------------


def _drop(root, pages: dict[int, bytes], d=D1):
    folder = root / "medical_insurance" / "claims" / d.isoformat()
    folder.mkdir(parents=True)
    for n, body in pages.items():
        (folder / f"page-{n}.json").write_bytes(body)
    return root


@pytest.mark.parametrize("fault, words", [
    ("no_next_page", "has no next_page"),
    ("no_items", "has no items list"),
    ("html", "answered HTML"),
    ("repeat", "points back to page 2"),
])
def test_exchange_fault_injection_replays_each_page_fault(wh_clean, tmp_path, monkeypatch, fault, words):
    drop = _drop(tmp_path / "drop", chain(6, 2))
    with ExchangeServer(drop, TOKEN, failures=f"{CLAIMS}:2:{fault}") as server:
        monkeypatch.setenv("AIRFLOW_CONN_MEDICAL_INSURANCE_API", f"http://:{TOKEN}@127.0.0.1:{server.port}/?{RETRY}")
        with pytest.raises(DeliveryRejected):
            _land(wh_clean, tmp_path)
    a = _only_attempt(wh_clean)
    assert a["status"] == "REJECTED" and words in a["reason"], a["reason"]
    assert history(wh_clean, CLAIMS) == []


def test_exchange_transient_faults_still_load_everything(wh_clean, tmp_path, monkeypatch):
    drop = _drop(tmp_path / "drop", chain(6, 2))
    faults = f"{CLAIMS}:1:503,{CLAIMS}:2:truncated,{CLAIMS}:3:500*2"
    with ExchangeServer(drop, TOKEN, failures=faults) as server:
        monkeypatch.setenv("AIRFLOW_CONN_MEDICAL_INSURANCE_API", f"http://:{TOKEN}@127.0.0.1:{server.port}/?{RETRY}")
        result = _land(wh_clean, tmp_path)
    assert (result.status, result.delivered, result.loaded) == ("LOADED", 6, 6)


def test_exchange_quiet_day(wh_clean, tmp_path, monkeypatch):
    drop = _drop(tmp_path / "drop", {1: page([], None)}, d=D2)
    with ExchangeServer(drop, TOKEN) as server:
        monkeypatch.setenv("AIRFLOW_CONN_MEDICAL_INSURANCE_API", f"http://:{TOKEN}@127.0.0.1:{server.port}/?{RETRY}")
        assert _land(wh_clean, tmp_path, d=D2).status == "LOADED"
        assert _land(wh_clean, tmp_path, d=D1).status == "NO_DELIVERY"  # 404: nothing delivered that day
    assert {d: r["status"] for d, r in runs(wh_clean, CLAIMS).items()} == {D1: "NO_DELIVERY", D2: "LOADED"}
