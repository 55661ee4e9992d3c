"""The screening service over HTTP (FastAPI; ``tianyan serve`` runs it with uvicorn).

- ``GET /healthz``: the process is up (no database call);
- ``GET /readyz``: the warehouse answers as role tianyan_screen, migration 0015 is applied and the
  screenable models are prepared (503 otherwise);
- ``POST /v1/screen``: ``{"items": [...], "as_of": "YYYY-MM-DD"?}`` with ``Authorization: Bearer
  <key>`` (or ``X-API-Key``); answers per item (docs/screening.md).

Errors of the whole request are ``{"error": {"field": ..., "message": ...}}`` with 401, 413, 422 or
429; a malformed item fails that item only (``status: error`` in its result).
"""

from __future__ import annotations

import logging
import os
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI, Header, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict

from tianyan.screen.service import RequestError, Screener

log = logging.getLogger(__name__)


class ScreenRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    items: list[Any]
    as_of: str | None = None


def service_url() -> str:
    """The service's own login ($TIANYAN_SCREEN_URL, a member of role tianyan_screen), else the
    configured or embedded warehouse; every connection runs as tianyan_screen either way."""
    from tianyan.warehouse.conn import warehouse_url

    return os.environ.get("TIANYAN_SCREEN_URL") or warehouse_url()


def create_app(url: str | None = None, screener: Screener | None = None) -> FastAPI:
    state: dict[str, Screener] = {}

    @asynccontextmanager
    async def lifespan(_app: FastAPI):
        if screener is not None:
            state["s"] = screener
        else:
            state["s"] = Screener(url or service_url())
        yield
        if screener is None:
            state["s"].close()

    app = FastAPI(title="tianyan screening", version="1", lifespan=lifespan, docs_url="/docs", redoc_url=None)

    @app.exception_handler(RequestError)
    async def _request_error(_req: Request, exc: RequestError):
        headers = {"Retry-After": "1"} if exc.status == 429 else {}
        if exc.status == 401:
            headers["WWW-Authenticate"] = "Bearer"
        return JSONResponse(exc.body(), status_code=exc.status, headers=headers)

    @app.exception_handler(RequestValidationError)
    async def _invalid(_req: Request, exc: RequestValidationError):
        first = exc.errors()[0] if exc.errors() else {"loc": ("body",), "msg": "invalid request"}
        loc = [str(p) for p in first.get("loc", ()) if p != "body"]
        field = ".".join(loc) or "body"
        return JSONResponse({"error": {"field": field, "message": first.get("msg", "invalid")}}, status_code=422)

    @app.get("/healthz")
    def healthz() -> dict:
        return {"status": "ok"}

    @app.get("/readyz")
    def readyz():
        try:
            return {"status": "ready", **state["s"].ready()}
        except Exception as exc:  # noqa: BLE001 - not ready, say why without a stack trace
            log.warning("screening service not ready: %s", type(exc).__name__)
            return JSONResponse({"status": "not ready", "reason": type(exc).__name__}, status_code=503)

    @app.post("/v1/screen")
    def screen(body: ScreenRequest, authorization: str | None = Header(default=None),
               x_api_key: str | None = Header(default=None)):
        s = state["s"]
        presented = x_api_key
        if authorization and authorization.lower().startswith("bearer "):
            presented = authorization[7:].strip()
        try:
            key = s.authenticate(presented)
        except RequestError as exc:
            s._audit(None, "unauthenticated", "http", exc.status, len(body.items), {}, {}, 0, _now())
            raise
        return s.screen(body.items, body.as_of, key=key, channel="http").body

    return app


def _now() -> float:
    import time

    return time.perf_counter()


def app_from_env() -> FastAPI:
    """Factory for uvicorn workers (``tianyan serve --workers N``): the URL from TIANYAN_SCREEN_URL."""
    import os

    return create_app(os.environ.get("TIANYAN_SCREEN_URL") or None)
