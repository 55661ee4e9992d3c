"""Recall and precision of every model against a synthetic city's answer key.

The answer key (``<drop>/answer_key.csv``: model_id, expected, subject_kind, subject_id, note) lists
planted positives (expected 1) and near-misses that must not fire (expected 0). An alert counts by
(model, subject); alerts on subjects outside the answer key count against precision too, because
the generator guarantees a clean background.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pandas as pd
import sqlalchemy as sa

from tianyan.registry.models import load_models
from tianyan.warehouse.conn import engine as get_engine


def read_answer_key(drop: str | Path) -> pd.DataFrame:
    key = pd.read_csv(Path(drop) / "answer_key.csv", dtype=str, keep_default_na=False)
    key["expected"] = key["expected"].astype(int)
    return key


def read_as_of(drop: str | Path) -> dt.date:
    manifest = json.loads((Path(drop) / "manifest.json").read_text(encoding="utf-8"))
    return dt.date.fromisoformat(manifest["as_of"])


def score_all(as_of: dt.date, url: str | None = None) -> list:
    from tianyan.scoring.runner import ModelFailed, run_model

    runs = []
    for model in load_models().values():
        if not model.enabled:
            continue
        try:
            runs.append(run_model(model, as_of, url))
        except ModelFailed as exc:
            runs.append(exc)
    return runs


def compare(key: pd.DataFrame, alerts: pd.DataFrame) -> pd.DataFrame:
    """One row per model: planted positives found / missed, near-misses flagged, other alerts."""
    models = sorted(set(load_models()) | set(key["model_id"]))
    found = alerts.groupby("model_id")["subject_id"].apply(set).to_dict()
    rows = []
    for m in models:
        k = key[key["model_id"] == m]
        pos, neg = set(k.loc[k.expected == 1, "subject_id"]), set(k.loc[k.expected == 0, "subject_id"])
        got = found.get(m, set())
        tp, fp_near = pos & got, neg & got
        other = got - pos - neg
        flagged = len(tp) + len(fp_near) + len(other)
        rows.append({
            "model_id": m,
            "positives": len(pos),
            "found": len(tp),
            "missed": len(pos - got),
            "near_misses": len(neg),
            "near_misses_flagged": len(fp_near),
            "other_alerts": len(other),
            "recall": round(len(tp) / len(pos), 3) if pos else None,
            "precision": round(len(tp) / flagged, 3) if flagged else None,
            "missed_ids": sorted(pos - got)[:5],
            "false_ids": sorted(fp_near | other)[:5],
        })
    return pd.DataFrame(rows)


def current_alerts(url: str | None = None) -> pd.DataFrame:
    with get_engine(url).connect() as c:
        return pd.DataFrame(
            [dict(r._mapping) for r in c.execute(sa.text(
                "select model_id, subject_kind, subject_id from alerts.alert where status <> 'RESOLVED'"))],
            columns=["model_id", "subject_kind", "subject_id"],
        )


def evaluate(drop: str | Path, *, url: str | None = None, rescore: bool = True) -> pd.DataFrame:
    if rescore:
        score_all(read_as_of(drop), url)
    return compare(read_answer_key(drop), current_alerts(url))
