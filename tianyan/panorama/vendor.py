"""Refresh the vendored Vega JavaScript in tianyan/panorama/static/vendor from the npm registry.

``python -m tianyan.panorama.vendor`` runs ``npm pack`` for the pinned versions (README.md there),
copies the minified builds and licences, and wraps vega-interpreter (an ES module) for a classic
script. Run by hand when the versions change; the files are committed."""

from __future__ import annotations

import shutil
import subprocess
import tarfile
import tempfile
from pathlib import Path

VENDOR = Path(__file__).parent / "static" / "vendor"
PACKAGES = {"vega": "6.2.0", "vega-lite": "6.4.1", "vega-embed": "7.1.0", "vega-interpreter": "2.2.1"}
IMPORT = "import { ascending, isString, DisallowedObjectProperties } from 'vega-util';"
EXPORT = "export { expression as expressionInterpreter };"


def wrap_interpreter(source: str, version: str) -> str:
    if IMPORT not in source or EXPORT not in source:
        raise RuntimeError("vega-interpreter changed its imports or exports: review the wrapper")
    body = source.replace(IMPORT, "const { ascending, isString, DisallowedObjectProperties } = vega;")
    body = body.replace(EXPORT, "vega.expressionInterpreter = expression;")
    return (f"// vega-interpreter {version} (BSD-3-Clause, see LICENSE.vega-interpreter), build/vega-interpreter.js "
            "from npm,\n// wrapped by tianyan/panorama/vendor.py: its one import taken from the global `vega`, its "
            f"export set on it.\n(function () {{\n{body}\n}})();\n")


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        for name, version in PACKAGES.items():
            subprocess.run(["npm", "pack", f"{name}@{version}"], cwd=tmp, check=True, capture_output=True)
            folder = Path(tmp) / name
            with tarfile.open(Path(tmp) / f"{name}-{version}.tgz") as tar:
                tar.extractall(folder, filter="data")
            pkg = folder / "package"
            if name == "vega-interpreter":
                text = (pkg / "build" / "vega-interpreter.js").read_text(encoding="utf-8")
                (VENDOR / "vega-interpreter.js").write_text(wrap_interpreter(text, version), encoding="utf-8")
            else:
                shutil.copy(pkg / "build" / f"{name}.min.js", VENDOR / f"{name}.min.js")
                shutil.copy(pkg / "LICENSE", VENDOR / f"LICENSE.{name}")
        shutil.copy(VENDOR / "LICENSE.vega", VENDOR / "LICENSE.vega-interpreter")


if __name__ == "__main__":
    main()
