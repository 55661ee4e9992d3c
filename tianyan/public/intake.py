"""The complaint intake of the public site (``tianyan public serve``): a small ASGI app (FastAPI),
separate from the Airflow UI and the screening API.

- ``POST /complaints`` (the form of every public page, ``application/x-www-form-urlencoded``):
  ``page`` (the page key, ``v/<village_code>`` or ``u/<unit_code>``, looked up in the published
  site's ``pages.json``: the unit and region of the complaint come from there, not from the form),
  ``category`` (one of ``intake.categories``), ``text`` and optionally ``contact``. Refused with a
  4xx naming the field: a body over ``max_body_bytes`` (413), another content type (415), bytes that
  are not UTF-8 or a body that is not a form (400), an unknown page or category, a missing or too long
  text or contact, markup or script in them, control characters, fields the form does not have (422),
  more than ``rate_limit`` complaints per client address per ``rate_window`` (429, Retry-After).
  Accepted: a ticket number (the complaint id), the complaint appended to the next
  ``discipline.complaints`` delivery (tianyan.public.delivery), the ticket's record (no personal
  data) and the complaint's text with the contact the complainant chose to give (the case file for
  the office; mode 0600) under ``intake.state_dir``. Nothing else is kept: no address, no log line
  with the text or contact.
- ``GET /ticket?no=...``: the ticket's status as the warehouse records it (received, assigned to the
  office of its region, outcome with date; include/sql/public/ticket.sql), or "received, not yet
  handed over" before the next run loads it. No text, contact or internal note is shown.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import os
import re
import secrets
import threading
import time
import unicodedata
from collections import deque
from collections.abc import Callable
from pathlib import Path
from urllib.parse import parse_qs
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse, Response

from tianyan.public import delivery
from tianyan.public.data import query
from tianyan.public.settings import PublicSettings, load_settings
from tianyan.public.site import TEMPLATES, csp, environment, load_manifest

log = logging.getLogger(__name__)
CHINA = ZoneInfo("Asia/Shanghai")
TICKET_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"  # Crockford base32: no I, L, O, U
TICKET_RE = re.compile(r"^QR[0-9]{8}[0-9A-HJKMNP-TV-Z]{8}$")
FIELDS = {"page", "category", "text", "contact"}
MARKUP = re.compile(r"<\s*[a-zA-Z!/?]|javascript\s*:|on[a-z]+\s*=|&#", re.IGNORECASE)
STATUS_LABELS = {"RECEIVED": "已受理，待交办", "OPEN": "已交办", "IN_PROGRESS": "办理中", "CLOSED": "已办结"}


class RateLimiter:
    """At most ``limit`` events per key in any ``window`` seconds (sliding window, in memory)."""

    def __init__(self, limit: int, window: float, clock: Callable[[], float] = time.monotonic):
        self.limit, self.window, self.clock = limit, window, clock
        self._events: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def retry_after(self, key: str) -> int:
        """0 and the event counted when allowed, else the seconds until it would be."""
        now = self.clock()
        with self._lock:
            q = self._events.setdefault(key, deque())
            while q and q[0] <= now - self.window:
                q.popleft()
            if len(q) >= self.limit:
                return max(1, int(q[0] + self.window - now + 0.999))
            q.append(now)
            if len(self._events) > 100_000:  # forget idle clients
                for k in [k for k, v in self._events.items() if not v or v[-1] <= now - self.window]:
                    del self._events[k]
            return 0


def new_ticket(received: dt.date) -> str:
    return "QR" + received.strftime("%Y%m%d") + "".join(secrets.choice(TICKET_ALPHABET) for _ in range(8))


def _clean_text(value: str, field: str, limit: int, problems: list[str], required: bool) -> str:
    text = unicodedata.normalize("NFC", value).strip()
    if not text:
        if required:
            problems.append(f"{field}: 必填 (required)")
        return ""
    if len(text) > limit:
        problems.append(f"{field}: 超过 {limit} 字 (longer than {limit} characters)")
    if MARKUP.search(text):
        problems.append(f"{field}: 不接受网页代码或脚本 (markup or script is not accepted)")
    if any(unicodedata.category(ch) in ("Cc", "Cf", "Cs", "Co") and ch not in "\n\r\t" for ch in text):
        problems.append(f"{field}: 含有控制字符 (control characters)")
    return text


class Intake:
    """What the app needs: settings, the published site, the drop, its own folder, the warehouse."""

    def __init__(self, cfg: PublicSettings | None = None, *, site: Path | None = None, drop: Path | None = None,
                 state: Path | None = None, url: str | None = None, today: Callable[[], dt.date] | None = None,
                 engine: sa.Engine | None = None):
        self.cfg = cfg or load_settings()
        self.site = Path(site) if site else self.cfg.site_path()
        self.drop = Path(drop) if drop else self.cfg.intake.drop_path()
        self.state = Path(state) if state else self.cfg.intake.state_path()
        self.today = today or (lambda: dt.datetime.now(CHINA).date())
        self._url = url
        self._engine = engine
        self.limiter = RateLimiter(self.cfg.intake.rate_limit, self.cfg.intake.window_seconds)
        for sub in ("tickets", "cases"):
            (self.state / sub).mkdir(parents=True, exist_ok=True, mode=0o700)
        self._manifest: tuple[float, dict] = (-1.0, {})

    @property
    def engine(self) -> sa.Engine:
        if self._engine is None:
            from tianyan.warehouse.conn import engine

            self._engine = engine(self._url)
        return self._engine

    def pages(self) -> dict[str, dict]:
        path = self.site / "pages.json"
        mtime = path.stat().st_mtime if path.exists() else 0.0
        if mtime != self._manifest[0]:
            self._manifest = (mtime, load_manifest(self.site))
        return self._manifest[1]

    def recorded_dates(self) -> set[dt.date]:
        try:
            with self.engine.connect() as c:
                return set(c.execute(sa.text("select delivery_date from meta.feed_runs where feed_id = :f"),
                                     {"f": delivery.FEED_ID}).scalars())
        except sa.exc.SQLAlchemyError as exc:  # the warehouse is down: still accept, deliver for R+1
            log.warning("complaint intake: delivery dates not checked (%s)", type(exc).__name__)
            return set()

    def validate(self, form: dict[str, list[str]]) -> tuple[dict, list[str]]:
        problems = [f"{k}: 未知字段 (unknown field)" for k in sorted(set(form) - FIELDS)]
        problems += [f"{k}: 重复字段 (given more than once)" for k, v in sorted(form.items()) if len(v) > 1]
        one = {k: v[0] for k, v in form.items()}
        page = self.pages().get(one.get("page", "").strip())
        if page is None:
            problems.append("page: 未知的公开页 (not a published page)")
        category = one.get("category", "").strip()
        if category not in self.cfg.intake.categories:
            problems.append("category: 不是可选的类别 (not one of the categories)")
        text = _clean_text(one.get("text", ""), "text", self.cfg.intake.max_text_chars, problems, True)
        contact = _clean_text(one.get("contact", ""), "contact", self.cfg.intake.max_contact_chars, problems, False)
        return {"page": page, "category": category, "text": text, "contact": contact}, problems

    def accept(self, v: dict) -> dict:
        received = self.today()
        ticket = new_ticket(received)
        page = v["page"]
        day = delivery.delivery_date_for(received, self.recorded_dates())
        item = delivery.complaint_item(ticket, received, page["unit_code"], page["region_code"], v["category"])
        delivery.append(self.drop, day, item)
        record = {"ticket": ticket, "received_date": received.isoformat(), "delivery_date": day.isoformat(),
                  "page": page["page"], "unit_code": page["unit_code"], "region_code": page["region_code"],
                  "category": v["category"]}
        _write_private(self.state / "tickets" / f"{ticket}.json", record)
        case = {"ticket": ticket, "text": v["text"]}
        if v["contact"]:
            case["contact"] = v["contact"]
        _write_private(self.state / "cases" / f"{ticket}.json", case)
        log.info("complaint %s accepted for page %s, delivery %s", ticket, page["page"], day)
        return record

    def lookup(self, ticket: str) -> dict | None:
        try:
            with self.engine.connect() as c:
                rows = query(c, "ticket", {"ticket": ticket})
        except sa.exc.SQLAlchemyError as exc:
            log.warning("ticket lookup without the warehouse (%s)", type(exc).__name__)
            rows = []
        if rows:
            row = rows[0]
            return {**row, "status_label": STATUS_LABELS.get(row["status"], row["status"])}
        path = self.state / "tickets" / f"{ticket}.json"
        if not path.exists():
            return None
        rec = json.loads(path.read_text(encoding="utf-8"))
        page = self.pages().get(rec["page"], {})
        return {"complaint_id": ticket, "received_date": rec["received_date"], "category": rec["category"],
                "status": "RECEIVED", "status_label": STATUS_LABELS["RECEIVED"], "closed_date": None,
                "unit_name": page.get("name"), "office_name": None}


def _write_private(path: Path, doc: dict) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        json.dump(doc, fh, ensure_ascii=False)


def create_app(intake: Intake | None = None):
    intake = intake or Intake()
    cfg = intake.cfg
    env = environment()
    headers = {"Content-Security-Policy": csp(cfg).replace("form-action ", "form-action 'self' "),
               "X-Content-Type-Options": "nosniff", "Referrer-Policy": "no-referrer", "Cache-Control": "no-store"}
    app = FastAPI(title="码上监督 complaint intake", docs_url=None, redoc_url=None, openapi_url=None)
    app.state.intake = intake

    def page(template: str, status: int = 200, extra: dict | None = None, **values) -> HTMLResponse:
        common = {"as_of": intake.today().isoformat(), "csp": headers["Content-Security-Policy"], "root": ""}
        html = env.get_template(template).render(**common, **values)
        return HTMLResponse(html, status_code=status, headers={**headers, **(extra or {})})

    def refuse(status: int, message: str, problems: list[str] | None = None, extra: dict | None = None):
        return page("error.html", status, extra, message=message, problems=problems or [])

    @app.get("/site.css")
    def css() -> Response:
        return Response((TEMPLATES / "site.css").read_bytes(), media_type="text/css", headers=headers)

    @app.post("/complaints")
    async def complaints(request: Request):
        limit = cfg.intake.max_body_bytes
        length = request.headers.get("content-length")
        if length is not None and (not length.isdigit() or int(length) > limit):
            return refuse(413, f"内容过长（上限 {limit} 字节） (body larger than {limit} bytes)")
        ctype = request.headers.get("content-type", "").split(";")[0].strip().lower()
        if ctype != "application/x-www-form-urlencoded":
            return refuse(415, "只接受网页表单提交 (only application/x-www-form-urlencoded)")
        body = b""
        async for chunk in request.stream():
            body += chunk
            if len(body) > limit:
                return refuse(413, f"内容过长（上限 {limit} 字节） (body larger than {limit} bytes)")
        try:
            text = body.decode("utf-8")
            form = parse_qs(text, keep_blank_values=True, strict_parsing=bool(text), errors="strict",
                            max_num_fields=len(FIELDS) + 2)
        except (UnicodeDecodeError, ValueError):
            return refuse(400, "无法识别的提交内容 (not a UTF-8 form body)")
        values, problems = intake.validate(form)
        if problems:
            return refuse(422, "提交内容有误 (invalid fields)", problems)
        client = request.client.host if request.client else "unknown"
        wait = intake.limiter.retry_after(client)
        if wait:
            return refuse(429, f"提交过于频繁，请 {wait} 秒后再试 (too many complaints; retry later)",
                          extra={"Retry-After": str(wait)})
        record = intake.accept(values)
        return page("intake_done.html", 201, ticket=record["ticket"], page_name=values["page"]["name"],
                    page_url=values["page"]["url"])

    @app.get("/ticket")
    def ticket(request: Request):
        if set(request.query_params) - {"no"}:
            return refuse(422, "未知的查询参数 (unknown query parameter)")
        no = (request.query_params.get("no") or "").strip().upper()
        if not no:
            return page("ticket.html", no=None, ticket=None)
        if not TICKET_RE.match(no):
            return refuse(422, "受理编号格式不对 (no: not a ticket number)")
        found = intake.lookup(no)
        return page("ticket.html", 200 if found else 404, no=no, ticket=found)

    return app


def serve(host: str = "127.0.0.1", port: int | None = None, **kwargs) -> None:
    import uvicorn

    intake = Intake(**kwargs)
    uvicorn.run(create_app(intake), host=host, port=port or intake.cfg.intake.port, log_level="info",
                access_log=False)  # no access log: addresses are personal data
