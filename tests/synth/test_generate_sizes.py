"""`tianyan generate` works for every size down to its minimum and every seed (issue 12: 2,000
residents with seed 7 crashed with "zero-size array" when a small city paid no public-welfare post)."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from tianyan.cli import app
from tianyan.registry import load_feeds
from tianyan.synth import generate
from tianyan.synth.core import money


def _check(drop, manifest, days):
    assert set(manifest["feeds"]) == set(load_feeds())
    assert len(manifest["dates"]) == days
    assert manifest["rows"] == sum(v["rows"] for per in manifest["feeds"].values() for v in per.values())
    assert (drop / "answer_key.csv").read_text(encoding="utf-8").count("\n") > 1


def test_the_reported_crash_2000_residents_seed_7(tmp_path):
    result = CliRunner().invoke(app, ["generate", "--drop", str(tmp_path / "d"), "--residents", "2000",
                                      "--seed", "7"])
    assert result.exit_code == 0, result.output
    _check(tmp_path / "d", json.loads((tmp_path / "d" / "manifest.json").read_text(encoding="utf-8")), 1)


def test_below_the_minimum_is_a_clear_error(tmp_path):
    with pytest.raises(ValueError, match="at least 1000"):
        generate(tmp_path, residents=999, seed=1, as_of=dt.date(2026, 11, 27))


def test_money_of_no_amounts():
    assert money([]).tolist() == []
    assert money([0, 5, -150, 123456]).tolist() == ["0.00", "0.05", "-1.50", "1234.56"]


@settings(max_examples=4, deadline=None, database=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(seed=st.integers(0, 2**32 - 1), residents=st.integers(1000, 2000), days=st.integers(1, 3),
       start=st.dates(dt.date(2024, 1, 1), dt.date(2027, 12, 31)))
def test_any_seed_and_small_size_generates_a_whole_city(tmp_path_factory, seed, residents, days, start):
    drop = tmp_path_factory.mktemp("city")
    _check(drop, generate(drop, residents=residents, seed=seed, as_of=start, days=days), days)
