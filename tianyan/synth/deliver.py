"""Split each feed's rows into deliveries (first date = history, later dates = increments on the
feed's cadence), add the dirty-but-recoverable identifiers and the few truly invalid rows, write
every delivery and record where the invalid rows landed."""

from __future__ import annotations

import datetime as dt
import shutil
import zlib
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa

from tianyan.registry import FeedSpec
from tianyan.synth.core import Ctx
from tianyan.synth.ids import DIRTY_KINDS, break_id18, break_uscc, dirty, id18, uscc
from tianyan.synth.writers import file_and_row, write_delivery

DIRTY_RATE = 0.02
INVALID_PER_FEED = 3
RULE_ORDER = ("id18", "enum", "required", "bound", "type", "uscc", "region", "period")
GHOST_PREFIX = 522630  # a real county code the city does not use: ghosts are valid ids of nobody


def delivery_offsets(spec: FeedSpec, days: int, as_of: dt.date) -> list[int]:
    out = [0]
    for k in range(1, days):
        d = as_of + dt.timedelta(days=k)
        cad = spec.delivery.cadence
        if cad == "daily" or (cad == "weekly" and d.weekday() == 0) or (cad == "monthly" and d.day == 1):
            out.append(k)
    return out


def _rng(seed: int, *parts: str) -> np.random.Generator:
    return np.random.default_rng([seed, *(zlib.crc32(p.encode()) for p in parts)])


def add_dirt(spec: FeedSpec, df: pd.DataFrame, rng: np.random.Generator) -> pd.DataFrame:
    """Rewrite ~2% of the id18 values (in place) into recoverable dirty forms."""
    for c in (c.name for c in spec.columns if c.id18):
        if df.empty:
            break
        cand = np.flatnonzero(df[c].notna().to_numpy() & (rng.random(len(df)) < DIRTY_RATE))
        kinds = rng.integers(0, len(DIRTY_KINDS), len(cand))
        vals = df[c].iloc[cand].tolist()
        new = [dirty(v, DIRTY_KINDS[k]) for v, k in zip(vals, kinds, strict=True)]
        col = df[c].astype(object) if len(df) < 1_000 else df[c]
        col = col.copy()
        col.iloc[cand] = new
        df[c] = col
    return df


class Ghosts:
    """Valid identifiers of nobody, for the invalid rows (so they never collide with real keys)."""

    def __init__(self, start: int = 0):
        self.k = start

    def person(self) -> str:
        self.k += 1
        d = dt.date(1970, 1, 1) + dt.timedelta(days=self.k)
        return id18(GHOST_PREFIX, int(d.strftime("%Y%m%d")), 101)

    def org(self) -> str:
        self.k += 1
        return uscc("91", GHOST_PREFIX, 900_000 + self.k)


def _rules(spec: FeedSpec) -> dict[str, str]:
    """rule -> column that can be broken alone."""
    out: dict[str, str] = {}
    cols = spec.columns
    ids_ = [c for c in cols if c.id18]
    if ids_:
        out["id18"] = sorted(ids_, key=lambda c: not c.required)[0].name
    enums = [c for c in cols if c.type == "enum" and c.name != "op"]
    if enums:
        out["enum"] = enums[0].name
    plain = [c for c in cols if c.required and c.name not in spec.key and c.name != "op" and not (
        c.id18 or c.uscc or c.region or c.period or c.unique or c.type == "enum" or c.min is not None)]
    plain.sort(key=lambda c: c.type != "string")
    if plain:
        out["required"] = plain[0].name
    bounds = [c for c in cols if c.min is not None]
    if bounds:
        out["bound"] = bounds[0].name
    dates = [c for c in cols if c.type == "date" and c.name not in spec.key]
    if dates and spec.delivery.format != "parquet":
        out["type"] = dates[0].name
    for rule, attr in (("uscc", "uscc"), ("region", "region"), ("period", "period")):
        found = [c for c in cols if getattr(c, attr)]
        if found:
            out[rule] = found[0].name
    return out


def invalid_rows(spec: FeedSpec, template: dict, feed_no: int, ghosts: Ghosts) -> list[tuple[dict, str, str]]:
    rules = _rules(spec)
    avail = [r for r in RULE_ORDER if r in rules]
    chosen = [avail[(feed_no + i) % len(avail)] for i in range(min(INVALID_PER_FEED, len(avail)))]
    out = []
    for j, rule in enumerate(chosen):
        row = dict(template)
        for c in spec.columns:
            if row.get(c.name) is None:
                continue
            if c.id18:
                row[c.name] = ghosts.person()
            elif c.uscc:
                row[c.name] = ghosts.org()
            elif (c.unique or c.name in spec.key) and c.type == "string" and not c.region:
                row[c.name] = f"{row[c.name]}Q{j + 1}"
        col = rules[rule]
        spec_col = spec.column(col)
        if rule == "id18":
            row[col] = break_id18(row[col] or ghosts.person())
        elif rule == "uscc":
            row[col] = break_uscc(row[col] or ghosts.org())
        elif rule == "enum":
            row[col] = "UNKNOWN"
        elif rule == "required":
            row[col] = None
        elif rule == "bound":
            row[col] = "5" if spec_col.max is not None else ("-" + str(row[col] or "1.00").lstrip("-"))
            if spec_col.type == "int" and spec_col.max is None:
                row[col] = "-1"
        elif rule == "type":
            row[col] = "2023-02-30"
        elif rule == "region":
            row[col] = "52262201"
        elif rule == "period":
            row[col] = "2024-13"
        out.append((row, rule, col))
    return out


class Deliverer:
    """Writes feeds as soon as they are complete (big feeds early, to keep memory low) and
    collects the manifest and expected-quarantine rows."""

    def __init__(self, ctx: Ctx, drop: Path):
        self.ctx, self.drop = ctx, drop
        self.manifest: dict = {}
        self.quarantine: list[dict] = []
        self.feed_no = {fid: i for i, fid in enumerate(ctx.feeds)}

    def run(self, feeds: list[str] | None = None) -> None:
        for fid in feeds or [f for f in self.ctx.feeds if f not in self.manifest]:
            self.one(fid)

    def result(self) -> tuple[dict, list[dict]]:
        q = sorted(self.quarantine, key=lambda r: (r["feed_id"], r["delivery_date"], r["file"], r["row_no"]))
        return dict(sorted(self.manifest.items())), q

    def one(self, fid: str) -> None:
        ctx, spec = self.ctx, self.ctx.feeds[fid]
        ghosts = Ghosts(self.feed_no[fid] * 100)
        frame = ctx.frame(fid)
        ctx.parts.pop(fid, None)  # free the buffers as soon as the feed is written (memory)
        day = frame["_day"].to_numpy()
        offs = delivery_offsets(spec, ctx.days, ctx.as_of)
        self.manifest[fid] = {}
        prev = None
        for k in offs:
            if spec.delivery.mode == "snapshot":
                sel = day <= k
            else:
                sel = (day <= k) if prev is None else ((day > prev) & (day <= k))
            prev = k
            date = ctx.as_of + dt.timedelta(days=k)
            part = frame[spec.column_names] if sel.all() else frame.loc[sel, spec.column_names]
            part = add_dirt(spec, part.reset_index(drop=True), _rng(ctx.seed, fid, date.isoformat()))
            inv: list[tuple[str, str]] = []
            if k == 0 and len(part):
                template = part.iloc[0].to_dict()
                bad = invalid_rows(spec, template, self.feed_no[fid], ghosts)
                part = pd.concat([part, pd.DataFrame([b[0] for b in bad], columns=spec.column_names, dtype="str")],
                                 ignore_index=True)
                inv = [(b[1], b[2]) for b in bad]
            marker = np.full(len(part), -1)
            if inv:
                marker[len(part) - len(inv):] = np.arange(len(inv))
            part["_inv"] = marker
            part = part.sort_values(list(spec.key), kind="stable", na_position="last").reset_index(drop=True)
            folder = self.drop / spec.department / spec.name / date.isoformat()
            if folder.exists():
                shutil.rmtree(folder)
            files = write_delivery(spec, part, folder)
            for pos in np.flatnonzero(part["_inv"].to_numpy() >= 0):
                rule, col = inv[part["_inv"].iloc[pos]]
                fname, row_no = file_and_row(spec, files, int(pos))
                self.quarantine.append({"feed_id": fid, "delivery_date": date.isoformat(), "file": fname,
                                        "row_no": row_no, "rule": rule, "column": col})
            self.manifest[fid][date.isoformat()] = {"files": files, "rows": int(len(part)), "invalid": len(inv)}
            del part
        del frame
        pa.default_memory_pool().release_unused()  # hand freed arrow buffers back to the OS
