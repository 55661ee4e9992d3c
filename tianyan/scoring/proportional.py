"""Proportional re-scoring: a new as-of date re-runs only the models whose result can differ.

For each enabled model and date, one of three things happens (``plan``):

- SKIPPED: the model's last run (whatever its date) had the same *input fingerprint*: same rule,
  parameters, severity, shared definitions, loaded input batches and date. The alerts already are
  that run's result; nothing to do.
- CARRIED: the date differs, but the *data fingerprint* (the input fingerprint without the date) is
  that of the last run, and the rule does not depend on the date (``depends_on_date``: its SQL and
  the core definitions it uses never mention ``:as_of``, ``current_date``, ``now()`` ...) or uses it
  only in comparisons ``<relation>.<column> <op> cast(:as_of as date) [+- n]`` and no row of those
  relations has the column where the comparison is true on one of the two dates (the last run's and
  this one) and false on the other (``date_windows``, ``windows_empty``: every comparison is then as
  true on one date as on the other, row by row). A date passed to a core SQL function
  (``core.f(cast(:as_of as date) [+- n])``) counts as such uses when every use of that ``date``
  parameter in the function's body is one (``param [+- n]`` compared with a relation's column, or
  passed on to another core function of the kind), offsets added up: a SQL function's body is its
  query with the argument put in for the parameter, so those are comparisons of the model's query
  with the date like any other. A run
  would produce exactly the last run's hits (``alerts.model_hits``) again, so their alerts get what
  the merge would give them -- first_seen/last_seen take in the date -- in one set-based statement
  for every carried model (include/sql/lifecycle/carry/), and nothing else changes: no status,
  no event, nothing to resolve (the last run left no open alert outside its hits).
- RUN: everything else (``runner.run_model``).

The data fingerprint covers every loaded batch of the model's input feeds, of every delivery date:
the model reads the feeds' current views and history, which hold all of them, so a date loaded
later changes what an earlier date's run sees (an empty delta or append delivery changes nothing and
is left out). A full re-score (``full=True``: ``tianyan run
--full-rescore``, the scoring DAG's ``full_rescore`` conf) runs every model.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from dataclasses import dataclass, field
from functools import cache

import sqlalchemy as sa
from sqlglot import expressions as exp

from tianyan import paths
from tianyan.registry.models import CREATE_FUNCTION, CREATE_VIEW, ModelSpec, parse_sql, relations
from tianyan.warehouse.sqlfiles import statements

# Everything in PostgreSQL that reads the clock (besides the :as_of parameter).
_CLOCK = re.compile(r"\b(current_date|current_time|current_timestamp|localtime|localtimestamp|now|clock_timestamp|"
                    r"statement_timestamp|transaction_timestamp|timeofday)\b", re.IGNORECASE)
_AS_OF = re.compile(r"(?<!:):as_of\b")
_RUN_STATUSES = ("SUCCESS", "SKIPPED", "CARRIED")  # runs whose result the alerts hold (FAILED rolled back)


@cache
def _core_definitions() -> dict[str, str]:
    """``core.x`` / ``core.f()`` -> the statement defining it (comments removed)."""
    out: dict[str, str] = {}
    for path in sorted(paths.CORE_SQL_DIR.glob("*.sql")):
        for stmt in statements(path.read_text(encoding="utf-8")):
            if CREATE_VIEW.match(stmt):
                out[parse_sql(stmt, path.name).this.sql(dialect="postgres")] = stmt
            elif fn := CREATE_FUNCTION.match(stmt):
                out[f"core.{fn['name']}()"] = stmt
    return out


def _core_used(sql: str, where: str) -> set[str]:
    """The core views and functions a statement uses, and those they use in turn."""
    defs = _core_definitions()
    todo = [r for r in relations(parse_sql(sql, where)) if r in defs]
    seen: set[str] = set()
    while todo:
        obj = todo.pop()
        if obj in seen:
            continue
        seen.add(obj)
        stmt = defs[obj]
        fn = CREATE_FUNCTION.match(stmt)
        body = parse_sql(fn["body"], obj) if fn else parse_sql(stmt, obj).expression
        todo.extend(r for r in relations(body) if r in defs)
    return seen


@cache
def _depends_on_date(sql: str, where: str) -> bool:
    text = "\n".join(statements(sql))  # comments removed
    if _AS_OF.search(text) or _CLOCK.search(text):
        return True
    defs = _core_definitions()
    return any(_CLOCK.search(defs[obj]) for obj in _core_used(sql, where))


def depends_on_date(model: ModelSpec) -> bool:
    """Whether the model's result may change with the as-of date alone: its SQL binds ``:as_of`` or
    reads the clock, directly or in a core definition it uses. A core function's date argument
    comes from the model (``core.tenant_household(cast(:as_of as date))``), so it shows there."""
    return _depends_on_date(model.sql, model.sql_path or model.id)


@dataclass(frozen=True)
class Window:
    """A comparison ``<relation>.<column> <op> cast(:as_of as date) + offset`` of a model's SQL. Between
    two dates it can change its truth only for a row whose column lies between them (moved by offset)."""
    relation: str
    column: str
    offset: int
    op: str = "<="  # the comparison with the column on the left: column <op> date


# Comparison node -> its operator with the column on the left, and with the column on the right.
_COMPARISONS = {exp.LT: ("<", ">"), exp.LTE: ("<=", ">="), exp.GT: (">", "<"), exp.GTE: (">=", "<="),
                exp.EQ: ("=", "="), exp.NEQ: ("<>", "<>")}
# Where ``column <op> X`` can be true for one X and false for the other, lo = the smaller date + offset,
# hi = the larger: ``v <= X`` and ``v > X`` differ for lo < v <= hi, ``v < X`` and ``v >= X`` for
# lo <= v < hi, ``v = X`` and ``v <> X`` for v = lo or v = hi.
_DIFFERS = {"<=": "{c} > :lo and {c} <= :hi", ">": "{c} > :lo and {c} <= :hi",
            "<": "{c} >= :lo and {c} < :hi", ">=": "{c} >= :lo and {c} < :hi",
            "=": "({c} = :lo or {c} = :hi)", "<>": "({c} = :lo or {c} = :hi)"}


def _source_relation(col: exp.Column) -> str | None:
    """The schema-qualified table or view a column belongs to, from the FROM/JOIN sources of the
    innermost select that names it (outer selects for a correlated reference); None when it comes
    from a CTE, a subquery, a function, or cannot be told."""
    sel = col.find_ancestor(exp.Select)
    while sel is not None:
        sources: list[exp.Expression] = []
        from_ = sel.args.get("from_") or sel.args.get("from")  # the key's name differs across sqlglot versions
        if from_:
            sources.append(from_.this)
        sources += [j.this for j in sel.args.get("joins") or []]
        if not col.table:
            # Unqualified: only a select reading exactly one relation (PostgreSQL resolves the name
            # there first; the window query fails, and the model runs, if the column is not its own).
            src = sources[0] if len(sources) == 1 else None
            if isinstance(src, exp.Table) and src.db and not isinstance(src.this, exp.Func):
                return f"{src.db}.{src.name}"
            return None
        for src in sources:
            if src.alias_or_name == col.table:
                if isinstance(src, exp.Table) and src.db and not isinstance(src.this, exp.Func):
                    return f"{src.db}.{src.name}"
                return None
        sel = sel.find_ancestor(exp.Select)
    return None


@dataclass(frozen=True)
class _Function:
    """A core SQL function the date can be followed into: its parameters and its parsed body."""
    name: str
    params: tuple[tuple[str, str], ...]  # (name or "", type), lower case
    body: exp.Expression
    text: str  # the body, comments removed


def _split_params(text: str) -> list[str]:
    """The parameter declarations between a function's parentheses (commas inside parentheses kept)."""
    out, depth, cur = [], 0, []
    for ch in text:
        if ch == "," and depth == 0:
            out.append("".join(cur))
            cur = []
            continue
        depth += ch == "("
        depth -= ch == ")"
        cur.append(ch)
    if "".join(cur).strip():
        out.append("".join(cur))
    return [p.strip() for p in out]


@cache
def _core_functions() -> dict[str, _Function | None]:
    """``name`` -> each core function the date can be followed into; None for one it cannot (not
    ``language sql``, overloaded, a parameter that is not a plain ``name type`` input)."""
    out: dict[str, _Function | None] = {}
    for obj, stmt in _core_definitions().items():
        fn = CREATE_FUNCTION.match(stmt)
        if not fn:
            continue
        name = fn["name"]
        if name in out:  # overloaded: which definition a call reaches is not told
            out[name] = None
            continue
        head = stmt[:fn.start("body")]
        opened = re.search(rf"core\.{name}\s*\(", head, re.IGNORECASE).end()
        depth, close = 1, opened
        while depth and close < len(head):
            depth += {"(": 1, ")": -1}.get(head[close], 0)
            close += 1
        params: list[tuple[str, str]] = []
        for decl in _split_params(head[opened:close - 1]):
            words = decl.lower().split()
            if not words or words[0] in ("in", "out", "inout", "variadic") or "default" in words or "=" in decl:
                params = None
                break
            params.append((words[0], " ".join(words[1:])) if len(words) > 1 else ("", words[0]))
        rest = stmt[fn.end("body"):]
        if params is None or not re.search(r"\blanguage\s+sql\b", head + rest, re.IGNORECASE):
            out[name] = None
            continue
        text = "\n".join(statements(fn["body"]))
        out[name] = _Function(name, tuple(params), parse_sql(text, obj), text)
    return out


def _core_call(node: exp.Expression) -> tuple[str, int] | None:
    """``(function, argument index)`` when ``node`` is a positional argument of a ``core.*`` call."""
    call = node.parent
    if not isinstance(call, exp.Anonymous):
        return None
    outer = call.parent
    schema = (outer.db if isinstance(outer, exp.Table) and outer.this is call
              else outer.this.name if isinstance(outer, exp.Dot) and outer.expression is call else "")
    if schema != "core":
        return None
    index = next((i for i, a in enumerate(call.expressions) if a is node), None)
    return None if index is None else (call.name.lower(), index)


def _follow(node: exp.Expression, offset: int, params: frozenset[str], seen: tuple[str, ...]) -> list[Window] | None:
    """The windows of one use of the date (``node``, the date + ``offset``): ``node [+- n]`` compared with
    a relation's column, or passed to a core function whose every use of that parameter is such a use
    (``_follow_function``); None for any other use. ``params``: names of the enclosing function's
    parameters (a column of that name is not a relation's)."""
    parent = node.parent
    if isinstance(parent, (exp.Add, exp.Sub)) and parent.this is node:
        lit = parent.expression
        if not (isinstance(lit, exp.Literal) and lit.is_int):
            return None
        offset += int(lit.this) * (1 if isinstance(parent, exp.Add) else -1)
        node, parent = parent, parent.parent
    if type(parent) in _COMPARISONS:
        column_left = parent.expression is node
        other = parent.this if column_left else parent.expression
        if not isinstance(other, exp.Column) or (not other.table and other.name.lower() in params):
            return None
        relation = _source_relation(other)
        if relation is None:
            return None
        return [Window(relation, other.name, offset, _COMPARISONS[type(parent)][0 if column_left else 1])]
    if call := _core_call(node):
        return _follow_function(*call, offset, seen)
    return None


def _follow_function(name: str, index: int, offset: int, seen: tuple[str, ...]) -> list[Window] | None:
    """The windows of ``core.name(..., date + offset, ...)`` (the date its ``index``-th argument): the
    function's body with that parameter standing for the date. Every use of the parameter -- by name
    (bare, or qualified by the function's name) or as ``$n`` -- must be a use ``_follow`` accepts, and
    the parameter must be a ``date`` (so ``param + n`` is the date moved by n days); otherwise None."""
    fn = _core_functions().get(name)
    if fn is None or name in seen or index >= len(fn.params) or fn.params[index][1] != "date":
        return None
    pname = fn.params[index][0]
    names = frozenset(p for p, _ in fn.params if p)
    uses = [n for n in fn.body.find_all(exp.Parameter) if n.name == str(index + 1)]
    if pname:
        uses += [c for c in fn.body.find_all(exp.Column)
                 if c.name.lower() == pname and c.table.lower() in ("", name) and not c.args.get("db")]
    # Every mention in the text must be one of those uses (a mention the parse shows otherwise, e.g.
    # as an alias or a string, cannot be told apart from a use).
    mentions = len(re.findall(rf"\${index + 1}(?!\d)", fn.text))
    if pname:
        mentions += len(re.findall(rf"(?<![\w$]){re.escape(pname)}(?!\w)", fn.text, re.IGNORECASE))
    if mentions != len(uses):
        return None
    out: list[Window] = []
    for use in uses:
        found = _follow(use, offset, names, (*seen, name))
        if found is None:
            return None
        out += found
    return out


@cache
def _windows(sql: str, where: str) -> tuple[Window, ...] | None:
    text = "\n".join(statements(sql))
    if _CLOCK.search(text) or any(_CLOCK.search(_core_definitions()[o]) for o in _core_used(sql, where)):
        return None
    out: list[Window] = []
    for ph in parse_sql(sql, where).find_all(exp.Placeholder):
        if ph.name != "as_of":
            continue
        node = ph.parent
        if not (isinstance(node, exp.Cast) and node.to.this == exp.DataType.Type.DATE):
            return None
        found = _follow(node, 0, frozenset(), ())
        if found is None:
            return None
        out += found
    return tuple(sorted(set(out), key=lambda w: (w.relation, w.column, w.offset, w.op)))


def date_windows(model: ModelSpec) -> tuple[Window, ...] | None:
    """How the model's result depends on the date: ``()`` not at all; a tuple of windows when every use
    of ``:as_of`` is a comparison of a table's or view's column with it, in the model's SQL or in the
    body of a core function it is passed to (its result then changes between two dates only if a row's
    column lies between them, ``windows_empty``); None otherwise (the date is a value in the result,
    goes into any other function, or the SQL reads the clock)."""
    if not depends_on_date(model):
        return ()
    return _windows(model.sql, model.sql_path or model.id)


def windows_empty(conn, windows: tuple[Window, ...], a: dt.date, b: dt.date) -> bool:
    """No row of any window's relation has its column where the window's comparison is true at one of
    the two dates and false at the other (``_DIFFERS``, dates moved by the window's offset): every
    comparison with :as_of is then as true at ``a`` as at ``b``, row by row, so the model's result is
    the same. A feed's current view is checked through its history table (which holds every row the
    view shows). A window that cannot be checked counts as not empty."""
    if a == b:
        return True
    q = conn.dialect.identifier_preparer.quote
    lo, hi = min(a, b), max(a, b)
    for w in windows:
        schema, name = w.relation.split(".", 1)
        if schema != "core" and not name.endswith("__history"):
            name += "__history"
        differs = _DIFFERS[w.op].format(c=q(w.column)).replace(":lo", "cast(:lo as date)").replace(
            ":hi", "cast(:hi as date)")
        sql = f"select exists (select 1 from {q(schema)}.{q(name)} where {differs})"
        try:
            with conn.begin_nested():
                hit = conn.execute(sa.text(sql), {"lo": lo + dt.timedelta(days=w.offset),
                                                  "hi": hi + dt.timedelta(days=w.offset)}).scalar()
        except sa.exc.DBAPIError:
            return False
        if hit:
            return False
    return True


def _core_sql_version() -> str:
    h = hashlib.sha256()
    for f in sorted(paths.CORE_SQL_DIR.glob("*.sql")):
        h.update(f.read_bytes())
    return h.hexdigest()[:12]


@cache
def _incremental_feeds() -> tuple[str, ...]:
    """Feeds delivered as delta or append: a delivery of such a feed changes only the rows it holds."""
    from tianyan.registry import load_feeds

    return tuple(sorted(f.id for f in load_feeds().values() if f.delivery.mode != "snapshot"))


def loaded_batches(conn, feeds: list[str] | None = None) -> dict[str, str]:
    """Per feed: its loaded batches of every delivery date (``date=batch,...``) that can have changed
    its tables. An empty delivery of a delta or append feed changes nothing and is left out (an
    empty snapshot is kept: it says every row is gone); one that replaced a non-empty delivery of its
    date still changes the list, since the replaced batch is no longer in it."""
    rows = conn.execute(sa.text(
        "select feed_id, string_agg(delivery_date || '=' || batch_id, ',' order by delivery_date) "
        "from meta.feed_runs where status = 'LOADED' and (cast(:feeds as text[]) is null or feed_id = any(:feeds)) "
        "and not (coalesce(delivered, 0) = 0 and feed_id = any(:incremental)) "
        "group by feed_id"), {"feeds": feeds, "incremental": list(_incremental_feeds())}).all()
    return {f: b for f, b in rows}


def data_fingerprint(model: ModelSpec, batches: dict[str, str]) -> str:
    """What a model's result depends on besides the date: its SQL, parameters and severity, the shared
    definitions, and every batch loaded for its input feeds (``loaded_batches``)."""
    loaded = ";".join(f"{f}:{batches.get(f, '')}" for f in model.inputs)
    doc = f"{model.version}|{model.severity}|{_core_sql_version()}|{loaded}"
    return hashlib.sha256(doc.encode()).hexdigest()[:16]


def input_fingerprint(data_fp: str, as_of: dt.date) -> str:
    """The data fingerprint and the date: a run with the model's last input fingerprint is skipped."""
    return hashlib.sha256(f"{data_fp}|{as_of.isoformat()}".encode()).hexdigest()[:16]


@dataclass(frozen=True)
class LastRun:
    as_of: dt.date
    input_fingerprint: str | None
    data_fingerprint: str | None


def last_runs(conn, model_ids: list[str]) -> dict[str, LastRun]:
    """Each model's latest run whose result the alerts hold (SUCCESS, SKIPPED or CARRIED)."""
    rows = conn.execute(sa.text(
        "select distinct on (model_id) model_id, as_of, input_fingerprint, data_fingerprint "
        "from alerts.scoring_runs where model_id = any(:m) and status = any(:s) order by model_id, run_id desc"),
        {"m": list(model_ids), "s": list(_RUN_STATUSES)}).all()
    return {r[0]: LastRun(r[1], r[2], r[3]) for r in rows}


@dataclass
class Decision:
    action: str  # "run" | "carry" | "skip"
    data_fingerprint: str
    input_fingerprint: str


def decide(model: ModelSpec, as_of: dt.date, batches: dict[str, str], last: LastRun | None, *,
           full: bool = False, conn=None) -> Decision:
    """Run, carry or skip (module doc). A model whose rule compares columns with the date carries only
    when ``conn`` is given and no row lies in its windows between the last run's date and this one."""
    dfp = data_fingerprint(model, batches)
    ifp = input_fingerprint(dfp, as_of)
    if full or last is None:
        return Decision("run", dfp, ifp)
    if last.input_fingerprint == ifp:
        return Decision("skip", dfp, ifp)
    if last.data_fingerprint == dfp:
        windows = date_windows(model)
        if windows == () or (windows and conn is not None and windows_empty(conn, windows, last.as_of, as_of)):
            return Decision("carry", dfp, ifp)
    return Decision("run", dfp, ifp)


@dataclass
class Plan:
    as_of: dt.date
    run: list[str] = field(default_factory=list)
    carry: list[str] = field(default_factory=list)
    skip: list[str] = field(default_factory=list)


def plan(conn, models: list[ModelSpec], as_of: dt.date, *, full: bool = False) -> Plan:
    """Which of ``models`` run, carry their last result forward, or are skipped for ``as_of``."""
    batches = loaded_batches(conn)
    last = last_runs(conn, [m.id for m in models])
    out = Plan(as_of)
    for m in models:
        action = decide(m, as_of, batches, last.get(m.id), full=full, conn=conn).action
        getattr(out, action).append(m.id)
    return out
