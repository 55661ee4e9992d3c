"""Row validation of a normalised delivery with Great Expectations 1.x, and batch-level column checks.

Contract (the pipeline calls, in order):
    batch_checks(feed, raw_columns) -> list[str]     non-empty = reject the whole delivery
    validate(feed, df, batch_id=..., delivery_date=...) -> ValidationOutcome
``df`` holds exactly the feed's spec columns in spec order, values canonical strings or None
(``tianyan.ingest.normalise``), index = row position 0..n-1. ``failures`` has one row per
(row, rule, column) failure; a row can fail several rules. ``ref:`` rules are not checked here. The
delivery date is the suites' parameter ``delivery_date`` (plausibility rules); failure messages and
Data Docs show values masked where they identify a person (tianyan.ingest.masking), and the Data
Docs pages are sanitised after GX renders them (tianyan.ingest.data_docs).

Cost (see bench/bench_validate.py): GX import ~6 s and context/suite set-up are paid once per process
(cached here); each run is one pass of the suite over the frame. The suite is run through GX's
Validator directly rather than ``ValidationDefinition.run``: the latter also serialises the whole
COMPLETE result into the context's results store (indented JSON, every unexpected index), which
costs as much as the validation itself on a bad delivery and grows without bound in a long-lived
worker. Data Docs get a slimmed copy of the result (first failures only) for the same reason.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import difflib
import hashlib
import logging
import threading
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from tianyan import paths
from tianyan.ingest import quarantine, suites
from tianyan.ingest.forms import SHANGHAI
from tianyan.ingest.masking import shown
from tianyan.registry import FeedSpec

if TYPE_CHECKING:
    from great_expectations.core import ExpectationSuiteValidationResult
    from great_expectations.core.batch_definition import BatchDefinition
    from great_expectations.data_context import AbstractDataContext

log = logging.getLogger(__name__)

DATA_DOCS_SITE = "tianyan"
# Result format: COMPLETE is the only GX format that returns every unexpected row index (SUMMARY and
# BASIC stop at partial_unexpected_count). The pandas "index query" is a Python-literal string of all
# those indices again; we never use it, so it is switched off.
RESULT_FORMAT: dict[str, Any] = {"result_format": "COMPLETE", "return_unexpected_index_query": False}
# How many failures per expectation a Data Docs page shows (the full list is in the quarantine table).
DOCS_PARTIAL = 20
# Runs per feed listed in the Data Docs index.
DOCS_KEEP_RUNS = 30


@dataclass
class ValidationOutcome:
    failures: pd.DataFrame
    expectations: int
    success: bool
    statistics: dict[str, Any] = field(default_factory=dict)
    data_docs_path: Path | None = None


# ---------------------------------------------------------------------------------------------
# Batch level
# ---------------------------------------------------------------------------------------------


def _squash(name: str) -> str:
    return "".join(ch for ch in name.lower() if ch.isalnum())


def batch_checks(feed: FeedSpec, columns: Iterable[str]) -> list[str]:
    """Reasons to reject the whole delivery, judged from its header alone (empty list = fine).

    Reports duplicated, missing and unexpected columns; a missing column with a look-alike among the
    unexpected ones (case, spacing, punctuation or a close spelling) is reported as a likely rename,
    so the department can be told exactly what changed.
    """
    delivered = [str(c) for c in columns]
    problems: list[str] = []
    seen: set[str] = set()
    for name in delivered:
        if name in seen:
            problems.append(f"{feed.id}: column {name!r} delivered more than once")
        seen.add(name)
    expected = feed.column_names
    missing = [c for c in expected if c not in seen]
    unexpected = [c for c in dict.fromkeys(delivered) if c not in set(expected)]
    for name in missing:
        squashed = {_squash(u): u for u in unexpected}
        match = squashed.get(_squash(name)) or next(
            iter(difflib.get_close_matches(name, unexpected, n=1, cutoff=0.8)), None
        )
        if match is not None:
            problems.append(
                f"{feed.id}: column {name!r} missing; delivered {match!r} looks like a rename of it"
            )
            unexpected.remove(match)
        else:
            problems.append(f"{feed.id}: column {name!r} missing")
    problems += [f"{feed.id}: unexpected column {name!r} (not in the contract)" for name in unexpected]
    return problems


# ---------------------------------------------------------------------------------------------
# Per-process GX runtime (context, datasource, suites): GX import + set-up take seconds, a run does not.
# ---------------------------------------------------------------------------------------------


@dataclass
class _Prepared:
    digest: str
    suite: Any  # great_expectations.ExpectationSuite
    batch_definition: BatchDefinition
    # expectation id -> (rule, column, meta); results come back out of suite order.
    by_id: dict[str, tuple[str, str, dict[str, Any]]]
    # fallback key (type, column) for results without an id
    by_key: dict[tuple[str, str], tuple[str, str, dict[str, Any]]]


class _Runtime:
    """GX context + prepared suites for one process (and one state directory)."""

    def __init__(self, state_dir: Path) -> None:
        import great_expectations as gx
        from great_expectations.data_context.types.base import (
            DataContextConfig,
            InMemoryStoreBackendDefaults,
            ProgressBarsConfig,
        )
        from great_expectations.execution_engine import pandas_execution_engine

        # GX fingerprints every in-memory batch (pandas.util.hash_pandas_object over all cells, then
        # md5) when its shallow memory_usage is under HASH_THRESHOLD -- which an object-dtype frame
        # of a million rows always is (8 bytes a pointer). Measured 2.6 s of a 4.7 s run on 1M x 8
        # columns, for a batch marker nothing here reads. Threshold 0 skips it; the test suite checks
        # the constant still exists so a GX upgrade cannot silently bring the cost back.
        pandas_execution_engine.HASH_THRESHOLD = 0

        self.docs_dir = state_dir / "data_docs"
        # Ephemeral context (suites come from expectations/*.json, nothing to persist) except for the
        # two things a person reads later: slimmed validation results and the Data Docs site built
        # from them, both on disk so the site index lists the runs of every worker process.
        config = DataContextConfig(
            store_backend_defaults=InMemoryStoreBackendDefaults(init_temp_docs_sites=False)
        )
        config.stores[config.validation_results_store_name] = {
            "class_name": "ValidationResultsStore",
            "store_backend": {
                "class_name": "TupleFilesystemStoreBackend",
                "base_directory": str(state_dir / "gx" / "validation_results"),
            },
        }
        config.data_docs_sites = {
            DATA_DOCS_SITE: {
                "class_name": "SiteBuilder",
                "site_index_builder": {"class_name": "DefaultSiteIndexBuilder"},
                "store_backend": {
                    "class_name": "TupleFilesystemStoreBackend",
                    "base_directory": str(self.docs_dir),
                },
            }
        }
        self.context: AbstractDataContext = gx.get_context(mode="ephemeral", project_config=config)
        # tqdm bars per metric batch would flood the Airflow task log.
        self.context.variables.progress_bars = ProgressBarsConfig(globally=False, metric_calculations=False)
        self.datasource = self.context.data_sources.add_pandas("tianyan")
        self.prepared: dict[str, _Prepared] = {}
        self.lock = threading.Lock()

    def prepare(self, feed: FeedSpec) -> _Prepared:
        """The feed's suite and batch definition, rebuilt when its JSON file changes."""
        text = suites.suite_path(feed.id).read_text(encoding="utf-8")
        digest = hashlib.sha256(text.encode()).hexdigest()
        got = self.prepared.get(feed.id)
        if got is not None and got.digest == digest:
            return got
        suite = suites.load_suite(feed.id)
        if got is not None:
            self.context.suites.delete(feed.id)
        suite = self.context.suites.add(suite)
        if got is None:
            batch_definition = self.datasource.add_dataframe_asset(
                feed.id
            ).add_batch_definition_whole_dataframe("delivery")
        else:
            batch_definition = got.batch_definition
        by_id: dict[str, tuple[str, str, dict[str, Any]]] = {}
        by_key: dict[tuple[str, str], tuple[str, str, dict[str, Any]]] = {}
        for exp in suite.expectations:
            meta = dict(exp.meta or {})
            column = exp.configuration.kwargs.get("column", "")
            entry = (meta["rule"], column, meta)
            if exp.id:
                by_id[exp.id] = entry
            by_key.setdefault((exp.expectation_type, column), entry)
        got = _Prepared(digest, suite, batch_definition, by_id, by_key)
        self.prepared[feed.id] = got
        return got


@contextlib.contextmanager
def _configurations_memoised() -> Iterator[None]:
    """Within one validation run, compute each expectation's ``configuration`` once.

    GX 1.x rebuilds ``Expectation.configuration`` (a pydantic ``dict()`` of every field, then a new
    ExpectationConfiguration) on every access, and planning one run reads it hundreds of times per
    expectation (``_get_domain_kwargs`` once per domain key, per metric): about half the wall clock of
    validating a small delivery (bench: 100 rows x 18 expectations, 1.0-1.2 s -> 0.35-0.7 s). It also
    turns each configuration back into an expectation once per metric it plans (``to_domain_obj``, a
    pydantic validation each): the expectation a configuration came from serves instead. Nothing
    mutates an expectation while its run is planned, so the value is the same each time. Instances are
    held by the memo (so an id is never reused by another object during the run) and the memo and the
    original property come back when the run ends; the caller holds the runtime lock, so no other GX
    work of this process sees the memo. tests/ingest/test_fixed_costs.py checks the property still exists
    and that results are identical with and without it."""
    from great_expectations.expectations.expectation import Expectation
    from great_expectations.expectations.expectation_configuration import ExpectationConfiguration

    original = Expectation.__dict__["configuration"]
    original_domain_obj = ExpectationConfiguration.__dict__["to_domain_obj"]
    memo: dict[int, tuple[Any, Any]] = {}  # id(expectation) -> (expectation, its configuration)
    objs: dict[int, tuple[Any, Any]] = {}  # id(configuration) -> (configuration, an expectation made of it)

    def configuration(self):
        got = memo.get(id(self))
        if got is None:
            got = memo[id(self)] = (self, original.fget(self))
            objs.setdefault(id(got[1]), (got[1], self))  # the expectation it came from is its domain object
        return got[1]

    def to_domain_obj(self):
        # GX turns a configuration back into an expectation once per metric it plans (get_metric_kwargs).
        got = objs.get(id(self))
        if got is None:
            got = objs[id(self)] = (self, original_domain_obj(self))
        return got[1]

    Expectation.configuration = property(configuration, doc=original.__doc__)
    ExpectationConfiguration.to_domain_obj = to_domain_obj
    try:
        yield
    finally:
        Expectation.configuration = original
        ExpectationConfiguration.to_domain_obj = original_domain_obj
        memo.clear()
        objs.clear()


class _Unkeyable(Exception):
    """A value the id memo does not key (anything but plain JSON-like builtins): computed as GX does."""


def _id_key(value: Any, iddict: type) -> Any:
    """An exact, hashable image of a plain value: equal keys only for values GX gives the same id.

    Each value is tagged with its exact type, so 1, 1.0 and True (equal and equally hashed in Python)
    never share a key, nor a dict with an IDDict; floats are keyed by ``repr`` (exact, and tells -0.0
    from 0.0, which JSON does too); dict items keep their order (a one-key id is ``str`` of the value,
    which shows nested order). Anything else -- sets (their order is not their content), numpy and
    pandas objects, enums, dates, subclasses -- raises _Unkeyable. ``iddict``: GX's IDDict class."""
    t = type(value)
    if value is None or t is str or t is int or t is bool:
        return (t, value)
    if t is float:
        return (t, repr(value))
    if t is list or t is tuple:
        return (t, tuple(_id_key(v, iddict) for v in value))
    if t is dict or t is iddict:
        return (t, tuple((_id_key(k, iddict), _id_key(v, iddict)) for k, v in value.items()))
    raise _Unkeyable


@contextlib.contextmanager
def _metric_ids_memoised() -> Iterator[None]:
    """Within one validation run, compute the id of each distinct set of metric kwargs once.

    Planning a run builds a MetricConfiguration per metric and dependency (~500 for 9 expectations),
    and each hashes its domain and value kwargs with ``IDDict.to_id``: GX's convert_to_json_serializable
    (numpy type checks for every value) then md5 of the JSON -- most of the wall clock of a small
    delivery (issue 14, docs/performance.md section 7), for a few dozen distinct kwargs. The memo is keyed
    by the content itself (``_id_key``: exact types and values, never object identity), so two kwargs
    share an id only when GX would give them the same one -- a wrong hit would hand one metric another's
    value; kwargs holding anything but plain builtins, and calls with explicit id keys, go to GX as
    before. Ids depend on the kwargs only (never the batch data), and the memo and the original method
    come back when the run ends; the caller holds the runtime lock, so no other GX work of this process
    sees it. tests/ingest/test_fixed_costs.py checks the method still exists and that results are
    identical with and without the memo."""
    from great_expectations.core.id_dict import IDDict

    original = IDDict.__dict__["to_id"]
    memo: dict[Any, Any] = {}

    def to_id(self, id_keys=None, id_ignore_keys=None):
        if id_keys is not None or id_ignore_keys is not None:
            return original(self, id_keys, id_ignore_keys)
        try:
            key = (type(self), frozenset(self._id_ignore_keys), _id_key(self, IDDict))
        except _Unkeyable:
            return original(self)
        got = memo.get(key)
        if got is None:
            got = memo[key] = original(self)
        return got

    IDDict.to_id = to_id
    try:
        yield
    finally:
        IDDict.to_id = original
        memo.clear()


_runtimes: dict[Path, _Runtime] = {}
_runtime_lock = threading.Lock()


def _get_runtime() -> _Runtime:
    """One runtime per process and state directory (tests point paths.STATE_DIR elsewhere)."""
    state_dir = Path(paths.STATE_DIR)
    with _runtime_lock:
        if state_dir not in _runtimes:
            _runtimes[state_dir] = _Runtime(state_dir)
        return _runtimes[state_dir]


# ---------------------------------------------------------------------------------------------
# Failure messages
# ---------------------------------------------------------------------------------------------


def _bound_text(kwargs: dict[str, Any]) -> str:
    lo, hi = kwargs.get("min_value"), kwargs.get("max_value")
    if lo is not None and hi is not None:
        return f"between {lo:g} and {hi:g}"
    if lo is not None:
        return f"{'>' if kwargs.get('strict_min') else '>='} {lo:g}"
    if hi is not None:
        return f"{'<' if kwargs.get('strict_max') else '<='} {hi:g}"
    return "(no bounds)"


def _reason(rule: str, kwargs: dict[str, Any], meta: dict[str, Any], delivery_date: dt.date) -> str:
    if meta.get("message"):  # manual expectations may say it in their own words
        return str(meta["message"])
    if rule == "future_date":
        days = int(kwargs.get("tolerance_days") or 0)
        return f"later than the delivery date {delivery_date} + {days} day(s): an event cannot lie ahead"
    if rule == "birth_date":
        return f"birth date before {kwargs.get('min_date')} or after the delivery date {delivery_date}"
    if rule == "code_shape":
        return f"not the shape of this code (must match {kwargs.get('pattern')})"
    if rule == "enum":
        return f"not one of {'|'.join(map(str, kwargs.get('value_set') or []))}"
    if rule == "bound":
        return f"not a number {_bound_text(kwargs)}"
    return _REASONS.get(rule, f"fails {meta.get('type', 'expectation')}")


_REASONS = {
    "required": "required value is missing or empty",
    "id18": "not a valid GB 11643 resident id (18 chars, check digit, birth date)",
    "uscc": "not a valid GB 32100 unified social credit code",
    "region": "not a 12-digit region code",
    "period": "not a YYYY-MM period (month 01-12)",
    "unique": "duplicated within the delivery",
}


def _failure_frame(feed: FeedSpec, df: pd.DataFrame, rule: str, column: str, rows: np.ndarray,
                   reason: str) -> pd.DataFrame:
    # repr of the (masked) value, None for nulls, keeps stray spaces and types visible in the message;
    # it runs over failing rows only.
    values = df[column].to_numpy(dtype=object)[rows] if column in df.columns else np.full(len(rows), None)
    spec = feed.column(column) if column in feed.column_names else None
    messages = [f"{column}={shown(spec, v) if spec is not None else repr(v)}: {reason}" for v in values]
    return quarantine.failures(rows, rule, column, messages)


def _slim(result: ExpectationSuiteValidationResult, batch_id: str) -> ExpectationSuiteValidationResult:
    """A copy of the result small enough to render: at most DOCS_PARTIAL failures per expectation."""
    import copy

    slim = copy.copy(result)
    slim.results = []
    for er in result.results:
        r = copy.copy(er)
        r.result = {
            k: (v[:DOCS_PARTIAL] if isinstance(v, list) else v)
            for k, v in (er.result or {}).items()
            if k not in ("unexpected_index_query",)
        }
        slim.results.append(r)
    slim.meta = {**result.meta, "batch_id": batch_id}
    return slim


def _record_docs(
    rt: _Runtime, result: ExpectationSuiteValidationResult, prepared: _Prepared, batch_id: str, feed: FeedSpec,
    summary: dict[str, Any],
) -> None:
    """Keep a slimmed, masked copy of the result for the Data Docs site, pending: it is stored and its
    page rendered later, once for all pending results (``build_data_docs``), not per delivery."""
    from great_expectations.core.run_identifier import RunIdentifier
    from great_expectations.data_context.types.resource_identifiers import (
        ExpectationSuiteIdentifier,
        ValidationResultIdentifier,
    )

    from tianyan.ingest import data_docs

    key = ValidationResultIdentifier(
        expectation_suite_identifier=ExpectationSuiteIdentifier(name=prepared.suite.name),
        run_id=RunIdentifier(run_name=batch_id, run_time=datetime.now(UTC)),
        batch_identifier=batch_id,
    )
    # Into the results store at the next build (build_data_docs), not here: see data_docs.add_pending.
    data_docs.add_pending(rt.docs_dir, feed.id, batch_id, [str(p) for p in key.to_tuple()], summary,
                          result=_slim(data_docs.display_result(result, feed), batch_id))


def build_data_docs() -> Path | None:
    """Render the Data Docs pages of every result recorded since the last build, sanitise them and
    rewrite the site index (tianyan.ingest.data_docs); returns index.html, or None when nothing was
    pending (then GX is not even imported). Called once per run (the department DAGs' ``data_docs``
    task, ``tianyan data-docs``), not per delivery: rendering costs seconds whatever the delivery's size."""
    from tianyan.ingest import data_docs

    docs_dir = Path(paths.STATE_DIR) / "data_docs"
    with data_docs.building(docs_dir) as pending:
        if not pending:
            return None
        from great_expectations.data_context.types.resource_identifiers import ValidationResultIdentifier

        rt = _get_runtime()
        with rt.lock:
            store = rt.context.validation_results_store
            keys = [ValidationResultIdentifier.from_tuple(tuple(p["key"])) for p in pending]
            for key, note in zip(keys, pending, strict=True):
                result = data_docs.pending_result(docs_dir, note)
                if result is not None:
                    store.set(key, result)
            # Retention: the index builder reads every stored result, so keep the latest runs per feed;
            # older pages stay on disk but leave the index.
            by_suite: dict[str, list] = {}
            for k in store.list_keys():
                by_suite.setdefault(k.expectation_suite_identifier.name, []).append(k)
            for mine in by_suite.values():
                for old in sorted(mine, key=lambda k: k.run_id.run_time)[:-DOCS_KEEP_RUNS]:
                    store.remove_key(old)
            kept = set(store.list_keys())
            render = [k for k in keys if k in kept]
            if render:
                rt.context.build_data_docs(site_names=[DATA_DOCS_SITE], resource_identifiers=render)
        for p in pending:
            data_docs.record_run(docs_dir, p["feed_id"], p["batch_id"], p["summary"])
        data_docs.sanitise_site(docs_dir)
        return data_docs.write_index(docs_dir, DOCS_KEEP_RUNS)


# ---------------------------------------------------------------------------------------------
# Row level
# ---------------------------------------------------------------------------------------------


def _text_columns(df: pd.DataFrame) -> pd.DataFrame:
    """The frame GX validates: object columns as pandas' Arrow-backed ``str`` dtype.

    GX computes each map expectation's null mask over the column, and the checks behind the custom
    expectations run on Arrow strings: on object columns both re-converted and re-scanned the column
    for every expectation. Converting once halves GX on a 683,000-row delivery (7.5 s -> 3.4 s + 0.5 s,
    docs/performance.md section 7); the failures found are the same (tests/ingest: every rule's cases)."""
    objects = [c for c in df.columns if df[c].dtype == object]
    return df.astype(dict.fromkeys(objects, "str")) if objects else df


def validate(feed: FeedSpec, df: pd.DataFrame, *, batch_id: str, data_docs: bool | str = True,
             delivery_date: dt.date | None = None) -> ValidationOutcome:
    """Run the feed's GX suite on a normalised delivery and map every failure back to its row.

    ``data_docs``: True records the result for the Data Docs site and builds the site now (its path is
    ``data_docs_path``); "record" only records it, for the next ``build_data_docs`` (what the pipeline
    does: the site is built once per run); False leaves the site alone.

    `delivery_date` bounds the plausibility rules (future_date, birth_date); without it, today's date
    in Asia/Shanghai."""
    delivery_date = delivery_date or dt.datetime.now(SHANGHAI).date()
    if list(df.columns) != feed.column_names:
        problems = batch_checks(feed, df.columns) or [f"{feed.id}: columns not in spec order"]
        raise ValueError("validate() needs exactly the spec's columns: " + "; ".join(problems))
    if not df.index.equals(pd.RangeIndex(len(df))):
        # GX reports index labels; the contract is row positions.
        df = df.reset_index(drop=True)

    started = time.perf_counter()
    rt = _get_runtime()
    with rt.lock:  # the GX context is not thread-safe; one validation at a time per process
        prepared = rt.prepare(feed)
        from great_expectations.validator.v1_validator import Validator

        validator = Validator(
            batch_definition=prepared.batch_definition,
            batch_parameters={"dataframe": _text_columns(df)},
            result_format=RESULT_FORMAT,
        )
        with _configurations_memoised(), _metric_ids_memoised():
            result = validator.validate_expectation_suite(
                prepared.suite, expectation_parameters={"delivery_date": delivery_date.isoformat()})
        gx_seconds = time.perf_counter() - started

        frames: list[pd.DataFrame] = []
        errors: list[str] = []
        for er in result.results:
            cfg = er.expectation_config
            column = cfg.kwargs.get("column", "")
            entry = prepared.by_id.get(cfg.id or "") or prepared.by_key.get((cfg.type, column))
            if entry is None:
                errors.append(f"result for unknown expectation {cfg.type} on {column!r}")
                continue
            if (er.exception_info or {}).get("raised_exception"):
                errors.append(f"{cfg.type} on {column!r}: {er.exception_info.get('exception_message')}")
                continue
            rule, column, meta = entry
            index = (er.result or {}).get("unexpected_index_list") or []
            if index:
                rows = np.asarray(index, dtype=np.int64)
                frames.append(_failure_frame(feed, df, rule, column, rows,
                                             _reason(rule, dict(cfg.kwargs), meta, delivery_date)))
        if errors:
            # An expectation that crashed checked nothing: never let it pass as "no failures".
            raise RuntimeError(f"{feed.id} batch {batch_id}: GX could not evaluate: " + "; ".join(errors))

        docs_seconds = 0.0
        if data_docs:
            t = time.perf_counter()
            try:
                fails = pd.concat(frames, ignore_index=True) if frames else quarantine.failures()
                summary = {"success": bool(result.success), "rows": len(df), "failed_rows": int(fails["row"].nunique()),
                           "failures_by_rule": {str(k): int(v) for k, v in fails["rule"].value_counts().items()},
                           "delivery_date": delivery_date.isoformat()}
                _record_docs(rt, result, prepared, batch_id, feed, summary)
            except Exception:  # docs are for people; a rendering bug must not fail the load
                log.exception("%s batch %s: data docs not recorded", feed.id, batch_id)
            docs_seconds = time.perf_counter() - t

    docs_path = None
    if data_docs and data_docs != "record":
        t = time.perf_counter()
        try:
            docs_path = build_data_docs()
        except Exception:  # noqa: BLE001 - docs are for people; a rendering bug must not fail the load
            log.exception("%s batch %s: data docs not built", feed.id, batch_id)
        docs_seconds += time.perf_counter() - t

    failures = (
        pd.concat(frames, ignore_index=True).sort_values(
            ["row", "column", "rule"], kind="stable", ignore_index=True
        )
        if frames
        else quarantine.failures()
    )
    stats = dict(result.statistics)
    stats.update(
        rows=len(df),
        failed_rows=int(failures["row"].nunique()),
        failures=len(failures),
        failures_by_rule={k: int(v) for k, v in failures["rule"].value_counts().sort_index().items()},
        gx_seconds=round(gx_seconds, 3),
        data_docs_seconds=round(docs_seconds, 3),
        seconds=round(time.perf_counter() - started, 3),
    )
    return ValidationOutcome(
        failures=failures,
        expectations=int(result.statistics.get("evaluated_expectations", len(result.results))),
        success=bool(result.success),
        statistics=stats,
        data_docs_path=docs_path,
    )


def warm_up(feed_ids: Iterable[str] | None = None) -> None:
    """Import GX and prepare suites ahead of the first delivery (e.g. at worker start)."""
    import gc

    from tianyan.registry import load_feeds

    rt = _get_runtime()
    feeds = load_feeds()
    with rt.lock:
        for feed_id in feed_ids or feeds:
            rt.prepare(feeds[feed_id])
    # What is loaded now (GX, pandas, the suites: ~290,000 objects) lives as long as the process: the
    # cyclic collector need not scan it again. Without this, the collections a validation's allocations
    # set off cost ~13 ms of CPU per small delivery (2 ms with it); forked task processes also keep
    # sharing these pages instead of copying them when the collector touches them.
    gc.collect()
    gc.freeze()
