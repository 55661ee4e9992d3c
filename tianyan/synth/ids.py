"""Synthetic identifiers: GB 11643 resident ids, GB 32100 credit codes, and the dirty forms
departments really send (legacy 15-digit, lowercase x, full-width digits, stray spaces).
The check characters come from the one implementation of both rules, ``tianyan.ids``."""

from __future__ import annotations

import numpy as np

from tianyan.ids import id18_check_of_digits, uscc_check_of_values


def _digits(body: np.ndarray, n: int) -> np.ndarray:
    out = np.empty((len(body), n), dtype=np.int64)
    b = body.copy()
    for i in range(n - 1, -1, -1):
        out[:, i] = b % 10
        b //= 10
    return out


def id18_vec(prefix6: np.ndarray, ymd: np.ndarray, seq: np.ndarray) -> np.ndarray:
    """Valid 18-digit ids from region prefix, birth date (YYYYMMDD int) and sequence (0..999)."""
    body = np.asarray(prefix6, np.int64) * 10**11 + np.asarray(ymd, np.int64) * 1000 + np.asarray(seq, np.int64)
    check = id18_check_of_digits(_digits(body, 17))
    return np.char.add(np.char.mod("%017d", body), check).astype(object)


def id18(prefix6: int, ymd: int, seq: int) -> str:
    return str(id18_vec(np.array([prefix6]), np.array([ymd]), np.array([seq]))[0])


def uscc_vec(head2: str, region6: np.ndarray, serial: np.ndarray) -> np.ndarray:
    """Valid credit codes: 2-char head (91 enterprise, 11 organ, 12 public institution), region, serial."""
    body = int(head2) * 10**15 + np.asarray(region6, np.int64) * 10**9 + np.asarray(serial, np.int64)
    check = uscc_check_of_values(_digits(body, 17))  # digits are their own values in the alphabet
    return np.char.add(np.char.mod("%017d", body), check).astype(object)


def uscc(head2: str, region6: int, serial: int) -> str:
    return str(uscc_vec(head2, np.array([region6]), np.array([serial]))[0])


def break_id18(value: str) -> str:
    """Same digits, wrong GB 11643 check character (a truly invalid id)."""
    return value[:17] + ("0" if value[17] != "0" else "1")


def break_uscc(value: str) -> str:
    return value[:17] + ("0" if value[17] != "0" else "1")


_FULLWIDTH = str.maketrans("0123456789Xx", "０１２３４５６７８９Ｘｘ")
LEGACY15, LOWER_X, FULLWIDTH, SPACES = DIRTY_KINDS = ("legacy15", "lower_x", "fullwidth", "spaces")


def dirty(value: str, kind: str) -> str:
    """A recoverable variant of a valid id18. Falls back to another kind when one does not apply
    (15-digit only exists for people born before 2000; lowercase only matters with a trailing X)."""
    if kind == "legacy15" and value[6:8] == "19":
        return value[:6] + value[8:17]
    if kind == "lower_x" and value.endswith("X"):
        return value[:17] + "x"
    if kind in ("fullwidth", "legacy15", "lower_x") and kind != "spaces":
        return value.translate(_FULLWIDTH)
    return f" {value} "


def dirtied(value: str, kind: str | None) -> str:
    """``value`` as a department sends it: dirty of ``kind``, or clean when ``kind`` is None."""
    return dirty(value, kind) if kind else value
