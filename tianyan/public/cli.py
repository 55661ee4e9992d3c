"""`tianyan public ...`: publish the disclosure site, run the complaint intake (docs/public.md)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

public_app = typer.Typer(help="碼上監督: the public disclosure site and its complaint intake.", no_args_is_help=True)


@public_app.command("publish")
def publish_cmd(
    date: Annotated[str, typer.Option("--date", help="Publication date YYYY-MM-DD (data as of this date)")],
    site: Annotated[Path | None, typer.Option(help="Folder to write (default: site_dir of public.yaml)")] = None,
) -> None:
    """Build the static site (a page, QR code and poster per village and unit) for a date."""
    from tianyan.cli import parse_date
    from tianyan.public.site import publish

    pub = publish(parse_date(date), site=site)
    print(f"published {pub.villages} village and {pub.units} unit pages as of {pub.as_of} in {pub.site}")


@public_app.command("serve")
def serve_cmd(
    port: Annotated[int | None, typer.Option(help="Port (default: intake.port of public.yaml)")] = None,
    host: Annotated[str, typer.Option(help="Address to listen on")] = "127.0.0.1",
    drop: Annotated[Path | None, typer.Option(help="Exchange drop for the deliveries (default: intake.drop or "
                                                   "$TIANYAN_DROP)")] = None,
    site: Annotated[Path | None, typer.Option(help="Published site whose pages.json names the pages")] = None,
    today: Annotated[str | None, typer.Option(help="Take this date as today (demo / rehearsal)")] = None,
) -> None:
    """Run the complaint intake service (form posts, ticket lookup)."""
    from tianyan.cli import parse_date
    from tianyan.public.intake import serve

    day = parse_date(today)
    serve(host=host, port=port, drop=drop, site=site, today=(lambda: day) if day else None)
