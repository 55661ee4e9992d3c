"""Normalisation before validation and matching: every value becomes canonical text.

- id18: full-width folded, spaces removed, x upper-cased, 15-digit legacy numbers upgraded;
- uscc / region / codes: full-width folded, trimmed, upper-cased where the rule says so;
- dates 'YYYY-MM-DD' (also accepted: YYYY/MM/DD, YYYYMMDD, YYYY.MM.DD), timestamps
  'YYYY-MM-DD HH:MM:SS', periods 'YYYY-MM' (also YYYYMM, YYYY/MM);
- decimals kept exact as text (never through float), ints as text, bools 'true'/'false'.
A value that cannot be parsed into its declared type becomes None and is reported as a `type`
failure with the raw value kept by the caller, so nothing is lost silently.
"""

from __future__ import annotations

import pandas as pd

from tianyan.ids import fold, normalise_id18, normalise_uscc, valid_id18
from tianyan.registry import ColumnSpec, FeedSpec

DATE_FORMATS = ("%Y-%m-%d", "%Y/%m/%d", "%Y%m%d", "%Y.%m.%d")
TIMESTAMP_FORMATS = ("%Y-%m-%d %H:%M:%S", "%Y-%m-%dT%H:%M:%S", "%Y/%m/%d %H:%M:%S", "%Y-%m-%d %H:%M", "%Y-%m-%d")
TRUE = {"TRUE", "T", "1", "Y", "YES", "是"}
FALSE = {"FALSE", "F", "0", "N", "NO", "否"}
CODE_SUFFIXES = ("_id", "_code", "_no", "_uscc", "account", "uscc", "plate_no")


def _blank_to_none(s: pd.Series) -> pd.Series:
    s = s.astype("string").str.strip()
    return s.mask(s == "")


def _parse_dates(s: pd.Series, formats: tuple[str, ...], out_format: str) -> pd.Series:
    parsed = pd.Series(pd.NaT, index=s.index, dtype="datetime64[ns]")
    todo = s.notna()
    for fmt in formats:
        if not todo.any():
            break
        got = pd.to_datetime(s[todo], format=fmt, errors="coerce")
        hit = got.notna()
        parsed.loc[got.index[hit]] = got[hit]
        todo.loc[got.index[hit]] = False
    return parsed.dt.strftime(out_format).astype("string").mask(parsed.isna())


def _column(col: ColumnSpec, raw: pd.Series, kind: pd.Series | None) -> pd.Series:
    s = _blank_to_none(raw)
    if col.id18:
        return pd.Series(normalise_id18(s), index=s.index, dtype="string")
    if col.uscc:
        return pd.Series(normalise_uscc(s), index=s.index, dtype="string")
    if col.type == "enum":
        return fold(s).str.upper()
    if col.type == "date":
        return _parse_dates(fold(s), DATE_FORMATS, "%Y-%m-%d")
    if col.type == "timestamp":
        return _parse_dates(fold(s), TIMESTAMP_FORMATS, "%Y-%m-%d %H:%M:%S")
    if col.type == "decimal":
        t = fold(s).str.replace(",", "", regex=False)
        ok = t.str.fullmatch(r"[+-]?(\d+(\.\d*)?|\.\d+)").fillna(False).astype(bool)
        t = t.str.lstrip("+").str.replace(r"^(-?)\.", r"\g<1>0.", regex=True).str.rstrip(".")
        return t.where(ok)
    if col.type == "int":
        t = fold(s)
        ok = t.str.fullmatch(r"[+-]?\d+(\.0*)?").fillna(False).astype(bool)
        return t.str.replace(r"\.0*$", "", regex=True).str.lstrip("+").where(ok)
    if col.type == "bool":
        u = fold(s).str.upper()
        return u.map(lambda v: "true" if v in TRUE else ("false" if v in FALSE else None), na_action="ignore").astype(
            "string"
        )
    if col.period:
        t = fold(s).str.replace("/", "-", regex=False)
        return t.mask(t.str.fullmatch(r"\d{6}").fillna(False).astype(bool), t.str[:4] + "-" + t.str[4:])
    if col.kind_column is not None and kind is not None:
        # owner_id / payee_id / ...: a PERSON's id is matched as an id18 when it can be recovered.
        t = fold(s)
        person = (kind == "PERSON").fillna(False).astype(bool)
        if person.any():
            cand = pd.Series(normalise_id18(t[person]), index=t[person].index, dtype="string")
            good = valid_id18(cand).to_numpy()
            t.loc[cand.index[good]] = cand[good]
        return t
    if col.region or col.name in CODE_SUFFIXES or col.name.endswith(CODE_SUFFIXES) or col.ref:
        return fold(s)
    return s


def normalise(feed: FeedSpec, raw: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(normalised frame of the spec's columns as canonical text, type failures)."""
    out: dict[str, pd.Series] = {}
    failures = []
    # Kind columns first: polymorphic ids depend on them.
    ordered = sorted(feed.columns, key=lambda c: c.kind_column is not None)
    for col in ordered:
        raw_col = raw[col.name] if col.name in raw.columns else pd.Series(None, index=raw.index, dtype=object)
        kind = out.get(col.kind_column) if col.kind_column else None
        norm = _column(col, raw_col, kind)
        had_value = _blank_to_none(raw_col).notna()
        lost = had_value & norm.isna()
        if lost.any():
            for idx in lost[lost].index:
                failures.append(
                    {
                        "row": idx,
                        "rule": "type",
                        "column": col.name,
                        "message": f"{col.name}: {raw_col[idx]!r} is not a valid {col.type}",
                    }
                )
        out[col.name] = norm
    frame = pd.DataFrame({c.name: out[c.name] for c in feed.columns}, index=raw.index)
    frame = frame.astype(object).where(frame.notna(), None)
    fails = pd.DataFrame(failures, columns=["row", "rule", "column", "message"])
    return frame, fails
