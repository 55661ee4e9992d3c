"""Which delivered rows are refused, why, and where they go: the one home of row rules and quarantine.

- The failure frame: one row per (row, rule, column) failure, its columns typed here once
  (``failures``); ``normalise`` (rule ``type``) and ``validate`` (the GX suite's rules) build theirs
  with it.
- The row rules that are not Great Expectations: ``malformed`` (a CSV line with the wrong number of
  fields), exact duplicates (collapsed to one copy, counted as ``collapsed``) and ``unique`` (one
  version key delivered twice with different values).
- ``check_rows``: the order they run in with normalisation and the suite, giving a ``RowVerdict``
  (failures, refused rows, collapsed rows, good rows), so delivered = loaded + quarantined + collapsed.
- The reject policy (``include/config/pipeline.yaml``): when the share of refused rows refuses the
  whole delivery.
- ``write``: the one writer into ``meta.quarantine`` (raw values of refused rows, COPY), replacing what
  an earlier load of the same date wrote, in the caller's transaction.

Messages carry rule names, columns and masked values (tianyan.ingest.masking); the raw values go to
``meta.quarantine.raw`` only.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from functools import cache

import numpy as np
import pandas as pd

from tianyan import paths
from tianyan.ingest import load, readers
from tianyan.registry import FeedSpec

# The failure frame's columns and their types (row = the delivery frame's label of the refused row).
FAILURE_DTYPES: dict[str, str] = {"row": "int64", "rule": "object", "column": "object", "message": "object"}
FAILURE_COLUMNS = list(FAILURE_DTYPES)


def failures(rows=(), rule=None, column=None, message=None) -> pd.DataFrame:
    """A failure frame: ``rows`` with a rule, column and message each (a scalar or one per row).
    Without arguments, the empty frame of the right types."""
    rows = np.asarray(rows, dtype=np.int64)
    if not len(rows):
        return pd.DataFrame({c: pd.Series(dtype=t) for c, t in FAILURE_DTYPES.items()})
    return pd.DataFrame({"row": rows, "rule": rule, "column": column, "message": message}).astype(FAILURE_DTYPES)


def concat(frames) -> pd.DataFrame:
    """The failures of several rules in one frame (empty frames dropped, types kept)."""
    frames = [f for f in frames if len(f)]
    return pd.concat(frames, ignore_index=True).astype(FAILURE_DTYPES) if frames else failures()


# ---------------------------------------------------------------------------------------------
# Row rules that are not Great Expectations
# ---------------------------------------------------------------------------------------------


def malformed_failures(raw: pd.DataFrame, width: int) -> pd.DataFrame:
    """One `malformed` failure per CSV line with the wrong number of fields."""
    if readers.MALFORMED not in raw.columns:
        return failures()
    rows = raw.index[raw[readers.MALFORMED].notna()]
    return failures(rows, "malformed", "", f"line does not have the {width} fields of the header")


def exact_duplicates(feed: FeedSpec, raw: pd.DataFrame, norm: pd.DataFrame, type_rows, malformed_rows) -> pd.Index:
    """Labels of the later copies of exact duplicate rows (the first copy stays).

    Rows that normalised cleanly are compared on their canonical values (a lower-case x in an id is the
    same row), rows with a type failure on their delivered text; a malformed line is never collapsed.
    Done before row validation, so a suite's uniqueness check sees one copy, not two offenders."""
    empty = pd.Index([], dtype=norm.index.dtype)
    if len(norm) < 2:
        return empty
    # Only rows whose key occurs twice can be duplicates: hash the key columns (cheap), then compare
    # whole rows on that subset alone (equal delivered text always normalises to equal keys).
    key = [k for k in feed.key if k in norm.columns] or list(norm.columns)
    cand = pd.util.hash_pandas_object(norm[key], index=False).duplicated(keep=False).to_numpy()
    if not cand.any():
        return empty
    labels = norm.index[cand]
    typed = labels.isin(list(type_rows))
    skip = labels.isin(list(malformed_rows))
    found = []
    for frame in (norm.loc[labels[~typed & ~skip]], raw.loc[labels[typed & ~skip], feed.column_names]):
        if len(frame) > 1:
            found.append(frame.index[frame.duplicated(keep="first").to_numpy()])
    return found[0].append(found[1:]) if found else empty


def duplicate_failures(feed: FeedSpec, good: pd.DataFrame) -> tuple[pd.DataFrame, pd.Index]:
    """Exact duplicate rows collapse to one; rows sharing a version key with different values are refused."""
    vkey = load.version_key(feed)
    # Only rows whose version key occurs twice can be either: find them by a vectorised hash of the key
    # columns (a hash collision only adds candidates), then compare whole rows on that subset alone.
    # On a 3M-row delivery without duplicates this is ~3x faster than two full-frame duplicated().
    cand = pd.util.hash_pandas_object(good[vkey], index=False).duplicated(keep=False).to_numpy()
    sub = good[cand]
    exact = sub.duplicated(keep="first")
    rest = sub[~exact]
    clash = rest.duplicated(subset=vkey, keep=False)
    fails = failures(rest.index[clash], "unique", ",".join(vkey),
                     f"key ({', '.join(vkey)}) delivered more than once with different values")
    return fails, sub.index[exact.to_numpy()]


# ---------------------------------------------------------------------------------------------
# All row rules, in order
# ---------------------------------------------------------------------------------------------


@dataclass
class RowVerdict:
    """What the row rules made of a delivery (labels are the read frame's)."""

    failures: pd.DataFrame  # one row per (row, rule, column) failure
    bad_rows: list  # labels of the refused rows, sorted
    collapsed: pd.Index  # labels of the later copies of exact duplicates
    good: pd.DataFrame  # the normalised rows to load

    def by_rule(self) -> dict[str, int]:
        return {str(k): int(v) for k, v in self.failures.groupby("rule").size().items()} if len(self.failures) else {}


def check_rows(feed: FeedSpec, raw: pd.DataFrame, width: int, batch_id: str, data_docs: bool,
               d: dt.date) -> RowVerdict:
    """Normalise (rule ``type``), find malformed lines, collapse exact duplicates, run the GX suite on the
    rest, then refuse version-key clashes among the rows still good.

    A malformed line's empty values fail other rules too: it is reported for the one real reason only. A
    collapsed copy is never reported (its first copy carries any failure)."""
    from tianyan.ingest.normalise import normalise
    from tianyan.ingest.validate import validate

    norm, type_fails = normalise(feed, raw)
    malformed = malformed_failures(raw, width)
    collapsed = exact_duplicates(feed, raw, norm, set(type_fails["row"].tolist()), set(malformed["row"].tolist()))
    kept = norm.drop(index=collapsed) if len(collapsed) else norm
    frames = [type_fails]
    if len(kept):
        # Data Docs: the result is recorded here, the site built once per run (validate.build_data_docs).
        row_fails = validate(feed, kept, batch_id=batch_id, data_docs="record" if data_docs else False,
                             delivery_date=d).failures
        if len(row_fails):  # validate reports positions in the frame it was given
            row_fails = row_fails.assign(row=kept.index[row_fails["row"].to_numpy(dtype="int64")])
        frames.append(row_fails)
    found = concat(frames)
    if len(collapsed):
        found = found[~found["row"].isin(collapsed)]
    if len(malformed):
        found = concat([found[~found["row"].isin(malformed["row"])], malformed])
    bad_rows = set(found["row"].tolist())
    good = norm.drop(index=list(bad_rows | set(collapsed.tolist())))
    dup_fails, dup_collapsed = duplicate_failures(feed, good)
    found = concat([found, dup_fails])
    bad_rows |= set(dup_fails["row"].tolist())
    good = good.drop(index=list(set(dup_fails["row"].tolist()) | set(dup_collapsed.tolist())))
    return RowVerdict(found, sorted(bad_rows), collapsed.append(dup_collapsed), good)


# ---------------------------------------------------------------------------------------------
# Reject policy (include/config/pipeline.yaml)
# ---------------------------------------------------------------------------------------------


@cache
def settings() -> dict:
    """include/config/pipeline.yaml (the ingestion policy), {} when absent."""
    import yaml

    path = paths.CONFIG_DIR / "pipeline.yaml"
    return yaml.safe_load(path.read_text(encoding="utf-8")) if path.exists() else {}


def max_bad_share(feed_id: str) -> float:
    pol = settings()
    return float(((pol.get("feeds") or {}).get(feed_id) or {}).get("max_bad_share", pol.get("max_bad_share", 0.2)))


def should_reject(feed_id: str, bad: int, delivered: int) -> bool:
    """Batch-level quality gate: too large a share of bad rows, or nothing usable at all."""
    if delivered and bad == delivered:
        return True
    min_rows = int(settings().get("min_rows_for_share", 50))
    return delivered >= min_rows and bad / delivered > max_bad_share(feed_id)


def reject_reason(feed: FeedSpec, verdict: RowVerdict, delivered: int) -> str | None:
    """Why the whole delivery is refused for its rows (None = load the good ones, quarantine the rest)."""
    bad = len(verdict.bad_rows)
    if not should_reject(feed.id, bad, delivered):
        return None
    share = bad / delivered if delivered else 0.0
    return (f"{bad} of {delivered} rows ({share:.0%}) fail validation, over the {max_bad_share(feed.id):.0%} "
            f"limit; rules: {verdict.by_rule()}")


# ---------------------------------------------------------------------------------------------
# The writer into meta.quarantine
# ---------------------------------------------------------------------------------------------


def _raw_json(raw: pd.DataFrame, rows) -> list[str]:
    """The refused rows' delivered values as JSON; a NUL character (which jsonb cannot hold) is kept
    visible as U+2400 SYMBOL FOR NULL."""
    sub = raw.loc[list(rows)].drop(columns=[c for c in readers.ORIGIN_COLUMNS if c in raw.columns])
    lines = raw[readers.MALFORMED] if readers.MALFORMED in raw.columns else None
    out = []
    for label, rec in zip(sub.index, sub.to_dict("records"), strict=True):
        if lines is not None and isinstance(lines.at[label], str):
            rec = {"line": lines.at[label]}  # a malformed line has no fields to name
        out.append(json.dumps({k: v.replace("\x00", "\u2400") if isinstance(v, str) else v
                               for k, v in rec.items() if v is not None and v == v}, ensure_ascii=False))
    return out


def write(cur, feed: FeedSpec, d: dt.date, batch_id: str, raw: pd.DataFrame, verdict: RowVerdict) -> int:
    """Replace the date's quarantine of this feed with the verdict's failures (one row per failure, the
    refused row's raw values beside it). Returns the rows written."""
    cur.execute("delete from meta.quarantine where feed_id = %s and delivery_date = %s", (feed.id, d))
    if not len(verdict.failures):
        return 0
    rows = verdict.failures.sort_values(["row", "rule", "column"])
    raw_json = dict(zip(verdict.bad_rows, _raw_json(raw, verdict.bad_rows), strict=True))
    files = raw[readers.SOURCE_FILE]
    numbers = raw[readers.ROW_NO]
    with cur.copy("copy meta.quarantine (feed_id, delivery_date, batch_id, source_file, row_no, rule,"
                  " column_name, message, raw) from stdin") as cp:
        for rec in rows.itertuples(index=False):
            cp.write_row((feed.id, d, batch_id, files.at[rec.row], int(numbers.at[rec.row]), rec.rule, rec.column,
                          rec.message, raw_json[rec.row]))
    return len(rows)


def examples(raw: pd.DataFrame, verdict: RowVerdict, n: int = 5) -> str:
    """Where the first refused rows are (file, row, rule, column; never values), for the task log."""
    return "; ".join(
        f"file {raw.at[r.row, readers.SOURCE_FILE]} row {int(raw.at[r.row, readers.ROW_NO])}: {r.rule} on {r.column}"
        for r in verdict.failures.head(n).itertuples()
    )
