"""Feed contracts from include/spec/feeds.yaml as typed classes.

Column notation (from the spec): ``"TYPE[!] [rule ...]"``, e.g. ``"decimal! >0"`` or
``"enum(U|D)!"`` or ``"string! uscc ref:market_regulation.enterprises.uscc"``.
A bad entry raises RegistryError naming the feed and the field.
"""

from __future__ import annotations

import re
from decimal import Decimal
from functools import cache
from pathlib import Path
from typing import Literal, TypeVar

import yaml
from pydantic import BaseModel, ConfigDict, ValidationError, model_validator

from tianyan import paths

ColumnType = Literal["string", "int", "decimal", "date", "timestamp", "bool", "enum"]
# Warehouse storage of each contract type. A timestamp is an instant: timestamptz, written as Shanghai
# wall time with its offset by normalisation (migration 0009 converted the columns 0002 created as
# timestamp; sessions use the database's time zone, Asia/Shanghai).
PG_TYPES: dict[str, str] = {
    "string": "text",
    "enum": "text",
    "int": "bigint",
    "decimal": "numeric",
    "date": "date",
    "timestamp": "timestamptz",
    "bool": "boolean",
}
# The same types in a department's own database (the simulated front-end tables of database feeds):
# local date-times without a zone, as most departmental systems keep them.
SOURCE_PG_TYPES: dict[str, str] = {**PG_TYPES, "timestamp": "timestamp"}
# Columns whose meaning depends on a sibling "kind" column (PERSON ids are normalised as id18).
POLYMORPHIC_IDS: dict[str, str] = {
    "owner_id": "owner_kind",
    "payee_id": "payee_kind",
    "counterparty_id": "counterparty_kind",
    "recipient_id": "recipient_kind",
}


# Every version of feed ``dept.name`` is kept in ``dept.name__history``; ``dept.name`` is the view of current rows.
HISTORY_SUFFIX = "__history"


def history_relation(feed_id: str) -> str:
    """``dept.name__history`` for feed ``dept.name``."""
    return feed_id + HISTORY_SUFFIX


class RegistryError(ValueError):
    """A registry entry that does not follow the contract notation."""


class ColumnSpec(BaseModel):
    model_config = ConfigDict(frozen=True)

    name: str
    type: ColumnType
    required: bool = False
    enum_values: tuple[str, ...] = ()
    id18: bool = False
    uscc: bool = False
    region: bool = False
    period: bool = False
    unique: bool = False
    min: Decimal | None = None
    min_inclusive: bool = True
    max: Decimal | None = None
    ref: str | None = None
    notation: str = ""

    @property
    def pg_type(self) -> str:
        """Type of the column in the warehouse."""
        return PG_TYPES[self.type]

    @property
    def source_pg_type(self) -> str:
        """Type of the column in a department's front-end database (see SOURCE_PG_TYPES)."""
        return SOURCE_PG_TYPES[self.type]

    @property
    def kind_column(self) -> str | None:
        return POLYMORPHIC_IDS.get(self.name)

    @classmethod
    def parse(cls, name: str, notation: str) -> ColumnSpec:
        tokens = notation.split()
        if not tokens:
            raise RegistryError(f"column {name!r}: empty notation")
        head, rules = tokens[0], tokens[1:]
        required = head.endswith("!")
        head = head.rstrip("!")
        fields: dict = {"name": name, "required": required, "notation": notation}
        m = re.fullmatch(r"enum\(([A-Z0-9_|]+)\)", head)
        if m:
            fields["type"] = "enum"
            fields["enum_values"] = tuple(m.group(1).split("|"))
        elif head in PG_TYPES and head != "enum":
            fields["type"] = head
        else:
            raise RegistryError(f"column {name!r}: unknown type {head!r} in {notation!r}")
        i = 0
        while i < len(rules):
            rule = rules[i]
            if rule in ("id18", "uscc", "region", "period", "unique"):
                fields[rule] = True
            elif rule in (">0", ">=0"):
                fields["min"] = Decimal(0)
                fields["min_inclusive"] = rule == ">=0"
            elif rule == "between":
                try:
                    fields["min"], fields["max"] = Decimal(rules[i + 1]), Decimal(rules[i + 2])
                except (IndexError, ArithmeticError) as exc:
                    raise RegistryError(f"column {name!r}: 'between' needs two numbers in {notation!r}") from exc
                i += 2
            elif rule.startswith("ref:"):
                fields["ref"] = rule[4:]
            else:
                raise RegistryError(f"column {name!r}: unknown rule {rule!r} in {notation!r}")
            i += 1
        return cls(**fields)


# The feeds an OCDS delivery maps to (tianyan/ingest/ocds.py, docs/procurement.md).
OCDS_FEEDS = ("public_resources.bids", "public_resources.contracts", "public_resources.tenders")


class Delivery(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    transport: Literal["file", "http", "database"]
    # ocds: compiled releases or release packages (JSON Lines, or one JSON document), public_resources only
    format: Literal["csv", "xlsx", "parquet", "json", "ocds"] | None = None
    encoding: Literal["utf-8", "gbk"] = "utf-8"
    mode: Literal["snapshot", "delta", "append"]
    cadence: Literal["daily", "weekly", "monthly"]
    table: str | None = None

    @property
    def suffixes(self) -> tuple[str, ...]:
        """The file endings of a file delivery (ocds: JSON Lines or one JSON document)."""
        return (".jsonl", ".json") if self.format == "ocds" else ("." + str(self.format).lower(),)

    @model_validator(mode="after")
    def _check(self) -> Delivery:
        if self.transport == "file" and self.format not in ("csv", "xlsx", "parquet", "ocds"):
            raise ValueError("file transport needs format csv, xlsx, parquet or ocds")
        if self.transport == "http" and self.format != "json":
            raise ValueError("http transport needs format json")
        if self.transport == "database" and not self.table:
            raise ValueError("database transport needs a table")
        return self


class FeedSpec(BaseModel):
    model_config = ConfigDict(frozen=True)

    id: str
    title: str
    delivery: Delivery
    key: tuple[str, ...]
    columns: tuple[ColumnSpec, ...]

    @property
    def department(self) -> str:
        return self.id.split(".", 1)[0]

    @property
    def name(self) -> str:
        return self.id.split(".", 1)[1]

    @property
    def mode(self) -> str:
        return self.delivery.mode

    @property
    def column_names(self) -> list[str]:
        return [c.name for c in self.columns]

    @property
    def data_columns(self) -> tuple[ColumnSpec, ...]:
        """Columns stored in the warehouse (the delta `op` becomes `_deleted`)."""
        return tuple(c for c in self.columns if c.name != "op")

    def column(self, name: str) -> ColumnSpec:
        for c in self.columns:
            if c.name == name:
                return c
        raise KeyError(f"{self.id}: no column {name!r}")

    @property
    def history_table(self) -> tuple[str, str]:
        return self.department, self.name + HISTORY_SUFFIX

    @property
    def current_view(self) -> tuple[str, str]:
        return self.department, self.name

    @property
    def version_key(self) -> tuple[str, ...]:
        return (*self.key, "_valid_from")

    @model_validator(mode="after")
    def _check(self) -> FeedSpec:
        names = [c.name for c in self.columns]
        if len(set(names)) != len(names):
            raise ValueError("duplicate column names")
        missing = [k for k in self.key if k not in names]
        if missing:
            raise ValueError(f"key columns {missing} are not columns")
        if self.delivery.mode == "delta" and ("op" not in names or "changed_at" not in names):
            raise ValueError("delta feeds need op and changed_at columns")
        if "." not in self.id:
            raise ValueError("feed id must be <department>.<feed_name>")
        return self


def _read(path: Path) -> dict:
    with open(path, encoding="utf-8") as fh:
        return yaml.safe_load(fh)


def _pydantic_message(exc: ValidationError, prefix: str = "") -> str:
    parts = []
    for err in exc.errors():
        loc = ".".join(str(x) for x in (prefix, *err["loc"]) if x != "")
        parts.append(f"field {loc!r}: {err['msg']}" if loc else err["msg"])
    return "; ".join(parts)


Settings = TypeVar("Settings", bound=BaseModel)


def load_settings_file(path: Path, model: type[Settings], what: str) -> Settings:
    """An operator settings file of include/config/ parsed into ``model``; any problem is a RegistryError
    naming the file (``what`` says whose settings a missing file held)."""
    try:
        return model(**(yaml.safe_load(path.read_text(encoding="utf-8")) or {}))
    except FileNotFoundError:
        raise RegistryError(f"{path}: missing (the {what} settings ship with the repository)") from None
    except ValidationError as exc:
        raise RegistryError(f"{path}: {_pydantic_message(exc)}") from None
    except (TypeError, yaml.YAMLError) as exc:
        raise RegistryError(f"{path}: {exc}") from None


def parse_feeds(doc: dict) -> dict[str, FeedSpec]:
    departments = doc.get("departments") or {}
    feeds: dict[str, FeedSpec] = {}
    for feed_id, entry in sorted((doc.get("feeds") or {}).items()):
        try:
            if not isinstance(entry, dict):
                raise RegistryError("entry is not a mapping")
            for field in ("title", "delivery", "key", "columns"):
                if field not in entry:
                    raise RegistryError(f"field {field!r} is missing")
            dept = feed_id.split(".", 1)[0]
            if dept not in departments:
                raise RegistryError(f"field 'department': {dept!r} is not a declared department")
            columns = []
            for name, notation in entry["columns"].items():
                try:
                    columns.append(ColumnSpec.parse(name, str(notation)))
                except RegistryError as exc:
                    raise RegistryError(f"field 'columns': {exc}") from None
            try:
                delivery = Delivery(**entry["delivery"])
            except ValidationError as exc:
                raise RegistryError(_pydantic_message(exc, "delivery")) from None
            if delivery.format == "ocds" and feed_id not in OCDS_FEEDS:
                raise RegistryError(f"delivery: format ocds maps only {', '.join(OCDS_FEEDS)}")
            try:
                feeds[feed_id] = FeedSpec(
                    id=feed_id, title=entry["title"], delivery=delivery, key=tuple(entry["key"]),
                    columns=tuple(columns),
                )
            except ValidationError as exc:
                raise RegistryError(_pydantic_message(exc)) from None
        except (RegistryError, TypeError) as exc:
            raise RegistryError(f"feed {feed_id}: {exc}") from None
    return feeds


@cache
def load_feeds(path: Path | None = None) -> dict[str, FeedSpec]:
    """All feeds of the registry, sorted by feed id."""
    return parse_feeds(_read(path or paths.SPEC_DIR / "feeds.yaml"))


@cache
def load_departments(path: Path | None = None) -> dict[str, dict[str, str]]:
    return dict(sorted(_read(path or paths.SPEC_DIR / "feeds.yaml")["departments"].items()))
