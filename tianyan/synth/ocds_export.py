"""The synthetic city's public-resources feeds as OCDS compiled releases (JSON Lines), the input
tianyan/ingest/ocds.py maps back: a procurement office publishing OCDS instead of the JSON pages.

One release per tender (its bids, one award per WON bid, its contracts), one per direct purchase (a contract
without tender_id: no tender), and one per tender_id that bids name but the tenders feed lacks (ocid = that
tender_id, no tender). Values are written as delivered, wrong ones too (the reader passes them on to
validation), except what OCDS shapes differently: categories lower-case, results as bid statuses and awards,
valid dates as date-times at Shanghai midnight, decimal text as exact JSON numbers. OCDS has no field for a
bid's submit_ip or a contract's signer_id_no: they are not exported."""

from __future__ import annotations

import datetime as dt
import json
import re
from decimal import Decimal, InvalidOperation
from pathlib import Path

CATEGORY = {"GOODS": "goods", "WORKS": "works", "SERVICES": "services"}
METHOD = {"OPEN": "open", "INVITED": "selective", "NEGOTIATION": "limited", "INQUIRY": "limited",
          "SINGLE_SOURCE": "direct"}
_NUMBER = "\u0000N"
_NUMBER_RE = re.compile(r'"\\u0000N([^"]*)"')


def _number(v):
    """Decimal text -> an exact JSON number (marked, replaced after dumping); anything else as it is."""
    if isinstance(v, str):
        try:
            Decimal(v)
        except InvalidOperation:
            return v
        if re.fullmatch(r"-?\d+(\.\d+)?([eE][-+]?\d+)?", v):
            return _NUMBER + v
    return v


def _datetime(v):
    """A valid ISO date -> its Shanghai midnight as an OCDS date-time; anything else as delivered."""
    if isinstance(v, str) and re.fullmatch(r"\d{4}-\d{2}-\d{2}", v):
        try:
            dt.date.fromisoformat(v)
            return f"{v}T00:00:00+08:00"
        except ValueError:
            return v
    return v


def _value(amount) -> dict | None:
    return None if amount is None else {"amount": _number(amount), "currency": "CNY"}


def _drop_none(doc):
    if isinstance(doc, dict):
        return {k: _drop_none(v) for k, v in doc.items() if v is not None}
    if isinstance(doc, list):
        return [_drop_none(v) for v in doc]
    return doc


def releases(tenders: list[dict], bids: list[dict], contracts: list[dict], date: str) -> list[dict]:
    """Compiled releases of the rows of the three feeds (each row a dict of the feed's columns)."""
    by_tender_bids: dict[str, list[dict]] = {}
    for b in bids:
        by_tender_bids.setdefault(b.get("tender_id"), []).append(b)
    by_tender_contracts: dict[str | None, list[dict]] = {}
    for c in contracts:
        by_tender_contracts.setdefault(c.get("tender_id"), []).append(c)
    out = []
    seen: set[str] = set()
    for t in tenders:
        tid = t.get("tender_id")
        seen.add(tid)
        out.append(_release(f"ocds-tianyan-{tid}", t, by_tender_bids.get(tid, []), by_tender_contracts.get(tid, []), date))
    for tid, rows in by_tender_bids.items():
        if tid not in seen:
            out.append(_release(str(tid), None, rows, [], date))
    for c in by_tender_contracts.get(None, []):
        out.append(_release(f"direct-{c.get('contract_id')}", None, [], [c], date))
    return out


def _release(ocid: str, t: dict | None, bids: list[dict], contracts: list[dict], date: str) -> dict:
    parties: dict[str, dict] = {}

    def party(pid, role, phone=None):
        if pid is None:
            return {}
        p = parties.setdefault(pid, {"id": pid, "roles": []})
        if role not in p["roles"]:
            p["roles"].append(role)
        if phone is not None:
            p["contactPoint"] = {"telephone": phone}
        return {"id": pid}

    buyer = (t or {}).get("buyer_unit_code") or next((c.get("buyer_unit_code") for c in contracts), None)
    rel: dict = {"ocid": ocid, "id": f"{ocid}-{date}", "date": f"{date}T00:00:00+08:00", "tag": ["compiled"],
                 "initiationType": "tender", "buyer": party(buyer, "buyer") or None}
    if t is not None:
        method = t.get("method")
        rel["tender"] = {
            "id": t.get("tender_id"), "title": t.get("title"),
            "mainProcurementCategory": CATEGORY.get(t.get("category"), t.get("category")),
            "procurementMethod": METHOD.get(method), "procurementMethodDetails": method,
            "value": _value(t.get("budget_amount")),
            "tenderPeriod": {"startDate": _datetime(t.get("publish_date")), "endDate": _datetime(t.get("bid_deadline"))},
            "items": [{"id": "1", "deliveryAddress": {"region": t.get("region_code")}}],
        }
    details, awards = [], []
    losers = {b.get("bidder_uscc") for b in bids if b.get("result") == "LOST"}
    for i, b in enumerate(bids, 1):
        result = b.get("result")
        status = {"WON": "valid", "LOST": "valid", "DISQUALIFIED": "disqualified"}.get(result, result)
        details.append({"id": str(i), "status": status, "date": b.get("submitted_at"), "value": _value(b.get("bid_amount")),
                        "tenderers": [party(b.get("bidder_uscc"), "tenderer", b.get("contact_phone"))]})
        if result == "WON":
            awards.append({"id": f"{ocid}-award-{len(awards) + 1}", "status": "active",
                           "suppliers": [party(b.get("bidder_uscc"), "supplier") or {"id": None}]})
    out_contracts = []
    for c in contracts:
        supplier = c.get("supplier_uscc")
        award = next((a for a in awards if a["suppliers"][0].get("id") == supplier), None)
        if award is None:
            award = {"id": f"{ocid}-award-{len(awards) + 1}",
                     "status": "unsuccessful" if supplier in losers else "active",
                     "suppliers": [party(supplier, "supplier")] if supplier is not None else []}
            awards.append(award)
        out_contracts.append({"id": c.get("contract_id"), "awardID": award["id"], "value": _value(c.get("amount")),
                              "dateSigned": _datetime(c.get("sign_date"))})
    if details:
        rel["bids"] = {"details": details}
    if awards:
        rel["awards"] = awards
    if out_contracts:
        rel["contracts"] = out_contracts
    rel["parties"] = list(parties.values()) or None
    return _drop_none(rel)


def dumps(release: dict) -> str:
    """One JSON Lines line, decimals exact."""
    return _NUMBER_RE.sub(lambda m: m[1], json.dumps(release, ensure_ascii=False, separators=(",", ":")))


def write_jsonl(path: Path, rels: list[dict]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(dumps(r) + "\n" for r in rels), encoding="utf-8")


def export_drop(drop: Path, date: str, target: Path) -> Path:
    """The drop's public-resources JSON pages of one date -> ``releases.jsonl`` in each of the three feeds'
    folders under ``target`` (the layout a file landing expects); returns the file of the tenders' folder."""
    rows = {}
    for feed in ("tenders", "bids", "contracts"):
        items: list[dict] = []
        for page in sorted((drop / "public_resources" / feed / date).glob("page-*.json"),
                           key=lambda p: int(p.stem.split("-")[1])):
            items += json.loads(page.read_text(encoding="utf-8"))["items"]
        rows[feed] = items
    rels = releases(rows["tenders"], rows["bids"], rows["contracts"], date)
    for feed in ("tenders", "bids", "contracts"):
        write_jsonl(target / "public_resources" / feed / date / "releases.jsonl", rels)
    return target / "public_resources" / "tenders" / date / "releases.jsonl"
