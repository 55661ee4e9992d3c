"""OCDS as an input format: compiled releases (or release packages) -> rows of the public-resources feeds.

A procurement office that publishes the Open Contracting Data Standard (OCDS 1.1, https://standard.open-
contracting.org/1.1/) delivers one file for the three feeds: the same ``*.jsonl`` (one compiled release, or
one release package, per line, as Open Contracting's Cardinal reads) or ``*.json`` (a release package, a
record package of compiled releases, or one release) lands in each feed's folder, and the feed's
``delivery.format: ocds`` makes the reader take that feed's rows out of it:

- ``public_resources.tenders``: one row per release with a ``tender``;
- ``public_resources.bids``: one row per submitted bid and tenderer (``bids.details[]``, the bid extension);
- ``public_resources.contracts``: one row per ``contracts[]`` entry.

The field-by-field mapping is ``MAPPING`` below (docs/procurement.md prints it). Values are mapped, never
judged: a value our contract does not accept (an unknown method, a bid in another currency, a tenderer id
that is not a USCC) reaches validation as delivered and is quarantined there with its release's line, so
nothing delivered is lost silently. Bids that were never submitted (status invited or withdrawn, Cardinal's
definition) are not bids and give no row. A line that is not JSON, or not a release, rejects the delivery
(UnreadableDelivery) naming the file and the line.

Time: dates are OCDS date-times; a date column takes the day in Asia/Shanghai (the warehouse's zone), a
timestamp column the value as written (the contract reads its offset).
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

import pandas as pd

from tianyan.registry.feeds import OCDS_FEEDS, FeedSpec

SHANGHAI = ZoneInfo("Asia/Shanghai")
CURRENCY = "CNY"
ROW_NO = "_row_no"  # as tianyan.ingest.readers.ROW_NO (kept here: readers imports this module)

# OCDS procurementMethodDetails (our codes, or the Government Procurement Law's names) and, failing that,
# procurementMethod (the OCDS codelist) -> public_resources.tenders.method.
METHOD_DETAILS = {
    "OPEN": "OPEN", "INVITED": "INVITED", "SINGLE_SOURCE": "SINGLE_SOURCE", "NEGOTIATION": "NEGOTIATION",
    "INQUIRY": "INQUIRY", "公开招标": "OPEN", "公開招標": "OPEN", "邀请招标": "INVITED", "邀請招標": "INVITED",
    "单一来源": "SINGLE_SOURCE", "單一來源": "SINGLE_SOURCE", "竞争性谈判": "NEGOTIATION", "競爭性談判": "NEGOTIATION",
    "竞争性磋商": "NEGOTIATION", "競爭性磋商": "NEGOTIATION", "询价": "INQUIRY", "詢價": "INQUIRY",
}
METHODS = {"open": "OPEN", "selective": "INVITED", "limited": "NEGOTIATION", "direct": "SINGLE_SOURCE"}
CATEGORIES = {"goods": "GOODS", "works": "WORKS", "services": "SERVICES"}
NOT_SUBMITTED = {"invited", "withdrawn"}

# column -> where it comes from (documentation, printed by docs/procurement.md; the code below follows it)
MAPPING: dict[str, dict[str, str]] = {
    "public_resources.tenders": {
        "tender_id": "tender.id (else ocid)",
        "buyer_unit_code": "buyer.id",
        "title": "tender.title",
        "category": "tender.mainProcurementCategory: goods/works/services -> GOODS/WORKS/SERVICES",
        "method": "tender.procurementMethodDetails (our code, or 公开招标/邀请招标/竞争性谈判/竞争性磋商/询价/单一来源), "
                  "else tender.procurementMethod: open -> OPEN, selective -> INVITED, limited -> NEGOTIATION, "
                  "direct -> SINGLE_SOURCE",
        "budget_amount": "tender.value.amount (else planning.budget.amount.amount); currency other than CNY "
                         "-> quarantined (type)",
        "publish_date": "tender.tenderPeriod.startDate (else tender.datePublished, else the release date), "
                        "its day in Asia/Shanghai",
        "bid_deadline": "tender.tenderPeriod.endDate, its day in Asia/Shanghai",
        "region_code": "tender.items[0].deliveryAddress.region, else the buyer party's address.region",
        "award_criteria (proposed)": "tender.awardCriteria: priceOnly/costOnly/qualityOnly/ratedCriteria -> "
                                     "PRICE_ONLY/COST_ONLY/QUALITY_ONLY/RATED (mapped once the column is in the "
                                     "contract)",
    },
    "public_resources.bids": {
        "tender_id": "tender.id (else ocid) of the release",
        "bidder_uscc": "bids.details[].tenderers[].id (one row per tenderer), the party's identifier.id when "
                       "the party has one",
        "bid_amount": "bids.details[].value.amount; currency other than CNY -> quarantined (type)",
        "submitted_at": "bids.details[].date, as written",
        "contact_phone": "the tenderer party's contactPoint.telephone",
        "submit_ip": "none in OCDS: null",
        "result": "bids.details[].status: disqualified -> DISQUALIFIED; valid -> WON when the tenderer is a "
                  "supplier of an active award, else LOST; invited/withdrawn -> no row; pending or any other "
                  "status -> as delivered (quarantined: enum)",
    },
    "public_resources.contracts": {
        "contract_id": "contracts[].id",
        "tender_id": "tender.id of the release (null when the release has no tender: a direct purchase)",
        "buyer_unit_code": "buyer.id",
        "supplier_uscc": "suppliers[0] of the award contracts[].awardID names (the party's identifier.id "
                         "when it has one)",
        "amount": "contracts[].value.amount; currency other than CNY -> quarantined (type)",
        "sign_date": "contracts[].dateSigned, its day in Asia/Shanghai",
        "signer_id_no": "none in OCDS: null",
    },
}
AWARD_CRITERIA = {"priceOnly": "PRICE_ONLY", "costOnly": "COST_ONLY", "qualityOnly": "QUALITY_ONLY",
                  "ratedCriteria": "RATED", "lowestCost": "PRICE_ONLY"}


class OcdsError(ValueError):
    """A file that is not OCDS (a line or document that is neither a release nor a package)."""


# ---- reading ---------------------------------------------------------------------------------------


def releases(path: Path) -> Iterator[tuple[int, dict]]:
    """(line or position, compiled release) of a JSON Lines file or a JSON document: each line (or the
    document) a release, a release package (its ``releases``) or a record package (its records'
    ``compiledRelease``)."""
    text = path.read_bytes()
    try:
        body = text.decode("utf-8")
    except UnicodeDecodeError:
        raise OcdsError(f"{path.name}: not UTF-8") from None
    if path.suffix.lower() == ".json":
        yield from _unpack(_load(body, path, 1), path, 1)
        return
    for no, line in enumerate(body.splitlines(), 1):
        if line.strip():
            yield from _unpack(_load(line, path, no), path, no)


def _load(text: str, path: Path, no: int):
    try:
        return json.loads(text, parse_float=Decimal, parse_constant=str)
    except ValueError as exc:
        raise OcdsError(f"{path.name} line {no}: not JSON ({type(exc).__name__})") from None


def _unpack(doc, path: Path, no: int) -> Iterator[tuple[int, dict]]:
    if isinstance(doc, dict) and isinstance(doc.get("releases"), list):
        items = doc["releases"]
    elif isinstance(doc, dict) and isinstance(doc.get("records"), list):
        items = [r.get("compiledRelease") if isinstance(r, dict) else r for r in doc["records"]]
    else:
        items = [doc]
    for i, rel in enumerate(items, 1):
        if not isinstance(rel, dict) or not isinstance(rel.get("ocid"), str):
            where = f"line {no}" + (f" release {i}" if len(items) > 1 or doc is not rel else "")
            raise OcdsError(f"{path.name} {where}: not an OCDS release (an object with an ocid)")
        yield no, rel


# ---- values ----------------------------------------------------------------------------------------


def _get(doc, *keys):
    for k in keys:
        if isinstance(doc, dict):
            doc = doc.get(k)
        elif isinstance(doc, list) and isinstance(k, int) and -len(doc) <= k < len(doc):
            doc = doc[k]
        else:
            return None
    return doc


def _text(v) -> str | None:
    if v is None:
        return None
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, Decimal):
        return format(v, "f")
    if isinstance(v, dict | list):
        return json.dumps(v, ensure_ascii=False, default=str)
    return str(v)


def _amount(value) -> str | None:
    """``{amount, currency}`` -> the amount's text; another currency stays visible (quarantined: type)."""
    amount = _text(_get(value, "amount"))
    currency = _get(value, "currency")
    if amount is not None and currency not in (None, CURRENCY):
        return f"{amount} {currency}"
    return amount


def _day(value) -> str | None:
    """An OCDS date-time -> its day in Asia/Shanghai; anything else as written (the date rule judges it)."""
    if value is None:
        return None
    text = str(value)
    try:
        when = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return text
    if when.tzinfo is not None:
        when = when.astimezone(SHANGHAI)
    return when.date().isoformat()


class _Release:
    def __init__(self, rel: dict):
        self.rel = rel
        self.parties = {p.get("id"): p for p in rel.get("parties") or [] if isinstance(p, dict)}
        self.tender = rel.get("tender") if isinstance(rel.get("tender"), dict) else None
        self.tender_id = _text(_get(self.tender, "id")) or rel["ocid"] if self.tender is not None else None

    def org(self, ref) -> str | None:
        """An organization reference -> the party's identifier.id (e.g. a USCC), else the reference's id."""
        rid = _get(ref, "id")
        return _text(_get(self.parties.get(rid), "identifier", "id") or rid)

    def active_suppliers(self) -> set[str]:
        return {self.org(s) for a in self.rel.get("awards") or [] if _get(a, "status") == "active"
                for s in _get(a, "suppliers") or []}

    def tenders(self, columns: set[str]) -> list[dict]:
        t = self.tender
        if t is None:
            return []
        details, method = _get(t, "procurementMethodDetails"), _get(t, "procurementMethod")
        row = {
            "tender_id": self.tender_id,
            "buyer_unit_code": self.org(self.rel.get("buyer")),
            "title": _text(_get(t, "title")),
            "category": CATEGORIES.get(_get(t, "mainProcurementCategory"), _text(_get(t, "mainProcurementCategory"))),
            "method": METHOD_DETAILS.get(details) or METHODS.get(method) or _text(details or method),
            "budget_amount": _amount(_get(t, "value")) if _get(t, "value", "amount") is not None
            else _amount(_get(self.rel, "planning", "budget", "amount")),
            "publish_date": _day(_get(t, "tenderPeriod", "startDate") or _get(t, "datePublished")
                                 or self.rel.get("date")),
            "bid_deadline": _day(_get(t, "tenderPeriod", "endDate")),
            "region_code": _text(_get(t, "items", 0, "deliveryAddress", "region")
                                 or _get(self.parties.get(_get(self.rel, "buyer", "id")), "address", "region")),
        }
        if "award_criteria" in columns:  # the proposed column (docs/procurement.md), once in the contract
            crit = _get(t, "awardCriteria")
            row["award_criteria"] = AWARD_CRITERIA.get(crit, _text(crit))
        return [row]

    def bids(self, columns: set[str]) -> list[dict]:
        if self.tender_id is None and not _get(self.rel, "bids", "details"):
            return []
        winners = self.active_suppliers()
        rows = []
        for bid in _get(self.rel, "bids", "details") or []:
            status = _get(bid, "status")
            if status in NOT_SUBMITTED:
                continue
            for who in _get(bid, "tenderers") or [None]:
                bidder = self.org(who) if who is not None else None
                result = ("DISQUALIFIED" if status == "disqualified"
                          else ("WON" if bidder in winners else "LOST") if status == "valid"
                          else _text(status))  # pending or unknown: as delivered, the enum rule judges it
                rows.append({
                    "tender_id": self.tender_id or self.rel["ocid"],
                    "bidder_uscc": bidder,
                    "bid_amount": _amount(_get(bid, "value")),
                    "submitted_at": _text(_get(bid, "date")),
                    "contact_phone": _text(_get(self.parties.get(_get(who, "id")), "contactPoint", "telephone")),
                    "submit_ip": None,
                    "result": result,
                })
        return rows

    def contracts(self, columns: set[str]) -> list[dict]:
        awards = {_get(a, "id"): a for a in self.rel.get("awards") or [] if isinstance(a, dict)}
        rows = []
        for c in self.rel.get("contracts") or []:
            award = awards.get(_get(c, "awardID"))
            rows.append({
                "contract_id": _text(_get(c, "id")),
                "tender_id": self.tender_id,
                "buyer_unit_code": self.org(self.rel.get("buyer")),
                "supplier_uscc": self.org(_get(award, "suppliers", 0)) if _get(award, "suppliers", 0) else None,
                "amount": _amount(_get(c, "value")),
                "sign_date": _day(_get(c, "dateSigned")),
                "signer_id_no": None,
            })
        return rows


def read(feed: FeedSpec, path: Path) -> pd.DataFrame:
    """The rows of ``feed`` in an OCDS file, every spec column present (null where OCDS has no value), with
    the release's line as the row number (quarantine names it)."""
    if feed.id not in OCDS_FEEDS:
        raise OcdsError(f"{path.name}: format ocds maps only {', '.join(OCDS_FEEDS)}, not {feed.id}")
    table = feed.id.rsplit(".", 1)[1]
    columns = set(feed.column_names)
    rows: list[dict] = []
    numbers: list[int] = []
    for no, rel in releases(path):
        for row in getattr(_Release(rel), table)(columns):
            rows.append(row)
            numbers.append(no)
    out = pd.DataFrame([[r.get(c) for c in feed.column_names] for r in rows], columns=list(feed.column_names),
                       dtype=object)
    out[ROW_NO] = pd.Series(numbers, dtype="int64")
    return out
