"""Well-known locations. Everything is found from the repository root (or $TIANYAN_HOME)."""

from __future__ import annotations

import os
from pathlib import Path

ROOT = Path(os.environ.get("TIANYAN_HOME") or Path(__file__).resolve().parent.parent)
SPEC_DIR = ROOT / "include" / "spec"
SQL_DIR = ROOT / "include" / "sql"
MIGRATIONS_DIR = SQL_DIR / "migrations"
CORE_SQL_DIR = SQL_DIR / "core"
MODELS_SQL_DIR = SQL_DIR / "models"
CONFIG_DIR = ROOT / "include" / "config"
EXPECTATIONS_DIR = ROOT / "expectations"
DAGS_DIR = ROOT / "dags"
# Local, git-ignored state: embedded PostgreSQL, archive, GX data docs, reports.
STATE_DIR = Path(os.environ.get("TIANYAN_STATE_DIR") or ROOT / ".tianyan")
