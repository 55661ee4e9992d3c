"""Evaluate the models' own SQL for pending transactions, before they are loaded.

For each model that declares ``screen:`` (``<ID>.yaml``), the service runs the model's SQL with the
candidate rows in place of the feed they will be delivered in:

- every feed a screenable model declares gets a session temporary table shaped like
  ``<dept>.<feed>__history`` (``pg_temp.scrh_<dept>__<feed>``) and a temporary view shaped like the
  current-rows view (``pg_temp.scrv_...``, the view's own definition over the temporary table);
- the model's SQL, and every ``core.*`` view or function that (transitively) reads one of the
  model's declared feeds, is copied with those relations renamed to the temporary ones (core copies
  are temporary views and ``pg_temp`` functions, per set of substituted feeds); everything else the
  model reads (deaths, custody, officials, registers...) is the warehouse itself;
- the candidates are inserted (in a transaction that is always rolled back) as rows current from the
  as-of date; for a model declaring ``context`` columns the loaded rows of the feed sharing those
  values are added as well (a duplicate payment needs the earlier one);
- the model runs with its effective parameters (``<ID>.yaml`` defaults + include/config/models.yaml)
  and ``:as_of``; a returned row is a hit on every candidate whose key is in its evidence (an
  evidence item of the candidate's feed). Rows about loaded data only are not answers.

So the condition evaluated is the model's, against the same ``core.*`` definitions: what the batch
model would flag once the item is loaded, as far as the rule depends on this row (and on the rows
``context`` brings). docs/screening.md lists the models that cannot be screened one at a time.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
import threading
import time
from dataclasses import dataclass, field
from decimal import Decimal
from functools import cache
from typing import Any

import sqlalchemy as sa

from tianyan import paths
from tianyan.registry import load_feeds
from tianyan.registry.models import HISTORY_SUFFIX, OUTPUT_COLUMNS, ModelSpec, load_models
from tianyan.registry.models import core_views as core_reads
from tianyan.warehouse.sqlfiles import statements

ROLE = "tianyan_screen"
BATCH_ID = "screen"
# Planner settings of a screening session (plans only, never answers). The models' statements over a
# few candidate rows are short, but their estimated cost includes the reference scans (household
# history windows, death sources) and passes jit_above_cost on a large city: compiling the plan
# then costs more than running it.
SESSION_SETTINGS = {"jit": "off"}
_VIEW = re.compile(r"create\s+or\s+replace\s+view\s+core\.(\w+)\s+as\s", re.IGNORECASE)
_FUNCTION = re.compile(r"create\s+or\s+replace\s+function\s+core\.(\w+)\s*\(", re.IGNORECASE)


def _ref(name: str) -> re.Pattern:
    """``name`` as a relation or function reference: not inside a longer identifier, a qualified
    name or a string literal (evidence names feeds in quotes)."""
    return re.compile(rf"(?<![\w.'\"]){re.escape(name)}(?![\w'\"])")


def _temp_name(prefix: str, feed: str) -> str:
    return f"{prefix}_{feed.replace('.', '__')}"


def history_temp(feed: str) -> str:
    return _temp_name("scrh", feed)


def view_temp(feed: str) -> str:
    return _temp_name("scrv", feed)


@dataclass(frozen=True)
class CoreObject:
    name: str          # e.g. "death" (view) or "recipient_household" (function)
    is_function: bool
    sql: str           # the create statement


@cache
def core_objects() -> tuple[CoreObject, ...]:
    """The create statements of include/sql/core, in file order (the order they are applied)."""
    out = []
    for path in sorted(paths.CORE_SQL_DIR.glob("*.sql")):
        for stmt in statements(path.read_text(encoding="utf-8")):
            body = re.sub(r"^(\s*--[^\n]*\n)*", "", stmt)
            if m := _VIEW.match(body):
                out.append(CoreObject(m[1], False, body))
            elif m := _FUNCTION.match(body):
                out.append(CoreObject(m[1], True, body))
    return tuple(out)


@dataclass(frozen=True)
class Rewrite:
    """One set of substituted feeds: the core copies it needs and how to rename references."""
    feeds: frozenset[str]
    tag: str
    ddl: tuple[str, ...]
    renames: tuple[tuple[re.Pattern, str], ...]

    def apply(self, sql: str) -> str:
        for pattern, repl in self.renames:
            sql = pattern.sub(repl, sql)
        return sql


@cache
def rewrite_for(feeds: frozenset[str]) -> Rewrite:
    tag = hashlib.md5(",".join(sorted(feeds)).encode()).hexdigest()[:6]
    reads = core_reads()
    renames: list[tuple[re.Pattern, str]] = []
    for f in sorted(feeds):
        renames.append((_ref(f + HISTORY_SUFFIX), f"pg_temp.{history_temp(f)}"))
        renames.append((_ref(f), f"pg_temp.{view_temp(f)}"))
    copied = [o for o in core_objects()
              if reads.get(f"core.{o.name}" + ("()" if o.is_function else ""), frozenset()) & feeds]
    for o in copied:
        renames.append((_ref(f"core.{o.name}"), f"pg_temp.scr{tag}_{o.name}"))
    rw = Rewrite(feeds, tag, (), tuple(renames))
    ddl = []
    for o in copied:
        body = rw.apply(o.sql)  # its own name becomes pg_temp.scr<tag>_<name> too
        if o.is_function:
            ddl.append(body)
        else:
            ddl.append(re.sub(r"create\s+or\s+replace\s+view\s+pg_temp\.", "create or replace temporary view ",
                              body, count=1, flags=re.IGNORECASE))
    return Rewrite(feeds, tag, tuple(ddl), tuple(renames))


@dataclass(frozen=True)
class Screenable:
    model: ModelSpec
    feeds: frozenset[str]
    context: dict[str, tuple[str, ...]]
    sql: str
    binds: dict[str, Any]


@cache
def screenable_models() -> dict[str, Screenable]:
    """Every enabled model declaring ``screen:``, its SQL rewritten onto the candidate relations."""
    out = {}
    for m in load_models().values():
        if not m.screen or not m.enabled:
            continue
        feeds = frozenset(s.feed for s in m.screen)
        rw = rewrite_for(feeds)
        out[m.id] = Screenable(
            model=m, feeds=feeds, context={s.feed: s.context for s in m.screen if s.context},
            sql=rw.apply(m.sql.rstrip().rstrip(";")),
            binds={k: v for k, v in m.params.items() if k in m.binds})
    return out


def screen_feeds() -> list[str]:
    return sorted({f for s in screenable_models().values() for f in s.feeds})


def models_for_feed(feed: str) -> list[Screenable]:
    return [s for s in screenable_models().values() if feed in s.feeds]


# ---- the session -------------------------------------------------------------------------------


def prepare_session(conn: sa.Connection) -> None:
    """Once per database connection: the role, the temporary relations and core copies."""
    feeds = load_feeds()
    conn.execute(sa.text(f"set role {ROLE}"))
    conn.execute(sa.text("set timezone = 'Asia/Shanghai'"))
    for name, value in SESSION_SETTINGS.items():
        conn.execute(sa.text(f"set {name} = '{value}'"))
    for f in screen_feeds():
        dept, name = f.split(".")
        hist = history_temp(f)
        conn.execute(sa.text(f'create temporary table if not exists {hist} '
                             f'(like "{dept}"."{name}{HISTORY_SUFFIX}" including defaults)'))
        viewdef = conn.execute(sa.text("select pg_get_viewdef(cast(:v as regclass))"), {"v": f"{dept}.{name}"}).scalar()
        viewdef = re.sub(rf"\b{re.escape(dept)}\.{re.escape(name)}{HISTORY_SUFFIX}\b", f"pg_temp.{hist} as {name}{HISTORY_SUFFIX}", viewdef)
        conn.execute(sa.text(f"create or replace temporary view {view_temp(f)} as {viewdef}"))
        assert feeds[f].key  # feed exists in the registry
    done: set[str] = set()
    for s in screenable_models().values():
        rw = rewrite_for(s.feeds)
        if rw.tag in done:
            continue
        done.add(rw.tag)
        for stmt in rw.ddl:
            conn.execute(sa.text(stmt))


# ---- one evaluation ----------------------------------------------------------------------------


@dataclass
class Candidate:
    index: int
    feed: str
    key: str
    row: dict[str, Any]


@dataclass
class Hit:
    model_id: str
    title_en: str
    title_zh: str
    severity: str
    subject_kind: str
    subject_id: str
    evidence_key: str | None
    region_code: str | None
    unit_code: str | None
    amount: Decimal | None
    evidence: list[dict]

    def as_dict(self) -> dict:
        d = dict(self.__dict__)
        d["amount"] = None if self.amount is None else str(self.amount)
        return d


@dataclass
class Evaluation:
    hits: dict[int, list[Hit]] = field(default_factory=dict)
    models_run: list[str] = field(default_factory=list)
    timings_ms: dict[str, float] = field(default_factory=dict)


def _jsonable(v: Any) -> Any:
    if isinstance(v, dt.datetime | dt.date):
        return v.isoformat()
    if isinstance(v, Decimal):
        return str(v)
    return v


def evaluate(conn: sa.Connection, candidates: list[Candidate], as_of: dt.date,
             models: set[str] | None = None, params: dict[str, dict] | None = None) -> Evaluation:
    """Hits per candidate index. ``conn`` must be prepared (prepare_session) and inside a transaction
    that the caller rolls back."""
    ev = Evaluation()
    by_feed: dict[str, dict[str, int]] = {}
    for c in candidates:
        by_feed.setdefault(c.feed, {})[c.key] = c.index
    if not by_feed:
        return ev
    valid_from = dt.datetime.combine(as_of, dt.time())
    feeds = load_feeds()
    for feed in by_feed:
        rows = [{**{k: _jsonable(v) for k, v in c.row.items()}, "_valid_from": valid_from.isoformat(),
                 "_deleted": False, "_row_hash": "", "_batch_id": BATCH_ID, "_delivery_date": as_of.isoformat()}
                for c in candidates if c.feed == feed]
        hist = history_temp(feed)
        conn.execute(sa.text(f"insert into pg_temp.{hist} select * from "
                             f"jsonb_populate_recordset(null::pg_temp.{hist}, cast(:rows as jsonb))"),
                     {"rows": json.dumps(rows)})
        conn.execute(sa.text(f"analyze pg_temp.{hist}"))
    wanted = [s for s in screenable_models().values()
              if s.feeds & set(by_feed) and (models is None or s.model.id in models)]
    # Rules that judge the row alone run on the candidates alone; then the loaded rows that the
    # other rules compare with (their ``context``) are added and those rules run.
    alone = [s for s in wanted if not (set(s.context) & set(by_feed))]
    _run_all(conn, alone, as_of, by_feed, ev, params)
    with_context = [s for s in wanted if s not in alone]
    if with_context:
        for feed, keys in by_feed.items():
            context = sorted({c for s in with_context for c in s.context.get(feed, ())})
            if not context:
                continue
            dept, name = feed.split(".")
            hist, key_col = history_temp(feed), feeds[feed].key[0]
            match = " or ".join(f'h."{c}" in (select s."{c}" from pg_temp.{hist} as s)' for c in context)
            conn.execute(sa.text(
                f'insert into pg_temp.{hist} select h.* from "{dept}"."{name}{HISTORY_SUFFIX}" as h '
                f'where ({match}) and h."{key_col}" <> all(cast(:keys as text[]))'), {"keys": list(keys)})
            conn.execute(sa.text(f"analyze pg_temp.{hist}"))
        _run_all(conn, with_context, as_of, by_feed, ev, params)
    return ev


# sa.text's own bind-parameter syntax (":name", not "::type" casts nor "\\:"), so renaming finds
# exactly the parameters sa.text would bind.
_BIND = re.compile(r"(?<![:\w\\]):(\w+)(?!:)")
_CAST = {"subject_kind": "text", "subject_id": "text", "evidence_key": "text", "region_code": "text",
         "unit_code": "text", "amount": "numeric", "evidence": "jsonb"}


@cache
def union_sql(model_ids: tuple[str, ...]) -> str:
    """One statement for several models: each model's (rewritten) SQL as a subquery tagged with its
    position, ``union all``-ed, its parameters renamed ``:m<pos>_<name>`` (``:as_of`` is shared), so
    a request costs one round trip and one plan per phase instead of one per model. The text is
    built once per set of models (psycopg prepares it after a few executions on a connection)."""
    assert set(OUTPUT_COLUMNS) == set(_CAST)
    sm = screenable_models()
    parts = []
    for pos, mid in enumerate(model_ids):
        body = _BIND.sub(lambda m, pos=pos: ":as_of" if m[1] == "as_of" else f":m{pos}_{m[1]}", sm[mid].sql)
        cols = ", ".join(f"cast(q.{c} as {_CAST[c]}) as {c}" for c in OUTPUT_COLUMNS)
        parts.append(f"select {pos} as screen_model, {cols} from (\n{body}\n) as q")
    return "\nunion all\n".join(parts)


def _run_all(conn: sa.Connection, models: list[Screenable], as_of: dt.date, by_feed: dict[str, dict[str, int]],
             ev: Evaluation, params: dict[str, dict] | None = None) -> None:
    """The models of one phase in a single statement (union_sql); hits as _run would give them."""
    if not models:
        return
    started = time.perf_counter()
    ids = tuple(s.model.id for s in models)
    binds: dict[str, Any] = {"as_of": as_of}
    for pos, s in enumerate(models):
        own = (params or {}).get(s.model.id) or {}
        for k, v in {**s.binds, **{k: v for k, v in own.items() if k in s.binds}}.items():
            binds[f"m{pos}_{k}"] = v
    rows: dict[int, list] = {}
    for r in conn.execute(sa.text(union_sql(ids)), binds):
        rows.setdefault(r[0], []).append(r[1:])
    for pos, s in enumerate(models):
        ev.models_run.append(s.model.id)
        _hits(s, rows.get(pos, []), by_feed, ev)
    ev.timings_ms["+".join(ids)] = round((time.perf_counter() - started) * 1000, 2)


def _run(conn: sa.Connection, s: Screenable, as_of: dt.date, by_feed: dict[str, dict[str, int]],
         ev: Evaluation, params: dict | None = None) -> None:
    """One model on its own statement (the reference the single statement is tested against)."""
    started = time.perf_counter()
    binds = {**s.binds, **{k: v for k, v in (params or {}).items() if k in s.binds}, "as_of": as_of}
    result = conn.execute(sa.text(s.sql), binds)
    ev.models_run.append(s.model.id)
    _hits(s, list(result), by_feed, ev)
    ev.timings_ms[s.model.id] = round((time.perf_counter() - started) * 1000, 2)


def _hits(s: Screenable, result: list, by_feed: dict[str, dict[str, int]], ev: Evaluation) -> None:
    m = s.model
    for r in result:
        row = dict(zip(OUTPUT_COLUMNS, r, strict=True))
        hit_items = sorted({by_feed[e["feed"]][e["key"]] for e in row["evidence"] or []
                            if e.get("feed") in by_feed and e.get("key") in by_feed[e["feed"]]})
        for idx in hit_items:
            ev.hits.setdefault(idx, []).append(Hit(
                m.id, m.title_en, m.title_zh, m.severity, row["subject_kind"], row["subject_id"],
                row["evidence_key"], row["region_code"], row["unit_code"], row["amount"], row["evidence"]))


class SessionPool:
    """Prepared connections: the temporary relations live as long as the database session."""

    def __init__(self, url: str, size: int = 4):
        self.engine = sa.create_engine(url, pool_size=size, max_overflow=0, pool_pre_ping=True)
        self._lock = threading.Lock()

    def connect(self) -> sa.Connection:
        conn = self.engine.connect()
        info = conn.connection.info
        if not info.get("tianyan_screen_prepared"):
            with conn.begin():
                prepare_session(conn)
            info["tianyan_screen_prepared"] = True
        return conn

    def dispose(self) -> None:
        self.engine.dispose()
