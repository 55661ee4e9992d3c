"""Read what the public site shows from the warehouse: the set-based queries of include/sql/public/,
one round trip each for the whole city, grouped per page here. Masking happens before anything
leaves this module: rows handed to the templates carry no id number, bank account or full name."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

import sqlalchemy as sa

from tianyan import paths
from tianyan.public.masking import counterparty, mask_name
from tianyan.public.settings import PublicSettings
from tianyan.warehouse.sqlfiles import statements

PUBLIC_SQL_DIR = paths.SQL_DIR / "public"

UNIT_KINDS = {"PARTY": "党委", "GOVERNMENT": "政府部门", "PUBLIC_INSTITUTION": "事业单位", "TOWNSHIP": "乡镇",
              "VILLAGE_COMMITTEE": "村民委员会", "VILLAGE": "行政村"}
ASSET_TYPES = {"FARMLAND": "耕地", "BUILDING": "房屋建筑", "POND": "坑塘水面", "FOREST": "林地", "EQUIPMENT": "设备",
               "OTHER": "其他"}
AWARD_METHODS = {"PUBLIC_BIDDING": "公开竞价", "NEGOTIATED": "协商", "DIRECT": "直接发包"}
FINDING_STATUS = {"OPEN": "未整改", "IN_PROGRESS": "整改中", "RECTIFIED": "已整改"}


def query(conn: sa.Connection, name: str, params: dict) -> list[dict]:
    """Rows of include/sql/public/<name>.sql (one statement) with the parameters it binds."""
    (sql,) = statements((PUBLIC_SQL_DIR / f"{name}.sql").read_text(encoding="utf-8"))
    stmt = sa.text(sql)
    binds = stmt.compile().params
    return [dict(r) for r in conn.execute(stmt, {k: v for k, v in params.items() if k in binds}).mappings()]


@dataclass
class Page:
    page_kind: str  # village | unit
    code: str
    name: str
    unit_code: str | None
    region_code: str
    unit_kind: str
    url: str = ""
    sections: dict[str, list[dict]] = field(default_factory=dict)
    policies: list[dict] = field(default_factory=list)
    complaints: list[dict] = field(default_factory=list)
    links: list[dict] = field(default_factory=list)

    @property
    def key(self) -> str:
        return f"{'v' if self.page_kind == 'village' else 'u'}/{self.code}"

    @property
    def kind_label(self) -> str:
        return UNIT_KINDS.get(self.unit_kind, self.unit_kind)

    @property
    def complaint_totals(self) -> dict[str, int]:
        return {k: sum(int(c[k]) for c in self.complaints) for k in ("received", "open", "closed")}

    def manifest(self) -> dict:
        """What the intake needs to know of the page (who a complaint from it is about)."""
        return {"page": self.key, "page_kind": self.page_kind, "code": self.code, "name": self.name,
                "unit_code": self.unit_code, "region_code": self.region_code, "url": self.url}


def _issuer(unit_name: str) -> str:
    """A department unit's name without its district prefix (522622民政局 -> 民政局)."""
    return unit_name.lstrip("0123456789")


def load_pages(conn: sa.Connection, as_of: dt.date, cfg: PublicSettings) -> list[Page]:
    params = {"as_of": as_of, "benefit_months": cfg.benefit_months, "ledger_months": cfg.ledger_months,
              "complaint_days": cfg.complaint_days}
    pages = [Page(**r) for r in query(conn, "pages", params)]
    for p in pages:
        p.url = cfg.page_url(p.page_kind, p.code)
    villages = {p.code: p for p in pages if p.page_kind == "village"}
    units = {p.code: p for p in pages if p.page_kind == "unit"}

    def rows_by(name: str, key: str, shape) -> dict[str, list[dict]]:
        out: dict[str, list[dict]] = defaultdict(list)
        for r in query(conn, name, params):
            out[r[key]].append(shape(r))
        return out

    assets = rows_by("village_assets", "village_code", lambda r: {
        "asset_id": r["asset_id"], "asset_type": ASSET_TYPES.get(r["asset_type"], r["asset_type"]),
        "area": r["area"], "book_value": r["book_value"]})
    contracts = rows_by("village_contracts", "village_code", lambda r: {
        "contract_id": r["contract_id"], "asset_id": r["asset_id"],
        "asset_type": ASSET_TYPES.get(r["asset_type"] or "", r["asset_type"]),
        "counterparty": counterparty(r["counterparty_kind"], r["counterparty_name"]),
        "annual_rent": r["annual_rent"], "area": r["area"], "start_date": r["start_date"],
        "end_date": r["end_date"], "award_method": AWARD_METHODS.get(r["award_method"], r["award_method"]),
        "is_current": r["is_current"]})
    ledger = rows_by("village_ledger", "village_code", lambda r: r)
    benefit_rows = query(conn, "benefits", params)
    spending = rows_by("unit_spending", "unit_code", lambda r: r)
    findings = rows_by("unit_findings", "unit_code", lambda r: {
        **{k: r[k] for k in ("finding_id", "audit_year", "category", "amount", "due_date", "overdue")},
        "status": FINDING_STATUS.get(r["rectification_status"], r["rectification_status"])})

    benefits: dict[str, list[dict]] = defaultdict(list)
    programs: dict[tuple[str, str], dict[str, dict]] = defaultdict(dict)  # (district, issuer) -> program
    for r in benefit_rows:
        region = r["region_code"] or ""
        benefits[region].append({"recipient": mask_name(r["recipient_name"]), "program": r["program_name"],
                                 "issuer": r["issuer"], "period": r["period"], "amount": r["amount"]})
        prog = programs[(region[:6], r["issuer"])].setdefault(
            r["program_name"], {"program": r["program_name"], "recipients": 0, "amount": 0, "periods": set()})
        prog["recipients"] += 1
        prog["amount"] += r["amount"]
        prog["periods"].add(r["period"])

    complaints = defaultdict(list)
    for r in query(conn, "complaints", params):
        complaints[(r["page_kind"], r["code"])].append(r)

    for code, p in villages.items():
        p.sections = {"assets": assets.get(code, []), "contracts": contracts.get(code, []),
                      "ledger": ledger.get(code, []), "benefits": benefits.get(code, [])}
        p.complaints = complaints.get(("village", code), [])
        if p.unit_code in units:
            p.links.append({"href": f"../../u/{p.unit_code}/", "text": f"{units[p.unit_code].name}（单位页）"})
            units[p.unit_code].links.append({"href": f"../../v/{code}/", "text": f"{p.name}（村务公开）"})
    for code, p in units.items():
        p.sections = {"spending": spending.get(code, []), "findings": findings.get(code, [])}
        p.complaints = complaints.get(("unit", code), [])
        if p.unit_kind == "GOVERNMENT":
            p.policies = [{**v, "periods": "、".join(sorted(v["periods"]))}
                          for v in programs.get((p.region_code[:6], _issuer(p.name)), {}).values()]
    return pages


# The queries a publication runs (ticket.sql is the intake's).
SITE_QUERIES = ("pages", "village_assets", "village_contracts", "village_ledger", "benefits", "unit_spending",
                "unit_findings", "complaints")


def sql_files() -> list[Path]:
    """The SQL files a publication reads (what the public_site DAG's schedule is derived from)."""
    return [PUBLIC_SQL_DIR / f"{q}.sql" for q in SITE_QUERIES]
