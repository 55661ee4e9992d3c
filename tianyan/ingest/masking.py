"""How a delivered value is shown to people outside the quarantine table: failure messages, Data Docs.

Personal identifiers are masked the way the analysts' marts mask them (include/sql/migrations
0004_roles.sql, ``marts_masked.alert_detail``): a resident id keeps its first 6 characters (the
issuing district) followed by 12 asterisks; other identifiers of a person (bank accounts, plates,
households, phone numbers, names, addresses, IP addresses) become ``***``. Every shown value is cut
to SHOW_CHARS characters. The unmasked value stays in ``meta.quarantine.raw`` (engineers only).
"""

from __future__ import annotations

from tianyan.registry import ColumnSpec

SHOW_CHARS = 80
ID_MASK = "************"
OTHER_MASK = "***"
# Columns that identify a natural person (or their household, account, car) besides id18 columns.
_PERSONAL_SUFFIXES = ("account", "phone", "address", "_ip", "plate_no", "household_id")
_PERSONAL_NAMES = frozenset({"name", "bank_account", "submit_ip"})


def is_personal(col: ColumnSpec) -> bool:
    return bool(col.id18 or col.kind_column or col.name in _PERSONAL_NAMES or col.name.endswith(_PERSONAL_SUFFIXES))


def mask(col: ColumnSpec, value: object) -> object:
    """The value as it may be shown: masked when personal, cut to SHOW_CHARS; None stays None."""
    if value is None or (isinstance(value, float) and value != value):
        return None
    text = str(value)
    if col.id18 or col.kind_column:
        return text[:6] + ID_MASK
    if is_personal(col):
        return OTHER_MASK
    return text if len(text) <= SHOW_CHARS else text[:SHOW_CHARS] + "…"


def shown(col: ColumnSpec, value: object) -> str:
    """repr of the masked value for messages (keeps stray spaces and None visible)."""
    return repr(mask(col, value))
