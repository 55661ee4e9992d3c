"""One Great Expectations suite per feed, generated from the registry into ``expectations/<feed_id>.json``.

The JSON files are the reviewable copy of the row rules (committed, diffable): stable order (the
spec's column order, then a fixed rule order), sorted keys, two-space indent, no GX-generated ids.
Every expectation carries ``meta.rule`` (the quarantine rule name its failures are reported under)
and ``meta.source``: ``registry`` for generated ones, ``manual`` for hand-written additions. Generated
ones come from the column's notation in the registry and from the plausibility rules of
include/config/plausibility.yaml (future_date, birth_date, code_shape), whose delivery date is the
suite parameter ``delivery_date`` (``{"$PARAMETER": "delivery_date"}`` in the JSON). When the
suites are regenerated, manual expectations are kept (after the generated ones, in their order),
so a reviewer can tighten a feed without editing the spec.

    python -m tianyan.ingest.suites            # regenerate every suite
    python -m tianyan.ingest.suites --check    # exit 1 listing suites out of sync with the registry
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

import yaml

from tianyan import paths
from tianyan.registry import ColumnSpec, FeedSpec, load_feeds

if TYPE_CHECKING:  # GX costs seconds to import: only load_suite needs it.
    from great_expectations import ExpectationSuite

# Quarantine rule names a suite may report (docs/conventions.md), in the order generated per column.
RULES: tuple[str, ...] = ("required", "enum", "id18", "uscc", "region", "period", "bound", "unique",
                          "future_date", "birth_date", "code_shape")
# Hand-written expectations may also report `type` (a format the spec's notation cannot express).
ALLOWED_RULES: tuple[str, ...] = (*RULES, "type")
SOURCE_REGISTRY = "registry"
SOURCE_MANUAL = "manual"
SPEC_REF = "include/spec/feeds.yaml"
PLAUSIBILITY_REF = "include/config/plausibility.yaml"
DELIVERY_DATE = {"$PARAMETER": "delivery_date"}


class SuiteError(ValueError):
    """A suite file that cannot be trusted (unreadable, dropped expectations, unknown rule)."""


def _number(value: Any) -> int | float:
    """Registry Decimal bound -> JSON number (int when integral, so files read '0', not '0.0')."""
    return int(value) if value == value.to_integral_value() else float(value)


def _expectation(type_: str, column: ColumnSpec, rule: str, **kwargs: Any) -> dict[str, Any]:
    return {
        "type": type_,
        "kwargs": {"column": column.name, **kwargs},
        "meta": {"rule": rule, "source": SOURCE_REGISTRY, "notation": column.notation},
    }


def plausibility(path: Path | None = None) -> dict[str, Any]:
    """include/config/plausibility.yaml as a dict (the defaults; see rules_for for one feed)."""
    path = path or paths.CONFIG_DIR / "plausibility.yaml"
    return yaml.safe_load(path.read_text(encoding="utf-8")) or {}


def rules_for(feed_id: str, config: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """The plausibility settings of one feed: defaults, with the feed's overrides replacing keys."""
    own = (config.get("feeds") or {}).get(feed_id) or {}
    return {rule: {**(config.get(rule) or {}), **(own.get(rule) or {})}
            for rule in ("future_date", "birth_date", "code_shape")}


def code_shape(column: ColumnSpec, rules: dict[str, Any]) -> str | None:
    """The shape a code column must have, or None when the column is not a code (or has its own rule)."""
    if column.id18 or column.uscc or column.region or column.type != "string":
        return None
    shapes = rules.get("columns") or {}
    if column.name in shapes:
        return str(shapes[column.name])
    if column.ref or column.name.endswith(tuple(rules.get("suffixes") or ())):
        return rules.get("default")
    return None


def plausibility_expectations(column: ColumnSpec, rules: dict[str, dict[str, Any]]) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    future, birth, shape = rules["future_date"], rules["birth_date"], rules["code_shape"]
    # a birth-date column gets the birth_date rule, whose range ends at the delivery date too
    birth_column = bool(birth) and column.type == "date" and column.name in (birth.get("columns") or ())
    if column.type in ("date", "timestamp") and future and not birth_column \
            and column.name not in (future.get("scheduled") or ()):
        out.append(_expectation("expect_column_values_to_be_dates_between", column, "future_date",
                                max_date=DELIVERY_DATE, tolerance_days=int(future.get("tolerance_days", 0))))
    if birth and column.id18:
        out.append(_expectation("expect_column_values_to_have_birth_date_between", column, "birth_date",
                                min_date=str(birth["min_date"]), max_date=DELIVERY_DATE))
    if birth_column:
        out.append(_expectation("expect_column_values_to_be_dates_between", column, "birth_date",
                                min_date=str(birth["min_date"]), max_date=DELIVERY_DATE))
    pattern = code_shape(column, shape) if shape else None
    if pattern:
        out.append(_expectation("expect_column_values_to_match_shape", column, "code_shape", pattern=pattern))
    for e in out:
        e["meta"]["config"] = PLAUSIBILITY_REF
    return out


def column_expectations(column: ColumnSpec, rules: dict[str, dict[str, Any]] | None = None) -> list[dict[str, Any]]:
    """The expectations a column's notation implies, in RULES order, then its plausibility rules
    (`rules`: rules_for the feed). `ref:` is not a row rule: tianyan.ingest.referential reports it after the load."""
    out: list[dict[str, Any]] = []
    if column.required:
        out.append(_expectation("expect_column_values_to_be_present", column, "required"))
    if column.type == "enum":
        out.append(
            _expectation(
                "expect_column_values_to_be_in_set", column, "enum", value_set=list(column.enum_values)
            )
        )
    if column.id18:
        out.append(_expectation("expect_column_values_to_be_valid_id18", column, "id18"))
    if column.uscc:
        out.append(_expectation("expect_column_values_to_be_valid_uscc", column, "uscc"))
    if column.region:
        out.append(_expectation("expect_column_values_to_be_valid_region_code", column, "region"))
    if column.period:
        out.append(_expectation("expect_column_values_to_be_valid_period", column, "period"))
    if column.min is not None or column.max is not None:
        bounds: dict[str, Any] = {}
        if column.min is not None:
            bounds["min_value"] = _number(column.min)
            bounds["strict_min"] = not column.min_inclusive
        if column.max is not None:
            bounds["max_value"] = _number(column.max)
        out.append(_expectation("expect_column_values_to_be_number_between", column, "bound", **bounds))
    if column.unique:
        out.append(_expectation("expect_column_values_to_be_unique", column, "unique"))
    if rules is not None:
        out += plausibility_expectations(column, rules)
    return out


def suite_path(feed_id: str, directory: Path | None = None) -> Path:
    return (directory or paths.EXPECTATIONS_DIR) / f"{feed_id}.json"


def read_suite_dict(feed_id: str, directory: Path | None = None) -> dict[str, Any] | None:
    path = suite_path(feed_id, directory)
    if not path.exists():
        return None
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise SuiteError(f"{path}: not valid JSON: {exc}") from None


def manual_expectations(existing: dict[str, Any] | None) -> list[dict[str, Any]]:
    if not existing:
        return []
    return [
        e for e in existing.get("expectations", []) if (e.get("meta") or {}).get("source") == SOURCE_MANUAL
    ]


def build_suite_dict(feed: FeedSpec, existing: dict[str, Any] | None = None,
                     config: dict[str, Any] | None = None) -> dict[str, Any]:
    """The suite for `feed` as a JSON-ready dict; manual expectations of `existing` are kept."""
    rules = rules_for(feed.id, plausibility() if config is None else config)
    expectations = [e for col in feed.columns for e in column_expectations(col, rules)]
    expectations += manual_expectations(existing)
    return {
        "name": feed.id,
        "expectations": expectations,
        "meta": {
            "feed": feed.id,
            "title": feed.title,
            "generated_from": SPEC_REF,
            "plausibility": PLAUSIBILITY_REF,
            "parameters": {"delivery_date": "the delivery's date, passed by tianyan.ingest.validate"},
            "regenerate": "python -m tianyan.ingest.suites",
            "manual_expectations": 'add {"meta": {"source": "manual", "rule": <rule>}}; kept on regeneration',
        },
    }


def render(suite: dict[str, Any]) -> str:
    """Stable text: sorted keys, 2-space indent, non-ASCII kept readable, final newline."""
    return json.dumps(suite, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def expected_text(feed: FeedSpec, directory: Path | None = None) -> str:
    return render(build_suite_dict(feed, read_suite_dict(feed.id, directory)))


def write_suites(directory: Path | None = None, feeds: dict[str, FeedSpec] | None = None) -> list[str]:
    """(Re)generate every feed's suite file; returns the feed ids whose file changed."""
    directory = directory or paths.EXPECTATIONS_DIR
    directory.mkdir(parents=True, exist_ok=True)
    changed = []
    for feed_id, feed in (feeds or load_feeds()).items():
        text = expected_text(feed, directory)
        path = suite_path(feed_id, directory)
        if not path.exists() or path.read_text(encoding="utf-8") != text:
            path.write_text(text, encoding="utf-8")
            changed.append(feed_id)
    return changed


def suites_in_sync(directory: Path | None = None, feeds: dict[str, FeedSpec] | None = None) -> list[str]:
    """Feed ids whose suite file is missing or differs from what the registry generates, plus the
    names of suite files that belong to no feed (stale). Empty list = in sync."""
    directory = directory or paths.EXPECTATIONS_DIR
    feeds = feeds or load_feeds()
    out = []
    for feed_id, feed in feeds.items():
        path = suite_path(feed_id, directory)
        if not path.exists() or path.read_text(encoding="utf-8") != expected_text(feed, directory):
            out.append(feed_id)
    out += sorted(p.stem for p in directory.glob("*.json") if p.stem not in feeds)
    return out


def load_suite(feed_id: str, directory: Path | None = None) -> ExpectationSuite:
    """The feed's suite as a GX ExpectationSuite, refusing to lose expectations.

    Custom expectation classes are imported first (GX resolves "type" through its registry and only
    logs, then drops, an expectation whose type it does not know), and the loaded count must equal
    the file's count. Every expectation must name a known quarantine rule.
    """
    import great_expectations as gx

    import tianyan.ingest.gx_expectations  # noqa: F401  (registers the custom expectation types)

    doc = read_suite_dict(feed_id, directory)
    if doc is None:
        raise SuiteError(f"{feed_id}: no suite file {suite_path(feed_id, directory)}")
    entries = doc.get("expectations", [])
    for entry in entries:
        rule = (entry.get("meta") or {}).get("rule")
        if rule not in ALLOWED_RULES:
            raise SuiteError(
                f"{feed_id}: expectation {entry.get('type')} on {entry.get('kwargs')}: meta.rule {rule!r} not in {ALLOWED_RULES}"
            )
    suite = gx.ExpectationSuite(name=doc.get("name", feed_id), expectations=entries, meta=doc.get("meta"))
    if len(suite.expectations) != len(entries):
        kept = {e.expectation_type for e in suite.expectations}
        dropped = sorted({e["type"] for e in entries} - kept)
        raise SuiteError(
            f"{feed_id}: GX loaded {len(suite.expectations)} of {len(entries)} expectations (dropped types: {dropped})"
        )
    return suite


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m tianyan.ingest.suites", description=__doc__.splitlines()[0]
    )
    parser.add_argument("--check", action="store_true", help="only report suites out of sync (exit 1 if any)")
    args = parser.parse_args(argv)
    if args.check:
        stale = suites_in_sync()
        for feed_id in stale:
            print(f"out of sync: {feed_id}")
        return 1 if stale else 0
    changed = write_suites()
    print(f"{len(load_feeds())} suites in {paths.EXPECTATIONS_DIR}; {len(changed)} changed")
    for feed_id in changed:
        print(f"  wrote {feed_id}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
