"""Notifications reach a local receiver: webhook (pytest-httpserver) and e-mail (a tiny SMTP sink)."""

from __future__ import annotations

import json
import socketserver
import threading
from types import SimpleNamespace

import pytest
from lifecycle_city import D0

from tianyan.scoring.marts import refresh

# tianyan.orchestration.notifier imports airflow, which reads its configuration once on import: import it inside the
# tests, not at collection time, so tests that set up Airflow's environment first (e2e) still can.


@pytest.fixture
def webhook(httpserver, monkeypatch):
    httpserver.expect_request("/hooks/tianyan", method="POST").respond_with_json({"ok": True})
    monkeypatch.setenv("AIRFLOW_CONN_TIANYAN_NOTIFY",
                       f"http://bot:hook-token@127.0.0.1:{httpserver.port}/hooks/tianyan")
    return httpserver


def test_new_high_alerts_announced_once(city_url, webhook):
    from tianyan.alerts.notify import notify_new_high_alerts

    url, ids = city_url
    refresh(D0, url)
    assert notify_new_high_alerts(D0, url) == 16
    assert notify_new_high_alerts(D0, url) == 0  # a retried task does not announce twice
    (req, _resp), = webhook.log
    assert req.headers["Authorization"] == "Bearer hook-token"
    body = json.loads(req.data)
    assert body["event"] == "new_high_alerts" and body["count"] == 16
    assert body["by_model"] == {"OF01": 10, "PR01": 6}
    assert {a["alert_id"] for a in body["alerts"]} == set(ids["OF01"] + ids["PR01"])
    assert "subject_id" not in json.dumps(body)  # no personal identifiers leave the warehouse


def test_failure_notifier_posts_task_details(webhook):
    from tianyan.orchestration.notifier import TianyanNotifier

    ti = SimpleNamespace(dag_id="dept_audit", task_id="findings.load", map_index=-1, run_id="r1", try_number=2)
    notifier = TianyanNotifier()
    notifier({"ti": ti, "run_id": "r1", "exception": RuntimeError("delivery rejected: 60% bad rows")})
    (req, _resp), = webhook.log
    body = json.loads(req.data)
    assert body["subject"] == "[tianyan] dept_audit.findings.load failed"
    assert body["event"] == "task_failed" and body["try_number"] == 2
    assert body["exception"] == "RuntimeError: delivery rejected: 60% bad rows"


def test_unconfigured_channel_does_not_fail(monkeypatch, caplog):
    from tianyan.orchestration.notifier import TianyanNotifier

    monkeypatch.delenv("AIRFLOW_CONN_TIANYAN_NOTIFY", raising=False)
    TianyanNotifier()({"ti": SimpleNamespace(dag_id="d", task_id="t", try_number=1), "run_id": "r"})
    assert "not sent" in caplog.text


class _Smtp(socketserver.StreamRequestHandler):
    """Just enough SMTP to accept one message (no TLS, no auth)."""

    def handle(self):
        self.wfile.write(b"220 sink\r\n")
        data = False
        lines: list[str] = []
        while line := self.rfile.readline():
            text = line.decode("utf-8", "replace").rstrip("\r\n")
            if data:
                if text == ".":
                    data = False
                    self.server.messages.append("\n".join(lines))
                    self.wfile.write(b"250 ok\r\n")
                else:
                    lines.append(text)
                continue
            verb = text[:4].upper()
            if verb in ("EHLO", "HELO"):
                self.wfile.write(b"250 sink\r\n")
            elif verb == "DATA":
                data = True
                self.wfile.write(b"354 go\r\n")
            elif verb == "QUIT":
                self.wfile.write(b"221 bye\r\n")
                return
            else:
                self.wfile.write(b"250 ok\r\n")


def test_email_channel(monkeypatch):
    from tianyan.orchestration.notifier import TianyanNotifier

    server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), _Smtp)
    server.messages = []
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        port = server.server_address[1]
        monkeypatch.setenv("AIRFLOW_CONN_TIANYAN_NOTIFY", json.dumps({
            "conn_type": "smtp", "host": "127.0.0.1", "port": port,
            "extra": {"to": "owner@example.cn", "from_email": "tianyan@example.cn", "disable_tls": True,
                      "disable_ssl": True}}))
        ti = SimpleNamespace(dag_id="dept_audit", task_id="findings.load", map_index=-1, run_id="r1", try_number=1)
        TianyanNotifier()({"ti": ti, "run_id": "r1", "exception": RuntimeError("rejected")})
        assert len(server.messages) == 1
        assert "dept_audit.findings.load failed" in server.messages[0]
        assert "owner@example.cn" in server.messages[0]
    finally:
        server.shutdown()
        server.server_close()
