"""Data Docs hardening without a browser (tests/plugins/test_hostile_values.py loads them in Chromium):
value masking, page sanitising, local assets, our index."""

from __future__ import annotations

import json

from tianyan.ingest import data_docs
from tianyan.registry import load_feeds

PAYMENTS = load_feeds()["civil_affairs.assistance_payments"]

GX_LIKE = """<!DOCTYPE html><html><head><title>Validation <b>x</b></title>
<link rel="stylesheet" href="https://maxcdn.bootstrapcdn.com/bootstrap/4.3.1/css/bootstrap.min.css"/>
<script src="https://code.jquery.com/jquery-3.7.1.min.js"></script><style>body{color:red}</style></head>
<body><div class="container" style="background:url(http://evil/x)" onclick="steal()">
<img src=x onerror=alert(1)><script>alert(2)</script><a href="javascript:alert(3)">x</a>
<a href="../index.html">home</a><button onclick="showAllValidations()">Show All</button>
<button onclick="evil()">x</button><td>110101199003071237</td><img src="https://cdn.example/logo.png" alt="Logo">
<iframe src="http://evil"></iframe><!-- a comment --></div></body></html>"""


def test_a_gx_page_is_rebuilt_with_our_head_and_a_sanitised_body(tmp_path):
    site = tmp_path / "docs"
    page = site / "validations" / "a" / "b" / "run" / "t" / "run.html"
    out = data_docs.sanitise_page(GX_LIKE, page, site)
    head, body = out.split("</head>", 1)
    assert out.startswith("<!doctype html>\n" + data_docs.MARKER)
    assert f'content="{data_docs.CSP}"' in head and "script-src 'self'" in data_docs.CSP
    assert '<link rel="stylesheet" href="../../../../../static/tianyan/bootstrap.min.css">' in head
    assert '<script src="../../../../../static/tianyan/tianyan-docs.js" defer></script>' in head
    assert "cdn" not in out.lower() and "jquery" not in out and "<title>Validation x</title>" in head
    assert "<script" not in body and "onclick" not in body and "onerror" not in body and "javascript:" not in body
    assert "style=" not in body and "<style" not in body and "<iframe" not in body and "comment" not in body
    assert 'href="../index.html"' in body and 'data-tianyan-action="show-all"' in body
    assert "110101************" in body and "199003071237" not in body
    assert "<span>Logo</span>" in body  # an image from elsewhere would not load offline


def test_values_are_masked_and_markup_free():
    assert data_docs.display_value(PAYMENTS, "id_no", "110101199003071237") == "110101************"
    assert data_docs.display_value(PAYMENTS, "bank_account", "6222000011112222") == "***"
    assert data_docs.display_value(PAYMENTS, "program", "<script>x</script>") == "‹script›x‹/script›"
    assert data_docs.display_value(PAYMENTS, "program", "a&b\"'`") == "a＆b＂＇｀"
    assert data_docs.display_value(PAYMENTS, "program", "x" * 200).endswith("…")
    assert data_docs.display_value(PAYMENTS, "amount", None) is None


def test_site_assets_and_index(tmp_path):
    site = tmp_path / "docs"
    run = site / "validations" / "civil_affairs" / "assistance_payments" / "b-1" / "20240101T000000Z"
    run.mkdir(parents=True)
    (run / "b-1.html").write_text("<html><body><p>page</p></body></html>", encoding="utf-8")
    assert data_docs.record_run(site, PAYMENTS.id, "b-1", {"success": False, "rows": 3, "failed_rows": 1,
                                                           "failures_by_rule": {"id18": 1}}) == run / "b-1.html"
    assert data_docs.sanitise_site(site) == [run / "b-1.html"]
    assert data_docs.sanitise_site(site) == []  # done pages are left alone
    for name in data_docs.ASSET_FILES:
        assert (site / "static" / "tianyan" / name).read_bytes() == (data_docs.ASSETS_DIR / name).read_bytes()
    index = data_docs.write_index(site, keep=30).read_text(encoding="utf-8")
    assert "civil_affairs.assistance_payments" in index and 'href="validations/civil_affairs/' in index
    assert "failed" in index and "id18: 1" in index and data_docs.CSP in index
    assert json.loads((run / "b-1.summary.json").read_text())["feed_id"] == PAYMENTS.id
