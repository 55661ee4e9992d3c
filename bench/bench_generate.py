"""Benchmark the synthetic city generator.

    python bench/bench_generate.py            # 20,000 residents
    python bench/bench_generate.py 1000000    # any size

Prints wall seconds, rows written and peak memory (resource.getrusage)."""

from __future__ import annotations

import datetime as dt
import resource
import sys
import tempfile
import time

from tianyan.synth import generate


def main() -> None:
    residents = int(sys.argv[1]) if len(sys.argv) > 1 else 20_000
    with tempfile.TemporaryDirectory() as tmp:
        t0 = time.perf_counter()
        manifest = generate(tmp, residents=residents, seed=1, as_of=dt.date(2025, 6, 30))
        secs = time.perf_counter() - t0
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"residents={residents} seconds={secs:.1f} rows={manifest['rows']} peak_mb={peak_mb:.0f}")


if __name__ == "__main__":
    main()
