"""Run the project's SQL files (include/sql/marts, include/sql/lifecycle) statement by statement.

A file may hold several statements; each runs on its own because statements with bind parameters go
one at a time (extended query protocol). Each statement gets only the parameters it binds.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import sqlalchemy as sa
from sqlglot.dialects.postgres import Postgres
from sqlglot.tokens import TokenType


def statements(text: str) -> list[str]:
    """The statements of a SQL file, comments removed, everything else as written.

    Split on the PostgreSQL tokenizer's semicolons, so a semicolon inside a string, a comment or a
    dollar-quoted body does not split. Comments go because SQLAlchemy would take a ``:name`` in
    one for a bind parameter."""
    out: list[str] = []
    parts: list[str] = []
    prev = None
    for tok in Postgres().tokenize(text):
        if tok.token_type == TokenType.SEMICOLON:
            if parts:
                out.append("".join(parts))
            parts, prev = [], None
            continue
        if prev is not None:
            gap = text[prev.end + 1:tok.start]
            parts.append(gap if not gap.strip() else "\n")  # a gap holding a comment
        parts.append(text[tok.start:tok.end + 1])
        prev = tok
    if parts:
        out.append("".join(parts))
    return out


def without_comments(text: str) -> str:
    """The SQL text with its comments removed (its statements joined by semicolons): the one comment
    stripper, for SQL run as a whole (migrations, core definitions)."""
    return ";\n".join(statements(text))


@lru_cache(maxsize=256)
def _file_statements(path: Path, mtime_ns: int) -> tuple[str, ...]:
    """A file's statements, split once per version of the file (scoring runs its merge per model)."""
    return tuple(statements(path.read_text(encoding="utf-8")))


def run_file(conn: sa.Connection, path: Path, params: dict) -> dict[str, int]:
    """Run every statement of ``path``; returns what they report, by name.

    A statement that returns a row reports its columns (e.g. ``alerts_resolved``); any other
    statement reports its row count under the file's name without the order prefix
    (``30_assigned.sql`` -> ``assigned``), summed over the file's statements."""
    name = path.stem.split("_", 1)[-1]
    counts: dict[str, int] = {}
    for sql in _file_statements(path, path.stat().st_mtime_ns):
        stmt = sa.text(sql)
        result = conn.execute(stmt, {k: v for k, v in params.items() if k in stmt.compile().params})
        if result.returns_rows:
            counts.update({k: int(v or 0) for k, v in result.mappings().one().items()})
        else:
            counts[name] = counts.get(name, 0) + max(result.rowcount, 0)
    return counts


def run_folder(conn: sa.Connection, folder: Path, params: dict) -> dict[str, int]:
    """Every ``*.sql`` file of ``folder`` in name order (see ``run_file``)."""
    counts: dict[str, int] = {}
    for path in sorted(folder.glob("*.sql")):
        counts.update(run_file(conn, path, params))
    return counts
