"""Build the public site for a date: an index, one page per village (``v/<village_code>/``) and per
unit (``u/<unit_code>/``), each with its QR code (``qr.png``) and poster (``poster.png``), a
stylesheet and ``pages.json`` (what the intake needs to know of each page).

Every value is rendered through Jinja2 with autoescaping on, each page carries a Content Security
Policy that allows no script at all (pages need none), styles and images from the site only and
form posts to the intake only. The site is written to a fresh folder and swapped in whole, so a
reader never sees half a publication.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import os
import shutil
import tempfile
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from urllib.parse import urlsplit

import jinja2
import sqlalchemy as sa

from tianyan.public import qr
from tianyan.public.data import Page, load_pages
from tianyan.public.settings import PublicSettings, load_settings
from tianyan.warehouse.conn import engine as get_engine

log = logging.getLogger(__name__)
TEMPLATES = Path(__file__).parent / "templates"
MANIFEST = "pages.json"


def money(value: object) -> str:
    if value is None:
        return "—"
    return f"{Decimal(value):,.2f}"


def num(value: object) -> str:
    if value is None:
        return "—"
    return f"{Decimal(value):,.2f}".rstrip("0").rstrip(".")


def environment() -> jinja2.Environment:
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(TEMPLATES), autoescape=True,
                             undefined=jinja2.StrictUndefined, trim_blocks=False)
    env.filters["money"] = money
    env.filters["num"] = num
    return env


def origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


def csp(cfg: PublicSettings) -> str:
    """No script, no frames, no plugins; styles and images from the site; forms post to the intake."""
    return ("default-src 'none'; style-src 'self'; img-src 'self'; "
            f"form-action {origin(cfg.intake_url)}; base-uri 'none'; frame-ancestors 'none'")


@dataclass
class Publication:
    as_of: dt.date
    site: Path
    villages: int
    units: int

    @property
    def pages(self) -> int:
        return self.villages + self.units


def render_pages(pages: list[Page], as_of: dt.date, cfg: PublicSettings) -> dict[str, str]:
    """{relative path: html} of every page of the site."""
    env = environment()
    common = {"as_of": as_of.isoformat(), "csp": csp(cfg), "intake_url": cfg.intake_url,
              "categories": cfg.intake.categories, "max_text_chars": cfg.intake.max_text_chars,
              "max_contact_chars": cfg.intake.max_contact_chars, "benefit_months": cfg.benefit_months,
              "ledger_months": cfg.ledger_months, "complaint_days": cfg.complaint_days}
    out = {"index.html": env.get_template("index.html").render(
        root="", villages=[p for p in pages if p.page_kind == "village"],
        units=[p for p in pages if p.page_kind == "unit"], **common)}
    for p in pages:
        template = "village.html" if p.page_kind == "village" else "unit.html"
        out[f"{p.key}/index.html"] = env.get_template(template).render(page=p, root="../../", **common)
    return out


def write_site(target: Path, pages: list[Page], as_of: dt.date, cfg: PublicSettings) -> None:
    target.mkdir(parents=True, exist_ok=True)
    for rel, html in render_pages(pages, as_of, cfg).items():
        path = target / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(html, encoding="utf-8")
    shutil.copyfile(TEMPLATES / "site.css", target / "site.css")
    lookup = f"{cfg.intake_url}/ticket"
    for p in pages:
        folder = target / p.key
        (folder / "qr.png").write_bytes(qr.qr_png(p.url))
        subtitle = p.kind_label if p.page_kind == "unit" else f"村务公开 · {p.code}"
        (folder / "poster.png").write_bytes(qr.poster_png(p.name, subtitle, p.url, lookup, font=cfg.poster_font))
    manifest = {"as_of": as_of.isoformat(), "base_url": cfg.base_url, "pages": [p.manifest() for p in pages]}
    (target / MANIFEST).write_text(json.dumps(manifest, ensure_ascii=False, indent=1), encoding="utf-8")


def _swap(built: Path, site: Path) -> None:
    old = None
    if site.exists():
        old = site.with_name(f".{site.name}.old-{os.getpid()}")
        os.replace(site, old)
    os.replace(built, site)
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)


def publish(as_of: dt.date, *, url: str | None = None, site: Path | None = None,
            cfg: PublicSettings | None = None, conn: sa.Connection | None = None) -> Publication:
    """Build the whole site as of a date from the warehouse and put it in place."""
    cfg = cfg or load_settings()
    site = Path(site) if site else cfg.site_path()
    if conn is None:
        with get_engine(url).connect() as own:
            pages = load_pages(own, as_of, cfg)
    else:
        pages = load_pages(conn, as_of, cfg)
    site.parent.mkdir(parents=True, exist_ok=True)
    built = Path(tempfile.mkdtemp(prefix=f".{site.name}.new-", dir=site.parent))
    try:
        write_site(built, pages, as_of, cfg)
        built.chmod(0o755)
        _swap(built, site)
    except BaseException:
        shutil.rmtree(built, ignore_errors=True)
        raise
    pub = Publication(as_of, site, sum(p.page_kind == "village" for p in pages),
                      sum(p.page_kind == "unit" for p in pages))
    log.info("public site as of %s: %d village and %d unit pages in %s", as_of, pub.villages, pub.units, site)
    return pub


def load_manifest(site: Path) -> dict[str, dict]:
    """{page key: page} of a published site (empty when nothing is published yet)."""
    try:
        doc = json.loads((site / MANIFEST).read_text(encoding="utf-8"))
    except FileNotFoundError:
        return {}
    return {p["page"]: p for p in doc["pages"]}
