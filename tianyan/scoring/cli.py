"""`tianyan tune` and `tianyan rules ...`: what-if scoring and versioned rule settings (issue 17).

Registered by tianyan/cli.py (``register(app)``), like tianyan.screen.cli and tianyan.public.cli;
the commands' logic stays in tianyan.scoring.whatif / rulesettings, shared with the DAG and the
plugin page.
"""

from __future__ import annotations

from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

rules_app = typer.Typer(help="Versioned rule settings: history and rollback.", no_args_is_help=True)
console = Console(stderr=True)


def _pct(v: float | None) -> str:
    return "n/a" if v is None else f"{v:.0%}"


def print_proposal(p, limit: int = 30) -> None:
    from tianyan.scoring.whatif import GROUPS

    out = Console()
    out.print(f"[bold]what-if {p.proposal_id}[/]: {p.model_id} ({escape(p.model_source)}) as of {p.as_of}, "
              f"settings version {p.settings_version} + {escape(str(p.overrides or '{}'))}")
    t = Table(title="proposal against the live alerts")
    for c in ("set", "alerts", "amount", "decided", "confirmed", "partly", "no issue", "duplicate", "recovered",
              "est. precision"):
        t.add_column(c, justify="left" if c == "set" else "right")
    for g in (*GROUPS, "live", "proposed"):
        s = p.summary[g]
        t.add_row(g, str(s["alerts"]), f"{s['amount']:,.2f}", str(s["decided"]), str(s["confirmed"]),
                  str(s["partly_confirmed"]), str(s["no_issue"]), str(s["duplicate"]), f"{s['recovered']:,.2f}",
                  _pct(s["precision"]))
    out.print(t)
    for g in ("added", "removed"):
        rows = [r for r in p.rows if r["grp"] == g]
        if not rows:
            continue
        t = Table(title=f"{g} ({len(rows)}{f', first {limit}' if len(rows) > limit else ''})")
        for c in ("alert_id", "subject_kind", "subject_id", "region_code", "unit_code", "amount", "status",
                  "outcome"):
            t.add_column(c)
        for r in rows[:limit]:
            t.add_row(*["" if r[c] is None else escape(str(r[c])) for c in (
                "alert_id", "subject_kind", "subject_id", "region_code", "unit_code", "amount", "status", "outcome")])
        out.print(t)


def tune(
    model: Annotated[str, typer.Argument(help="Model id, or the path of a new model's <ID>.yaml (its .sql beside)")],
    set_: Annotated[list[str] | None, typer.Option("--set", help="NAME=VALUE (repeat)")] = None,
    as_of: Annotated[str | None, typer.Option("--as-of", help="Score as of (default: the live alerts' date)")] = None,
    apply: Annotated[bool, typer.Option("--apply", help="Record the values as a new settings version and "
                                                         "re-score (rules owners only)")] = False,
    reason: Annotated[str | None, typer.Option(help="Why (required with --apply)")] = None,
    limit: Annotated[int, typer.Option(help="Rows listed per group")] = 30,
) -> None:
    """What-if: score MODEL with proposed parameters into the scratch schema and show added / removed /
    unchanged alerts with amounts, outcomes and estimated precision; --apply makes it live."""
    from tianyan.cli import parse_date  # the main CLI imports this module: not at the top
    from tianyan.scoring import rulesettings, whatif
    from tianyan.warehouse.migrate import migrate

    try:
        overrides = dict(rulesettings.parse_assignment(s) for s in set_ or [])
        if apply and not (reason or "").strip():
            raise rulesettings.SettingsError("--apply needs --reason (recorded in the settings history)")
        migrate()
        p = whatif.propose(model, overrides, as_of=parse_date(as_of))
        print_proposal(p, limit)
        if apply:
            done = rulesettings.apply(p.model_id, overrides, reason, as_of=parse_date(as_of), proposal_id=p.proposal_id)
            _print_applied(done)
    except (rulesettings.SettingsError, whatif.WhatIfError, rulesettings.NotRulesOwner) as exc:
        console.print(f"[red]refused[/]: {escape(str(exc))}")
        raise typer.Exit(2) from None


def _print_applied(done) -> None:
    Console().print(f"[green]applied[/]: settings version {done.version}: " + "; ".join(
        f"{c['model_id']}.{c['param']} {c['old'] if c['old'] is not None else '(file)'} -> "
        f"{c['new'] if c['new'] is not None else '(file)'}" for c in done.changes))
    for r in done.rescored:
        Console().print(f"re-scored {r.model_id} as of {r.as_of}: {r.status}, {r.hits} hit(s), {r.alerts_new} new, "
                        f"{r.alerts_resolved} resolved (settings version {r.settings_version})")


@rules_app.command("history")
def history(model: Annotated[str | None, typer.Option(help="Only versions changing this model")] = None) -> None:
    """Every rule settings version, newest first: who, when, what changed (old -> new), why."""
    from tianyan.scoring import rulesettings
    from tianyan.warehouse.migrate import migrate

    migrate()
    t = Table(title="rule settings (version 0 = the files' defaults)")
    for c in ("version", "action", "changed_by", "changed_at", "changes", "reason"):
        t.add_column(c)
    for v in rulesettings.history(model_id=model):
        what = "; ".join(f"{c['model_id']}.{c['param']}: {c['old'] if c['old'] is not None else '(file)'} -> "
                         f"{c['new'] if c['new'] is not None else '(file)'}" for c in v.changes)
        action = v.action if v.rollback_to is None else f"rollback to {v.rollback_to}"
        t.add_row(str(v.version), action, escape(v.changed_by), v.changed_at.isoformat(timespec="seconds"),
                  escape(what), escape(v.reason))
    Console().print(t)


@rules_app.command("rollback")
def rollback(
    version: Annotated[int, typer.Argument(help="Version whose settings to restore (0: the files)")],
    reason: Annotated[str, typer.Option(help="Why (recorded)")],
) -> None:
    """Restore the settings of an earlier version (as a new version) and re-score the models it changes."""
    from tianyan.scoring import rulesettings
    from tianyan.warehouse.migrate import migrate

    migrate()
    try:
        _print_applied(rulesettings.rollback(version, reason))
    except (rulesettings.SettingsError, rulesettings.NotRulesOwner) as exc:
        console.print(f"[red]refused[/]: {escape(str(exc))}")
        raise typer.Exit(2) from None


def register(app: typer.Typer) -> None:
    app.command("tune")(tune)
    app.add_typer(rules_app, name="rules")
