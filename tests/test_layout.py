"""The layout the README promises: only tianyan/orchestration/ imports airflow (the rest of the package
runs and is tested without it), and no module is left loose at the top of the package unplanned."""

from __future__ import annotations

import ast

from tianyan import paths

PACKAGE = paths.ROOT / "tianyan"
# Top-level modules used by every layer (README "Layout"); anything else belongs in a subpackage.
TOP_LEVEL = {"__init__.py", "cli.py", "paths.py", "ids.py", "connections.py"}


def _imports(path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    out: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            out |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            out.add(node.module)
    return out


def test_only_orchestration_imports_airflow():
    offenders = sorted(
        f"{p.relative_to(paths.ROOT)}: {m}"
        for p in PACKAGE.rglob("*.py") if "orchestration" not in p.relative_to(PACKAGE).parts
        for m in _imports(p) if m == "airflow" or m.startswith("airflow.")
    )
    assert not offenders, "airflow imported outside tianyan/orchestration/:\n" + "\n".join(offenders)


def test_no_loose_modules_at_the_top():
    assert {p.name for p in PACKAGE.glob("*.py")} == TOP_LEVEL
