"""API keys of the calling systems (screen.api_key), their rate limits and the audit trail.

A key is ``tys_<key_id>_<secret>``: ``key_id`` names the row, the secret is 32 random bytes of which
only a scrypt hash is stored (hashlib.scrypt, a fresh salt per key). A key is scoped to transaction
kinds and region-code prefixes (none = every region) and has a rate limit in requests per minute,
enforced per service process by a token bucket. Managing keys (``tianyan screen-keys``) needs the
warehouse's owner; the service itself only reads key hashes and appends audit rows.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import re
import secrets
import threading
import time
from dataclasses import dataclass

import sqlalchemy as sa

from tianyan.screen.targets import KINDS

PREFIX = "tys"
KEY_SHAPE = re.compile(rf"^{PREFIX}_([0-9a-f]{{12}})_([A-Za-z0-9_-]{{43}})$")
SCRYPT = {"n": 2**14, "r": 8, "p": 1}


class KeyError_(ValueError):
    """A key problem shown to the operator (bad scope, unknown key id)."""


@dataclass(frozen=True)
class ApiKey:
    key_id: str
    caller: str
    kinds: tuple[str, ...]
    regions: tuple[str, ...]
    rate_per_minute: int

    def may_screen(self, kind: str) -> bool:
        return kind in self.kinds

    def covers_region(self, region_code: str | None) -> bool:
        if not self.regions:
            return True
        return bool(region_code) and any(str(region_code).startswith(r) for r in self.regions)


def _hash(secret: str, salt: bytes) -> str:
    digest = hashlib.scrypt(secret.encode(), salt=salt, dklen=32, **SCRYPT)
    b64 = base64.b64encode
    return f"scrypt${SCRYPT['n']}${SCRYPT['r']}${SCRYPT['p']}${b64(salt).decode()}${b64(digest).decode()}"


def _verify(secret: str, stored: str) -> bool:
    try:
        algo, n, r, p, salt, digest = stored.split("$")
        assert algo == "scrypt"
        got = hashlib.scrypt(secret.encode(), salt=base64.b64decode(salt), n=int(n), r=int(r), p=int(p), dklen=32)
    except (ValueError, AssertionError):
        return False
    return hmac.compare_digest(got, base64.b64decode(digest))


# ---- management (owner rights) -------------------------------------------------------------------


def add_key(conn: sa.Connection, caller: str, kinds: list[str], regions: list[str], rate_per_minute: int) -> str:
    """Create a key; returns the full key, which is shown once and never stored."""
    if not caller.strip():
        raise KeyError_("caller: name the calling system")
    bad = sorted(set(kinds) - set(KINDS))
    if not kinds or bad:
        raise KeyError_(f"kinds: {bad or 'none given'}; choose from {list(KINDS)}")
    bad_regions = [r for r in regions if not re.fullmatch(r"\d{2,12}", r)]
    if bad_regions:
        raise KeyError_(f"regions: {bad_regions} are not region-code prefixes (2 to 12 digits)")
    if rate_per_minute < 1:
        raise KeyError_("rate: at least 1 request per minute")
    key_id, secret = secrets.token_hex(6), secrets.token_urlsafe(32)
    conn.execute(sa.text(
        "insert into screen.api_key (key_id, caller, secret_hash, kinds, regions, rate_per_minute) "
        "values (:k, :c, :h, :kinds, :regions, :rate)"),
        {"k": key_id, "c": caller.strip(), "h": _hash(secret, secrets.token_bytes(16)), "kinds": sorted(set(kinds)),
         "regions": sorted(set(regions)), "rate": rate_per_minute})
    return f"{PREFIX}_{key_id}_{secret}"


def list_keys(conn: sa.Connection) -> list[dict]:
    return [dict(r._mapping) for r in conn.execute(sa.text(
        "select key_id, caller, kinds, regions, rate_per_minute, created_at, revoked_at "
        "from screen.api_key order by created_at, key_id"))]


def revoke_key(conn: sa.Connection, key_id: str) -> None:
    got = conn.execute(sa.text("update screen.api_key set revoked_at = now() where key_id = :k "
                               "and revoked_at is null"), {"k": key_id})
    if not got.rowcount:
        raise KeyError_(f"key_id {key_id!r}: no such active key")


# ---- the service side ----------------------------------------------------------------------------


class KeyStore:
    """Verifies presented keys against screen.api_key (scrypt), remembering a verified key for
    ``cache_seconds`` so that scrypt's cost is paid once per key and period, not per request."""

    def __init__(self, engine: sa.Engine, cache_seconds: int):
        self.engine, self.cache_seconds = engine, cache_seconds
        self._cache: dict[bytes, tuple[float, ApiKey | None]] = {}
        self._lock = threading.Lock()

    def verify(self, presented: str | None) -> ApiKey | None:
        if not presented:
            return None
        m = KEY_SHAPE.match(presented.strip())
        if not m:
            return None
        fp = hashlib.sha256(presented.encode()).digest()
        now = time.monotonic()
        with self._lock:
            hit = self._cache.get(fp)
        if hit and hit[0] > now:
            return hit[1]
        key = self._lookup(m[1], m[2])
        with self._lock:
            if len(self._cache) > 10_000:
                self._cache.clear()
            self._cache[fp] = (now + self.cache_seconds, key)
        return key

    def _lookup(self, key_id: str, secret: str) -> ApiKey | None:
        with self.engine.connect() as conn:
            row = conn.execute(sa.text(
                "select key_id, caller, secret_hash, kinds, regions, rate_per_minute from screen.api_key "
                "where key_id = :k and revoked_at is null"), {"k": key_id}).first()
            conn.rollback()
        if row is None or not _verify(secret, row.secret_hash):
            return None
        return ApiKey(row.key_id, row.caller, tuple(row.kinds), tuple(row.regions), row.rate_per_minute)


class RateLimiter:
    """Token bucket per key: ``rate_per_minute`` tokens, refilled continuously."""

    def __init__(self) -> None:
        self._buckets: dict[str, tuple[float, float]] = {}
        self._lock = threading.Lock()

    def take(self, key: ApiKey) -> float:
        """0 when the request may go ahead, else the seconds until it may."""
        now = time.monotonic()
        capacity, per_second = float(key.rate_per_minute), key.rate_per_minute / 60.0
        with self._lock:
            tokens, at = self._buckets.get(key.key_id, (capacity, now))
            tokens = min(capacity, tokens + (now - at) * per_second)
            if tokens >= 1:
                self._buckets[key.key_id] = (tokens - 1, now)
                return 0.0
            self._buckets[key.key_id] = (tokens, now)
            return (1 - tokens) / per_second


def write_audit(conn: sa.Connection, *, key_id: str | None, caller: str, channel: str, status: int, items: int,
                kinds: dict[str, int], rules_hit: dict[str, int], items_failed: int, duration_ms: int,
                detail: str | None = None) -> None:
    """One audit row: counts only, no identifiers of persons or transactions."""
    conn.execute(sa.text(
        "insert into screen.audit (key_id, caller, channel, status, items, kinds, rules_hit, items_failed, "
        "duration_ms, detail) values (:key_id, :caller, :channel, :status, :items, cast(:kinds as jsonb), "
        "cast(:rules as jsonb), :failed, :ms, :detail)"),
        {"key_id": key_id, "caller": caller, "channel": channel, "status": status, "items": items,
         "kinds": json.dumps(kinds, sort_keys=True), "rules": json.dumps(rules_hit, sort_keys=True),
         "failed": items_failed, "ms": duration_ms, "detail": detail})
