"""Small vectorised helpers shared by the background generators."""

from __future__ import annotations

import numpy as np


def expand(start: np.ndarray, end: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per entity i, every integer from start[i] to end[i] inclusive -> (entity index, value)."""
    start = np.asarray(start, np.int64)
    counts = np.maximum(np.asarray(end, np.int64) - start + 1, 0)
    idx = np.repeat(np.arange(len(start)), counts)
    first = np.repeat(np.cumsum(counts) - counts, counts)
    return idx, start[idx] + (np.arange(counts.sum()) - first)


def ids(prefix: str, start: int, n: int, width: int = 10) -> np.ndarray:
    if n == 0:
        return np.array([], dtype=object)
    return np.char.add(prefix, np.char.zfill(np.char.mod("%d", np.arange(start, start + n)), width)).astype(object)


def pick(rng: np.random.Generator, arr: np.ndarray, n: int) -> np.ndarray:
    """n values drawn with replacement (empty-safe)."""
    if len(arr) == 0 or n == 0:
        return np.array([], dtype=arr.dtype if len(arr) else np.int64)
    return arr[rng.integers(0, len(arr), n)]


def choose(rng: np.random.Generator, arr: np.ndarray, n: int) -> np.ndarray:
    """Up to n distinct values (without replacement)."""
    n = min(n, len(arr))
    return rng.permutation(arr)[:n]


def strs(values) -> np.ndarray:
    return np.asarray(values).astype(str).astype(object)


def cents(rng: np.random.Generator, lo: float, hi: float, n: int) -> np.ndarray:
    return rng.integers(int(lo * 100), int(hi * 100), n)


def bool_str(values) -> np.ndarray:
    return np.where(np.asarray(values, bool), "true", "false").astype(object)


def gender(male) -> np.ndarray:
    return np.where(np.asarray(male, bool), "M", "F").astype(object)


def fill_none(values, mask) -> np.ndarray:
    out = np.asarray(values, dtype=object).copy()
    out[np.asarray(mask, bool)] = None
    return out
