"""Great Expectations Data Docs that no delivered value can turn into code, and that show no identifier.

GX renders refused values into its pages, some places escaped and some not (a value
``<img src=x onerror=...>`` ran as script in the admin's browser), and its pages load jQuery,
Bootstrap, bootstrap-table and Vega from five CDNs and run inline scripts. Three layers here:

1. Values (``display_result``): before GX sees a result, every sample of refused values is masked like
   the analysts' marts (tianyan.ingest.masking: resident ids keep 6 characters, other personal
   identifiers become ``***``, all cut to 80 characters) and the characters that carry meaning in HTML
   (``< > & " '``) are replaced by look-alikes, so a value reads the same whether GX escapes it or not.
2. Pages (``sanitise_site``): after GX writes a page, its body goes through an allow-list HTML sanitiser
   (nh3, Rust's ammonia: no script, no event attribute, no ``javascript:`` URL, no inline style) and the
   page gets our own head: a Content-Security-Policy meta tag, the GX stylesheet it ships locally,
   Bootstrap's CSS and a small script of our own (include/data_docs/, copied into the site), so the
   pages render offline and nothing comes from a CDN.
3. Serving: the Airflow plugin sends the same Content-Security-Policy as a header (plugins/tianyan_plugin.py).

Why post-process rather than vendor GX's JavaScript: the pages need two behaviours (open a collapsed
section, hide passed expectations), which 40 lines do; the vendored stack would be ~1 MB of third-party
script, some of which (bootstrap-table, Vega) turns data into markup or expressions, i.e. more ways for
a delivered value to become code.
"""

from __future__ import annotations

import contextlib
import copy
import hashlib
import json
import os
import re
import shutil
from collections.abc import Iterator
from html import escape
from pathlib import Path
from typing import Any

from tianyan import paths
from tianyan.ingest.masking import ID_MASK, mask
from tianyan.registry import FeedSpec

ASSETS_DIR = paths.ROOT / "include" / "data_docs"
ASSET_FILES = ("bootstrap.min.css", "tianyan-docs.css", "tianyan-docs.js", "LICENSE-bootstrap.txt")
SITE_ASSETS = Path("static") / "tianyan"
MARKER = "<!-- tianyan: sanitised -->"
# The policy of every Data Docs page (also sent as a header by the plugin): scripts, styles, images and
# fonts from the site itself only; no inline script, no inline style, no plugins, no form posts.
CSP = ("default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self'; "
       "connect-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'self'")
# HTML-significant characters in values -> look-alikes (display copy only; meta.quarantine keeps the value).
_LOOKALIKE = str.maketrans({"<": "‹", ">": "›", "&": "＆", '"': "＂", "'": "＇", "`": "｀"})
_ID18_LIKE = re.compile(r"(?<![0-9])([0-9]{6})[0-9]{11}[0-9Xx](?![0-9])")
_VALUE_KEYS = ("partial_unexpected_list", "unexpected_list", "unexpected_values")

_TAGS = {"a", "abbr", "b", "blockquote", "br", "button", "caption", "code", "col", "colgroup", "dd", "details",
         "div", "dl", "dt", "em", "footer", "h1", "h2", "h3", "h4", "h5", "h6", "header", "hr", "i", "img", "label",
         "li", "main", "nav", "ol", "p", "pre", "section", "small", "span", "strong", "sub", "summary", "sup",
         "table", "tbody", "td", "tfoot", "th", "thead", "tr", "u", "ul"}
_GENERIC_ATTRS = {"class", "id", "title", "role", "aria-controls", "aria-expanded", "aria-label", "aria-labelledby",
                  "aria-hidden", "data-toggle", "data-target", "data-tianyan-action"}
_ATTRS = {"a": {"href"}, "img": {"src", "alt", "width", "height"}, "td": {"colspan", "rowspan"},
          "th": {"colspan", "rowspan", "scope"}}
# GX's own two buttons call inline functions; they become data attributes our script understands.
_KNOWN_HANDLERS = {'onclick="showAllValidations()"': 'data-tianyan-action="show-all"',
                   'onclick="hideSucceededValidations()"': 'data-tianyan-action="hide-succeeded"'}


def display_value(feed: FeedSpec, column: str, value: Any) -> Any:
    """A refused value as a Data Docs page may show it: masked where personal, markup-free."""
    if value is None or isinstance(value, (bool, int, float)):
        return value
    spec = feed.column(column) if column in feed.column_names else None
    shown = mask(spec, value) if spec is not None else str(value)[:80]
    return None if shown is None else str(shown).translate(_LOOKALIKE)


def display_result(result: Any, feed: FeedSpec) -> Any:
    """A copy of a GX suite result whose value samples are safe to render (see display_value)."""
    out = copy.copy(result)
    out.results = []
    for er in result.results:
        r = copy.copy(er)
        column = (er.expectation_config.kwargs or {}).get("column", "") if er.expectation_config else ""
        res = dict(er.result or {})
        for key in _VALUE_KEYS:
            if isinstance(res.get(key), list):
                res[key] = [display_value(feed, column, v) for v in res[key]]
        if isinstance(res.get("partial_unexpected_counts"), list):
            res["partial_unexpected_counts"] = [
                {**c, "value": display_value(feed, column, c.get("value"))} if isinstance(c, dict) else c
                for c in res["partial_unexpected_counts"]]
        if "observed_value" in res and isinstance(res["observed_value"], str):
            res["observed_value"] = display_value(feed, column, res["observed_value"])
        r.result = res
        out.results.append(r)
    return out


def _clean_body(body: str) -> str:
    import nh3

    for handler, replacement in _KNOWN_HANDLERS.items():
        body = body.replace(handler, replacement)
    attrs = {tag: set(_GENERIC_ATTRS) | _ATTRS.get(tag, set()) for tag in _TAGS}
    return nh3.clean(body, tags=_TAGS, attributes=attrs, url_schemes={"http", "https"}, strip_comments=True,
                     clean_content_tags={"script", "style"}, link_rel="noopener noreferrer")


def sanitise_page(html: str, page: Path, site: Path) -> str:
    """One GX page rebuilt: our head (CSP, local stylesheets and script), its body sanitised."""
    title = re.search(r"<title>(.*?)</title>", html, re.S | re.I)
    body = re.search(r"<body[^>]*>(.*)</body>", html, re.S | re.I)
    rel = Path(os.path.relpath(site, page.parent)).as_posix()
    static = f"{rel}/static" if rel != "." else "static"
    head = (
        '<meta charset="utf-8">'
        f'<meta http-equiv="Content-Security-Policy" content="{CSP}">'
        '<meta name="referrer" content="no-referrer">'
        '<meta name="viewport" content="width=device-width, initial-scale=1.0">'
        f"<title>{escape(_text_only(title.group(1)) if title else 'Data Docs')}</title>"
        f'<link rel="stylesheet" href="{static}/tianyan/bootstrap.min.css">'
        f'<link rel="stylesheet" href="{static}/styles/data_docs_default_styles.css">'
        f'<link rel="stylesheet" href="{static}/tianyan/tianyan-docs.css">'
        f'<script src="{static}/tianyan/tianyan-docs.js" defer></script>'
    )
    banner = ('<div class="tianyan-banner">Refused values are masked (resident ids keep 6 characters, other '
              "personal identifiers are hidden) and shown without markup; the full rows are in "
              "<code>meta.quarantine</code>.</div>")
    # Values are masked before rendering; this also masks pages rendered before that (and anything
    # else shaped like a resident id): 6 characters kept, as in the marts.
    cleaned = _ID18_LIKE.sub(r"\1" + ID_MASK, _local_images(_clean_body(body.group(1) if body else html)))
    return f"<!doctype html>\n{MARKER}\n<html><head>{head}</head><body>{banner}{cleaned}</body></html>\n"


def _local_images(html: str) -> str:
    """Images from elsewhere (GX's logo on a CDN) would not load offline: keep their alt text."""
    def repl(m: re.Match) -> str:
        alt = re.search(r'\salt="([^"]*)"', m.group(0))
        return f"<span>{alt.group(1) if alt else ''}</span>"

    return re.sub(r'<img\s[^>]*src="(?:https?:)?//[^"]*"[^>]*>', repl, html)


def _text_only(fragment: str) -> str:
    return re.sub(r"<[^>]*>", "", fragment).strip()


def install_assets(site: Path) -> None:
    """Copy include/data_docs/* into the site's static/tianyan/ (when missing or changed)."""
    target = site / SITE_ASSETS
    target.mkdir(parents=True, exist_ok=True)
    for name in ASSET_FILES:
        src, dst = ASSETS_DIR / name, target / name
        if not dst.exists() or _digest(dst) != _digest(src):
            shutil.copyfile(src, dst)


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _head(title: str, static: str) -> str:
    return (f'<meta charset="utf-8"><meta http-equiv="Content-Security-Policy" content="{CSP}">'
            f'<meta name="referrer" content="no-referrer"><title>{escape(title)}</title>'
            f'<link rel="stylesheet" href="{static}/tianyan/bootstrap.min.css">'
            f'<link rel="stylesheet" href="{static}/tianyan/tianyan-docs.css">'
            f'<script src="{static}/tianyan/tianyan-docs.js" defer></script>')


def _pending_dir(site: Path) -> Path:
    # Beside the site, not in it: the plugin serves the site folder.
    return site.parent / "gx" / "docs_pending"


def add_pending(site: Path, feed_id: str, batch_id: str, key: list[str], summary: dict[str, Any],
                result: Any = None) -> Path:
    """Note a validation result whose page the next build renders (one small file per result, so
    parallel workers never write the same file). ``result``: the (masked, slimmed) GX result itself, kept
    beside the note until the build puts it into the results store -- GX's serialisation into the store
    (marshmallow, JSON) is ~20 ms per delivery against ~0.2 ms for a pickle, and only a build needs it.
    None: the result is in the store already. The folder is the pipeline's private state (mode 0700),
    written and read by the pipeline only."""
    import pickle

    folder = _pending_dir(site)
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    stem = hashlib.sha256(json.dumps(key).encode()).hexdigest()[:24]
    target = folder / f"{stem}.json"
    note = {"feed_id": feed_id, "batch_id": batch_id, "key": key, "summary": summary}
    if result is not None:
        blob = folder / f"{stem}.result"
        part = blob.with_suffix(".result-part")
        part.write_bytes(pickle.dumps(result, protocol=pickle.HIGHEST_PROTOCOL))
        os.replace(part, blob)
        note["result"] = blob.name
    part = target.with_suffix(".part")
    part.write_text(json.dumps(note, sort_keys=True), encoding="utf-8")
    os.replace(part, target)  # a build never reads half a file; the result file is there before its note
    return target


def pending_result(site: Path, note: dict[str, Any]) -> Any:
    """The GX result a pending note carries (``add_pending(result=...)``), or None when it is in the store."""
    import pickle

    name = note.get("result")
    if not name:
        return None
    return pickle.loads((_pending_dir(site) / Path(name).name).read_bytes())  # noqa: S301 - our own state


@contextlib.contextmanager
def building(site: Path) -> Iterator[list[dict[str, Any]]]:
    """One build of the site at a time (a file lock): yields the pending results (oldest first) and
    forgets them once the build went through; a build that fails leaves them for the next one."""
    import fcntl

    folder = _pending_dir(site)
    folder.mkdir(parents=True, exist_ok=True)
    with open(folder.parent / "docs_build.lock", "a+") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        files = sorted(folder.glob("*.json"), key=lambda f: f.stat().st_mtime_ns)
        pending = []
        for f in files:
            try:
                pending.append(json.loads(f.read_text(encoding="utf-8")))
            except ValueError:
                continue
        yield pending
        for f in files:
            f.unlink(missing_ok=True)
        for note in pending:
            if note.get("result"):
                (folder / Path(note["result"]).name).unlink(missing_ok=True)


def record_run(site: Path, feed_id: str, batch_id: str, summary: dict[str, Any]) -> Path | None:
    """Write the summary of the run whose page GX just rendered beside that page (the index reads it)."""
    folder = site / "validations" / Path(*feed_id.split(".")) / batch_id
    pages = sorted(folder.glob(f"*/{batch_id}.html"))
    if not pages:
        return None
    target = pages[-1].with_name(f"{batch_id}.summary.json")
    target.write_text(json.dumps({"feed_id": feed_id, "batch_id": batch_id, **summary}, sort_keys=True),
                      encoding="utf-8")
    return pages[-1]


def write_index(site: Path, keep: int) -> Path:
    """The site's index, ours rather than GX's (whose run list is data for an inline script): per feed,
    its latest `keep` runs with their outcome and a link to each page. Every value is escaped."""
    runs: dict[str, list[tuple[str, dict, str]]] = {}
    for summary in site.glob("validations/*/*/*/*/*.summary.json"):
        try:
            doc = json.loads(summary.read_text(encoding="utf-8"))
        except ValueError:
            continue
        page = summary.with_name(summary.name.removesuffix(".summary.json") + ".html")
        if page.exists():
            runs.setdefault(str(doc.get("feed_id")), []).append(
                (summary.parent.name, doc, page.relative_to(site).as_posix()))
    sections = []
    for feed_id in sorted(runs):
        rows = []
        for run_time, doc, href in sorted(runs[feed_id], key=lambda r: r[0], reverse=True)[:keep]:
            ok = bool(doc.get("success"))
            rows.append(
                f'<tr><td>{escape(run_time)}</td><td><a href="{escape(href)}">{escape(str(doc.get("batch_id")))}</a></td>'
                f'<td class="{"text-success" if ok else "text-danger"}">{"passed" if ok else "failed"}</td>'
                f"<td>{int(doc.get('rows') or 0)}</td><td>{int(doc.get('failed_rows') or 0)}</td>"
                f"<td>{escape(', '.join(f'{k}: {v}' for k, v in sorted((doc.get('failures_by_rule') or {}).items())))}"
                "</td></tr>")
        sections.append(f'<h2 class="h5 mt-4">{escape(feed_id)}</h2><table class="table table-sm"><thead><tr>'
                        "<th>run (UTC)</th><th>batch</th><th>suite</th><th>rows</th><th>failed rows</th>"
                        f"<th>failures by rule</th></tr></thead><tbody>{''.join(rows)}</tbody></table>")
    body = "".join(sections) or '<p class="text-muted">no validation results yet</p>'
    index = site / "index.html"
    index.write_text(f"<!doctype html>\n{MARKER}\n<html><head>{_head('Data Docs: validation results', 'static')}"
                     "</head><body><div class=\"container-fluid\"><h1 class=\"h3 mt-3\">Data Docs: validation results"
                     f"</h1><p class=\"text-muted\">Latest {keep} runs per feed. Refused values are masked; the full "
                     f"rows are in <code>meta.quarantine</code>.</p>{body}</div></body></html>\n", encoding="utf-8")
    return index


def sanitise_site(site: Path) -> list[Path]:
    """Sanitise every page GX (re)wrote since the last call (pages already done carry MARKER)."""
    install_assets(site)
    done = []
    prefix = f"<!doctype html>\n{MARKER}".encode()
    for page in sorted(site.rglob("*.html")):
        with open(page, "rb") as fh:
            if fh.read(len(prefix)) == prefix:
                continue
        text = page.read_text(encoding="utf-8", errors="replace")
        page.write_text(sanitise_page(text, page, site), encoding="utf-8")
        done.append(page)
    return done
