"""Entry point: build the city, its background feeds, the planted cases, and write the drop."""

from __future__ import annotations

import csv
import datetime as dt
import json
from pathlib import Path

import numpy as np

from tianyan.synth import civil, economy, oversight, rural, welfare
from tianyan.synth.city import build_city
from tianyan.synth.core import Calendar, Ctx
from tianyan.synth.deliver import Deliverer
from tianyan.synth.increments import later_changes
from tianyan.synth.plant import plant_all


def generate(drop, residents: int, seed: int, as_of: dt.date, days: int = 1) -> dict:
    """Write a deterministic synthetic city into ``drop`` and return the manifest.

    The first delivery date is ``as_of`` (about two years of history); with ``days`` > 1 the
    following dates carry that day's increments on each feed's cadence."""
    if residents < 1000:
        raise ValueError("residents must be at least 1000")
    if days < 1:
        raise ValueError("days must be >= 1")
    drop = Path(drop)
    drop.mkdir(parents=True, exist_ok=True)
    ctx = Ctx(seed=seed, residents=residents, as_of=as_of, days=days, rng=np.random.default_rng(seed),
              cal=Calendar(as_of))
    city = build_city(ctx)
    src = civil.death_sources(ctx, city)
    civil.registration(ctx, city, src)
    civil.deaths(ctx, city, src)
    civil.marriages(ctx, city)
    civil.custody(ctx, city)
    civil.organization(ctx, city)
    civil.assistance(ctx, city)
    eco = economy.enterprises(ctx, city)
    # Planted cases only need the city and its enterprises; planting before the big background
    # feeds lets those be written (and freed) as soon as they are generated.
    key = plant_all(ctx, city, eco)
    out = Deliverer(ctx, drop)
    economy.employment(ctx, city, eco)
    out.run(["human_resources.social_insurance_contributions", "provident_fund.deposits", "taxation.individual_income"])
    fleet = economy.vehicles(ctx, city, eco)
    economy.real_estate(ctx, city, eco)
    economy.fiscal(ctx, city, eco)
    economy.procurement(ctx, city, eco)
    welfare.pensions_and_veterans(ctx, city)
    out.run(["human_resources.pension_payments", "veterans.benefit_payments"])
    welfare.hr_programmes(ctx, city, eco)
    welfare.medical(ctx, city)
    welfare.disability(ctx, city)
    welfare.student_aid(ctx, city)
    welfare.housing(ctx, city)
    welfare.relief(ctx, city)
    welfare.one_card(ctx, city)
    rural.farm_and_forest(ctx, city)
    rural.collective(ctx, city, eco)
    rural.revitalization(ctx, city, eco)
    rural.transport(ctx, fleet)
    oversight.complaints(ctx, city)
    oversight.audit(ctx, city)
    oversight.dispositions(ctx, key)
    later_changes(ctx, city, eco)
    out.run()
    feeds, quarantine = out.result()

    with open(drop / "answer_key.csv", "w", newline="", encoding="utf-8") as fh:
        w = csv.DictWriter(fh, ["model_id", "expected", "subject_kind", "subject_id", "note"], lineterminator="\n")
        w.writeheader()
        w.writerows(sorted(key, key=lambda r: (r["model_id"], -r["expected"], r["subject_id"])))
    with open(drop / "expected_quarantine.csv", "w", newline="", encoding="utf-8") as fh:
        w = csv.DictWriter(fh, ["feed_id", "delivery_date", "file", "row_no", "rule", "column"], lineterminator="\n")
        w.writeheader()
        w.writerows(quarantine)
    planted: dict = {}
    for r in key:
        m = planted.setdefault(r["model_id"], {"positives": 0, "near_misses": 0})
        m["positives" if r["expected"] == 1 else "near_misses"] += 1
    dates = sorted({d for per in feeds.values() for d in per})
    manifest = {
        "seed": seed, "residents": residents, "as_of": as_of.isoformat(), "days": days, "dates": dates,
        "feeds": feeds,
        "rows": sum(v["rows"] for per in feeds.values() for v in per.values()),
        "invalid_rows": len(quarantine),
        "planted": dict(sorted(planted.items())),
    }
    (drop / "manifest.json").write_text(json.dumps(manifest, ensure_ascii=False, indent=1, sort_keys=True) + "\n",
                                        encoding="utf-8")
    return manifest
