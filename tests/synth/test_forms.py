"""Every feed is delivered on the first date in its declared form."""

from __future__ import annotations

import hashlib
from pathlib import Path

from synth_testlib import AS_OF, RESIDENTS, SEED, read_delivery

from tianyan.registry import load_feeds
from tianyan.synth import generate


def test_every_feed_present_in_declared_form(city):
    drop, manifest = city
    for fid, spec in load_feeds().items():
        folder = drop / spec.department / spec.name / AS_OF.isoformat()
        assert folder.is_dir(), fid
        d = spec.delivery
        names = sorted(p.name for p in folder.iterdir())
        if d.transport == "http":
            assert names[0].startswith("page-") and all(n.endswith(".json") for n in names), fid
        elif d.transport == "database":
            assert "rows.csv" in names, fid
        else:
            assert names == [f"{spec.name}.{d.format}"], fid
        if d.format == "csv" and d.encoding == "gbk":
            (folder / names[0]).read_bytes().decode("gbk")
        files = read_delivery(spec, folder)
        assert sum(len(df) for df in files.values()) > 0, fid
        for df in files.values():
            assert list(df.columns) == spec.column_names, fid
        assert manifest["feeds"][fid][AS_OF.isoformat()]["rows"] == sum(len(df) for df in files.values())


def _tree_hash(root: Path) -> str:
    h = hashlib.sha256()
    for p in sorted(root.rglob("*")):
        if p.is_file():
            h.update(str(p.relative_to(root)).encode())
            h.update(p.read_bytes())
    return h.hexdigest()


def test_same_seed_same_bytes(city, tmp_path):
    drop, _ = city
    other = tmp_path / "again"
    generate(other, residents=RESIDENTS, seed=SEED, as_of=AS_OF)
    assert _tree_hash(drop) == _tree_hash(other)
