"""Apply the versioned migrations in include/sql/migrations with Alembic, then the core definitions.

Each migration is a plain SQL file ``NNNN_name.sql``; Alembic's revision chain is built from the
file names in order (no Python per migration), and the applied revision is recorded in
``meta.alembic_version``. Re-running is a no-op. The shared definitions in include/sql/core
(``create or replace``) are re-applied after every migration run.
"""

from __future__ import annotations

import logging
from pathlib import Path

import sqlalchemy as sa
from alembic.migration import MigrationContext
from alembic.operations import Operations

from tianyan import paths
from tianyan.warehouse.conn import engine as get_engine
from tianyan.warehouse.sqlfiles import without_comments

log = logging.getLogger(__name__)
VERSION_TABLE = "alembic_version"
VERSION_SCHEMA = "meta"


def migration_files() -> list[Path]:
    files = sorted(paths.MIGRATIONS_DIR.glob("[0-9][0-9][0-9][0-9]_*.sql"))
    nums = [f.name[:4] for f in files]
    if len(set(nums)) != len(nums):
        raise RuntimeError(f"duplicate migration numbers in {paths.MIGRATIONS_DIR}")
    return files


def core_files() -> list[Path]:
    return sorted(paths.CORE_SQL_DIR.glob("*.sql")) if paths.CORE_SQL_DIR.exists() else []


def migrate(url: str | None = None) -> list[str]:
    """Bring the warehouse to the latest migration; returns the revisions applied now."""
    eng = get_engine(url)
    applied: list[str] = []
    with eng.begin() as conn:
        # One migrator at a time (parallel tasks may all call migrate()).
        conn.execute(sa.text("select pg_advisory_xact_lock(hashtext('tianyan.migrate'))"))
        conn.execute(sa.text(f"create schema if not exists {VERSION_SCHEMA}"))
        ctx = MigrationContext.configure(
            conn, opts={"version_table": VERSION_TABLE, "version_table_schema": VERSION_SCHEMA}
        )
        current = ctx.get_current_revision()
        op = Operations(ctx)
        for f in migration_files():
            rev = f.stem
            if current is not None and rev <= current:
                continue
            log.info("applying migration %s", f.name)
            op.execute(sa.text(without_comments(f.read_text(encoding="utf-8"))))
            _stamp(conn, current, rev)
            current = rev
            applied.append(rev)
        for f in core_files():
            conn.execute(sa.text(without_comments(f.read_text(encoding="utf-8"))))
    return applied


def _stamp(conn: sa.Connection, old: str | None, new: str) -> None:
    """Record the revision in Alembic's version table (same layout Alembic reads back)."""
    table = f"{VERSION_SCHEMA}.{VERSION_TABLE}"
    conn.execute(sa.text(f"create table if not exists {table} (version_num varchar(64) primary key)"))
    if old is None:
        conn.execute(sa.text(f"delete from {table}"))
        conn.execute(sa.text(f"insert into {table} (version_num) values (:v)"), {"v": new})
    else:
        conn.execute(sa.text(f"update {table} set version_num = :v"), {"v": new})


def current_revision(url: str | None = None) -> str | None:
    with get_engine(url).connect() as conn:
        ctx = MigrationContext.configure(
            conn, opts={"version_table": VERSION_TABLE, "version_table_schema": VERSION_SCHEMA}
        )
        return ctx.get_current_revision()
