"""One screening request, end to end: parse and scope the items, evaluate, answer, audit.

Used by the HTTP service (tianyan.screen.app) and by ``tianyan screen FILE`` alike, so a file and a
request get the same answers. The database work runs as role ``tianyan_screen``
(include/sql/migrations/0015_screening.sql) on connections of the service's own pool.
"""

from __future__ import annotations

import datetime as dt
import logging
import time
import uuid
from collections import Counter
from dataclasses import dataclass

import sqlalchemy as sa

from tianyan.screen.auth import ApiKey, KeyStore, RateLimiter, write_audit
from tianyan.screen.engine import ROLE, SessionPool, evaluate, screenable_models
from tianyan.screen.items import ItemError, candidates, parse_items, today_shanghai
from tianyan.screen.settings import load_settings

log = logging.getLogger(__name__)


class RequestError(Exception):
    """The whole request is refused: HTTP status and the field it concerns."""

    def __init__(self, status: int, field: str, message: str):
        super().__init__(message)
        self.status, self.field, self.message = status, field, message

    def body(self) -> dict:
        return {"error": {"field": self.field, "message": self.message}}


@dataclass
class Answer:
    body: dict
    status: int = 200


class Screener:
    def __init__(self, url: str, pool_size: int | None = None):
        settings = load_settings()
        self.settings = settings
        self.pool = SessionPool(url, pool_size or settings.pool_size)
        self.keys = KeyStore(self._role_engine(url), settings.key_cache_seconds)
        self.limiter = RateLimiter()

    def _role_engine(self, url: str) -> sa.Engine:
        eng = sa.create_engine(url, pool_size=2, max_overflow=2, pool_pre_ping=True)

        @sa.event.listens_for(eng, "connect")
        def _role(dbapi_conn, _record):  # every connection of this engine runs as the service's role
            with dbapi_conn.cursor() as cur:
                cur.execute(f"set role {ROLE}")
            dbapi_conn.commit()

        return eng

    def close(self) -> None:
        self.pool.dispose()
        self.keys.engine.dispose()

    # ---- health ------------------------------------------------------------------------------

    def ready(self) -> dict:
        """Raises when the warehouse cannot be screened against (no migration 0015, no role...)."""
        with self.pool.connect() as conn:
            conn.execute(sa.text("select 1 from screen.api_key limit 0"))
            conn.rollback()
        return {"models": len(screenable_models())}

    # ---- a request -----------------------------------------------------------------------------

    def authenticate(self, presented: str | None) -> ApiKey:
        key = self.keys.verify(presented)
        if key is None:
            raise RequestError(401, "authorization", "missing or invalid API key (Authorization: Bearer <key>)")
        return key

    def screen(self, items: object, as_of: object = None, *, key: ApiKey | None, channel: str,
               caller: str | None = None) -> Answer:
        """Screen a batch. ``key`` None is the local CLI (no scope). Always audited."""
        started = time.perf_counter()
        who = key.caller if key else (caller or "cli")
        n = len(items) if isinstance(items, list) else 0
        try:
            if key is not None:
                wait = self.limiter.take(key)
                if wait:
                    raise RequestError(429, "authorization", f"rate limit of {key.rate_per_minute} requests per "
                                       f"minute reached; retry in {wait:.1f} s")
            answer, kinds, hits, failed = self._screen(items, as_of, key)
        except RequestError as exc:
            self._audit(key, who, channel, exc.status, n, {}, {}, 0, started, f"{exc.field}: {exc.message}")
            raise
        self._audit(key, who, channel, 200, n, kinds, hits, failed, started)
        log.info("screened %d items for %s (%s): %d with hits, %d failed, %d ms", n, who, channel,
                 answer.body["items_hit"], failed, answer.body["duration_ms"])
        return answer

    def _screen(self, items: object, as_of: object, key: ApiKey | None):
        started = time.perf_counter()
        if not isinstance(items, list):
            raise RequestError(422, "items", "a list of 1 to "
                               f"{self.settings.max_items} items is required")
        if not items:
            raise RequestError(422, "items", "at least one item is required")
        if len(items) > self.settings.max_items:
            raise RequestError(413, "items", f"{len(items)} items; at most {self.settings.max_items} per request")
        day = _as_of(as_of)
        parsed, errors = parse_items(items)
        if key is not None:
            allowed = []
            for p in parsed:
                if not key.may_screen(p.target.kind):
                    errors.append(ItemError(p.index, f"items[{p.index}].kind",
                                            f"this key may not screen {p.target.kind} items"))
                elif not key.covers_region(p.region_code):
                    errors.append(ItemError(p.index, f"items[{p.index}].region_code",
                                            "required, within the regions of this key" if not p.region_code
                                            else "outside the regions this key may screen"))
                else:
                    allowed.append(p)
            parsed = allowed
        with self.pool.connect() as conn, conn.begin() as trans:
            ev = evaluate(conn, candidates(parsed), day)
            trans.rollback()
        errs = {e.index: e for e in errors}
        results = []
        kinds: Counter = Counter()
        rules: Counter = Counter()
        by_index = {p.index: p for p in parsed}
        for i, raw in enumerate(items):
            kind = raw.get("kind") if isinstance(raw, dict) else None
            kinds[str(kind) if kind else "?"] += 1
            r: dict = {"index": i}
            if isinstance(raw, dict) and raw.get("ref") not in (None, ""):
                r["ref"] = str(raw["ref"])
            if i in errs:
                r.update(status="error", error=errs[i].as_dict())
            else:
                hits = ev.hits.get(i, [])
                r["ref"] = by_index[i].ref
                r.update(status="hit" if hits else "clear", hits=[h.as_dict() for h in hits])
                for h in {h.model_id for h in hits}:
                    rules[h] += 1
            results.append(r)
        body = {
            "request_id": str(uuid.uuid4()),
            "as_of": day.isoformat(),
            "items": len(items),
            "items_hit": sum(1 for r in results if r["status"] == "hit"),
            "items_failed": len(errs),
            "models_run": sorted(ev.models_run),
            "duration_ms": int((time.perf_counter() - started) * 1000),
            "results": results,
        }
        return Answer(body), dict(kinds), dict(rules), len(errs)

    def _audit(self, key, who, channel, status, n, kinds, rules, failed, started, detail=None) -> None:
        try:
            with self.keys.engine.begin() as conn:
                write_audit(conn, key_id=key.key_id if key else None, caller=who, channel=channel, status=status,
                            items=n, kinds=kinds, rules_hit=rules, items_failed=failed,
                            duration_ms=int((time.perf_counter() - started) * 1000), detail=detail)
        except Exception:  # no answer leaves without its audit row: the request fails (500)
            log.exception("screening audit row could not be written (caller %s, status %s)", who, status)
            raise


def _as_of(value: object) -> dt.date:
    if value in (None, ""):
        return today_shanghai()
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError:
        raise RequestError(422, "as_of", f"{value!r} is not a date YYYY-MM-DD") from None
