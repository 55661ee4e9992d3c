"""Benchmark: row validation of 1,000,000 civil_affairs.assistance_payments rows.

Prints rows/s for
  - validate() (Great Expectations 1.x suite, COMPLETE result format, failures mapped to rows),
    cold (first call: suite preparation) and warm (medians of the following runs);
  - the same rules as plain vectorised pandas (the functions behind the custom expectations,
    without GX), the lower bound of what GX can cost;
  - validate() with Data Docs built (slimmed result page + index).
The GX import itself is timed separately (paid once per worker process).

    .venv/bin/python bench/bench_validate.py [--rows 1000000] [--repeat 3]
"""

from __future__ import annotations

import argparse
import statistics
import time

import numpy as np
import pandas as pd

FEED_ID = "civil_affairs.assistance_payments"
_W = np.array([7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2], dtype=np.int64)


def _join(*parts: np.ndarray) -> np.ndarray:
    out = parts[0].astype(object)
    for p in parts[1:]:
        out = out + p.astype(object)
    return out


def make_frame(n: int, seed: int = 7) -> tuple[pd.DataFrame, dict[str, list[int]]]:
    """A normalised delivery of n valid payments with a few planted bad rows per rule."""
    rng = np.random.default_rng(seed)
    districts = np.array(["110101", "310104", "440305", "510107", "330106"], dtype=object)
    birth = pd.to_datetime("1940-01-01") + pd.to_timedelta(rng.integers(0, 365 * 65, n), unit="D")
    body = _join(
        districts[rng.integers(0, len(districts), n)],
        np.asarray(birth.strftime("%Y%m%d"), dtype=object),
        np.char.zfill(rng.integers(0, 1000, n).astype(str), 3),
    )
    digits = np.frombuffer("".join(body.tolist()).encode("ascii"), dtype=np.uint8).reshape(-1, 17) - 48
    check = np.array(list("10X98765432"), dtype=object)[(digits.astype(np.int64) @ _W) % 11]
    df = pd.DataFrame(
        {
            "payment_id": _join(np.full(n, "PAY", dtype=object), np.char.zfill(np.arange(n).astype(str), 9)),
            "id_no": body + check,
            "program": np.array(["DIBAO_URBAN", "DIBAO_RURAL", "TEKUN", "TEMPORARY"], dtype=object)[
                rng.integers(0, 4, n)
            ],
            "period": np.array([f"2024-{m:02d}" for m in range(1, 13)], dtype=object)[rng.integers(0, 12, n)],
            "amount": np.char.mod("%.2f", rng.integers(10_000, 300_000, n) / 100).astype(object),
            "pay_date": np.asarray(
                (pd.to_datetime("2024-01-01") + pd.to_timedelta(rng.integers(0, 366, n), unit="D")).strftime(
                    "%Y-%m-%d"
                ),
                dtype=object,
            ),
            "bank_account": _join(
                np.full(n, "6222", dtype=object), np.char.zfill(rng.integers(0, 10**12, n).astype(str), 15)
            ),
            "region_code": _join(
                districts[rng.integers(0, len(districts), n)],
                np.char.zfill(rng.integers(0, 10**6, n).astype(str), 6),
            ),
        }
    )
    # Planted failures, spread over the frame (row -> rule): a handful of each kind.
    planted: dict[str, list[int]] = {}
    step = max(n // 40, 1)
    spots = iter(range(step // 2, n, step))

    def plant(rule: str, column: str, value: object, k: int = 3) -> None:
        for _ in range(k):
            row = next(spots)
            df.at[row, column] = value
            planted.setdefault(rule, []).append(row)

    plant("required", "bank_account", None)
    plant("id18", "id_no", "11010119800101001X")  # wrong check digit
    plant("id18", "id_no", "11010119800230001")  # 17 chars: unrecoverable, left as delivered
    plant("enum", "program", "DIBAO")
    plant("period", "period", "2024-13")
    plant("bound", "amount", "0.00")
    plant("bound", "amount", "-5.00")
    plant("region", "region_code", "11010100100")
    for _ in range(2):  # a duplicated payment id fails on both rows
        a, b = next(spots), next(spots)
        df.at[b, "payment_id"] = df.at[a, "payment_id"]
        planted.setdefault("unique", []).extend([a, b])
    # As tianyan.ingest.normalise hands it over: object dtype, None for nulls.
    return df.astype(object), planted


def plain_pandas(feed, df: pd.DataFrame) -> int:  # noqa: ANN001 (FeedSpec; kept import-light)
    """The suite's rules without GX: same vectorised functions, failures as (row, rule, column)."""
    from tianyan.ingest import gx_expectations as g

    parts = []
    for col in feed.columns:
        s = df[col.name]
        checks = []
        if col.required:
            checks.append(("required", g.is_present(s)))
        if col.type == "enum":
            checks.append(("enum", s.isin(col.enum_values) | s.isna()))
        if col.id18:
            checks.append(("id18", g.is_id18(s)))
        if col.uscc:
            checks.append(("uscc", g.is_uscc(s)))
        if col.region:
            checks.append(("region", g.is_region(s)))
        if col.period:
            checks.append(("period", g.is_period(s)))
        if col.min is not None or col.max is not None:
            lo = float(col.min) if col.min is not None else None
            hi = float(col.max) if col.max is not None else None
            checks.append(("bound", g.is_number_between(s, lo, hi, strict_min=not col.min_inclusive)))
        if col.unique:
            checks.append(("unique", ~(s.duplicated(keep=False) & s.notna())))
        for rule, ok in checks:
            rows = np.flatnonzero(~ok.to_numpy(dtype=bool))
            if len(rows):
                parts.append(pd.DataFrame({"row": rows, "rule": rule, "column": col.name}))
    return len(pd.concat(parts)) if parts else 0


def _median_time(fn, repeat: int) -> tuple[float, object]:  # noqa: ANN001
    times, out = [], None
    for _ in range(repeat):
        t = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t)
    return statistics.median(times), out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    n = args.rows

    t = time.perf_counter()
    import great_expectations  # noqa: F401

    from tianyan.ingest import validate as v
    from tianyan.registry import load_feeds

    print(f"import GX + tianyan.ingest.validate: {time.perf_counter() - t:.2f} s (once per process)")
    feed = load_feeds()[FEED_ID]
    t = time.perf_counter()
    df, planted = make_frame(n)
    print(
        f"built {n:,} rows x {len(df.columns)} cols in {time.perf_counter() - t:.2f} s; planted {sum(map(len, planted.values()))} bad cells"
    )

    t = time.perf_counter()
    outcome = v.validate(feed, df, batch_id="bench-cold", data_docs=False)
    cold = time.perf_counter() - t
    got = {(r, rule) for r, rule in zip(outcome.failures["row"], outcome.failures["rule"], strict=True)}
    want = {(r, rule) for rule, rows in planted.items() for r in rows}
    assert got == want, (
        f"planted failures not found exactly: missing {want - got}, extra {list(got - want)[:5]}"
    )

    warm, outcome = _median_time(lambda: v.validate(feed, df, batch_id="bench", data_docs=False), args.repeat)
    plain, plain_count = _median_time(lambda: plain_pandas(feed, df), args.repeat)
    docs, docs_outcome = _median_time(lambda: v.validate(feed, df, batch_id="bench-docs", data_docs=True), 1)
    assert plain_count == len(outcome.failures)

    print(
        f"expectations evaluated: {outcome.expectations}; failures: {len(outcome.failures)} "
        f"({outcome.statistics['failures_by_rule']})"
    )
    rows = [
        ("validate() GX, cold (suite prep)", cold),
        (f"validate() GX, warm (median of {args.repeat})", warm),
        ("validate() GX + Data Docs", docs),
        (f"plain vectorised pandas, same rules (median of {args.repeat})", plain),
    ]
    for label, seconds in rows:
        print(f"  {label:<55} {seconds:7.2f} s  {n / seconds:>12,.0f} rows/s")
    print(
        f"GX overhead over plain pandas: {warm / plain:.1f}x; data docs page: {docs_outcome.data_docs_path}"
    )


if __name__ == "__main__":
    main()
