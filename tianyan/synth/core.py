"""Shared generation context: calendar lookups (day offsets relative to as_of), the seeded
random generator and the per-feed row buffers that background and planting append to.

Every date is an integer day offset from as_of (0 = as_of, negative = history). Rows carry a
hidden ``_day`` column: the day the row becomes deliverable (event date for append feeds,
changed_at for delta feeds, creation for snapshot rows)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from tianyan.registry import FeedSpec, load_feeds

HISTORY_DAYS = 730  # about two years of history in the first delivery
_SPAN_BACK = 40_000  # oldest representable offset (~110 years: birth dates)
_SPAN_FWD = 4_000


class Calendar:
    """Vectorised offset -> string lookups (shared python str objects keep memory low)."""

    def __init__(self, as_of: dt.date):
        self.as_of = as_of
        base = as_of - dt.timedelta(days=_SPAN_BACK)
        n = _SPAN_BACK + _SPAN_FWD
        days = np.arange(n)
        dates = np.datetime64(base.isoformat(), "D") + days
        ymd = dates.astype("datetime64[D]").astype(str)
        self._date = ymd.astype(object)
        y = dates.astype("datetime64[Y]").astype(np.int64) + 1970
        m = dates.astype("datetime64[M]").astype(np.int64) % 12 + 1
        d = (dates - dates.astype("datetime64[M]")).astype(np.int64) + 1
        self.year = y
        self.month = m
        self.dom = d
        self.month_idx = y * 12 + (m - 1)  # absolute month number
        self.ymd_int = y * 10000 + m * 100 + d
        self.weekday = (dates.astype("datetime64[D]").astype(np.int64) - 4) % 7  # 0 = Monday
        self._ts = np.char.add(ymd, " 09:30:00").astype(object)
        self._base = _SPAN_BACK
        self.as_of_month = as_of.year * 12 + as_of.month - 1
        # Period strings by absolute month number (limited range around as_of).
        self._pbase = self.as_of_month - 1400
        mi = np.arange(self._pbase, self.as_of_month + 200)
        self._period = np.array([f"{v // 12:04d}-{v % 12 + 1:02d}" for v in mi], dtype=object)

    def idx(self, off):
        return np.asarray(off, dtype=np.int64) + self._base

    def date(self, off) -> np.ndarray:
        return self._date[self.idx(off)]

    def ts(self, off) -> np.ndarray:
        return self._ts[self.idx(off)]

    def d(self, off: int) -> str:
        return str(self._date[off + self._base])

    def t(self, off: int, hms: str = "09:30:00") -> str:
        return f"{self.d(off)} {hms}"

    def period(self, month_idx) -> np.ndarray:
        return self._period[np.asarray(month_idx, np.int64) - self._pbase]

    def p(self, month_idx: int) -> str:
        return str(self._period[month_idx - self._pbase])

    def month_of(self, off):
        return self.month_idx[self.idx(off)]

    def off(self, day: dt.date) -> int:
        return (day - self.as_of).days

    def month_start(self, month_idx: int) -> int:
        """Offset of the first day of an absolute month."""
        return self.off(dt.date(month_idx // 12, month_idx % 12 + 1, 1))

    def month_starts(self, month_idx) -> np.ndarray:
        """Offsets of the first day of absolute months (vectorised)."""
        mi = np.asarray(month_idx, np.int64) - 1970 * 12
        first = mi.astype("datetime64[M]").astype("datetime64[D]")
        return (first - np.datetime64(self.as_of.isoformat(), "D")).astype(np.int64)


def money(cents) -> np.ndarray:
    """Integer cents -> 'D.CC' strings (object array)."""
    c = np.asarray(cents, dtype=np.int64)
    if c.size == 0:  # numpy's zfill cannot size an empty array (a small city may pay nobody)
        return np.empty(c.shape, dtype=object)
    neg = c < 0
    a = np.abs(c)
    s = np.char.add(np.char.add(np.char.mod("%d", a // 100), "."), np.char.zfill(np.char.mod("%d", a % 100), 2))
    s = np.where(neg, np.char.add("-", s), s)
    return s.astype(object)


@dataclass
class Ctx:
    seed: int
    residents: int
    as_of: dt.date
    days: int
    rng: np.random.Generator
    cal: Calendar
    feeds: dict[str, FeedSpec] = field(default_factory=load_feeds)
    parts: dict[str, list[pd.DataFrame]] = field(default_factory=dict)

    @property
    def end(self) -> int:
        """Last offset that is delivered (as_of + days - 1)."""
        return self.days - 1

    @property
    def w0(self) -> int:
        """First day of the history window."""
        return -HISTORY_DAYS

    def add(self, feed_id: str, day, **cols) -> None:
        """Append rows to a feed buffer. Missing spec columns are null; ``day`` is the delivery day."""
        spec = self.feeds[feed_id]
        n = None
        for v in cols.values():
            if isinstance(v, np.ndarray | list):
                n = len(v)
                break
        if n is None:
            n = 1
        if n == 0:
            return
        data = {}
        for c in spec.column_names:
            v = cols.pop(c, None)
            if isinstance(v, np.ndarray | list):
                data[c] = np.asarray(v, dtype=object)
            else:
                data[c] = np.full(n, v, dtype=object)
        if cols:
            raise KeyError(f"{feed_id}: unknown columns {sorted(cols)}")
        data["_day"] = np.broadcast_to(np.asarray(day, dtype=np.int64), (n,)).copy()
        self.parts.setdefault(feed_id, []).append(pd.DataFrame(data))

    def frame(self, feed_id: str) -> pd.DataFrame:
        spec = self.feeds[feed_id]
        parts = self.parts.get(feed_id) or []
        if not parts:
            return pd.DataFrame({c: pd.Series([], dtype=object) for c in [*spec.column_names, "_day"]})
        return pd.concat(parts, ignore_index=True) if len(parts) > 1 else parts[0]
