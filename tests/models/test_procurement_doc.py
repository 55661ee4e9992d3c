"""docs/procurement.md keeps up with the code: a row for every procurement model with its parameters and
their defaults, and every column of the OCDS mapping (tianyan/ingest/ocds.py MAPPING)."""

from __future__ import annotations

import re

from tianyan import paths
from tianyan.ingest.ocds import MAPPING
from tianyan.registry.models import load_models

DOC = paths.ROOT / "docs" / "procurement.md"


def _rows() -> dict[str, str]:
    return {m[1]: m[0] for m in re.finditer(r"^\| (PR\d\d) \|.*$", DOC.read_text(encoding="utf-8"), re.M)}


def test_every_procurement_model_has_its_row_and_parameters():
    rows = _rows()
    procurement = [m for m in load_models().values() if m.domain == "procurement"]
    assert sorted(rows) == sorted(m.id for m in procurement)
    for m in procurement:
        for name, default in m.params.items():
            shown = "null" if default is None else "[" + ", ".join(default) + "]" if isinstance(default, list) \
                else str(default)
            assert f"`{name}`: {shown}" in rows[m.id], (m.id, name)
        assert m.title_en in rows[m.id], m.id


def test_the_ocds_mapping_is_documented_column_by_column():
    text = DOC.read_text(encoding="utf-8")
    for feed, columns in MAPPING.items():
        section = text.split(f"#### `{feed}`", 1)[1].split("####", 1)[0]
        for column, source in columns.items():
            assert f"| `{column}` | {source.replace('|', '/')} |" in section, (feed, column)
